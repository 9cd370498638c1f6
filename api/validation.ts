// Request validation, one way for every route: a zod schema per request, and a value that breaks
// it is answered 400 naming the parameter and the rule ("`to`: expected YYYY-MM-DD"). Query
// parameters are checked by Hono's validator middleware (the handler reads c.req.valid('query'));
// JSON bodies by parseBody; the CLI checks its options against the same schemas with parseInput.
import { validator } from 'hono/validator'
import { z } from 'zod'
import { FIRST_QUERY_DATE, isCalendarDate, isQueryableDate, LAST_QUERY_DATE } from '../domain/dates.ts'
import { ApiError } from './errors.ts'

/** A local date in a query parameter: YYYY-MM-DD of a day that exists, within what the models take. */
export const date = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD')
  .refine(isCalendarDate, { error: (issue) => `not a calendar date: ${issue.input} does not exist`, abort: true })
  .refine(isQueryableDate, `expected a date from ${FIRST_QUERY_DATE} to ${LAST_QUERY_DATE}`)

/** Required `from` and `to` dates, from not after to, beside the route's other parameters. */
export function dateRange<Shape extends z.ZodRawShape>(shape: Shape) {
  // the generic shape keeps zod from seeing that from and to are strings; they are
  const inOrder = (q: unknown) => (q as { from: string }).from <= (q as { to: string }).to
  return z.object({ from: date, to: date, ...shape }).refine(inOrder, { message: 'from must not be after to', path: ['from'] })
}

/** "`field`: reason" for the first rule broken; a missing value "is required". */
function reasonOf(error: z.ZodError, input: unknown): string {
  const issue = error.issues[0]!
  const given = issue.path.reduce<unknown>(
    (value, key) => (value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined),
    input,
  )
  const message = issue.code === 'invalid_type' && given === undefined ? 'is required' : issue.message
  return `\`${issue.path.join('.') || '(body)'}\`: ${message}`
}

/** The input as the schema reads it, or a 400 ApiError naming what is wrong. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const parsed = schema.safeParse(input)
  if (!parsed.success) throw new ApiError(400, 'bad_request', reasonOf(parsed.error, input))
  return parsed.data
}

/** Middleware: the query parameters checked against `schema`, for c.req.valid('query'). */
export function validQuery<T extends z.ZodType>(schema: T) {
  return validator('query', (query): z.infer<T> => parseInput(schema, query))
}

/** Reads a JSON body (whatever its content type) and checks it against `schema`. */
export async function parseBody<T extends z.ZodType>(schema: T, request: Request): Promise<z.infer<T>> {
  let body: unknown
  try {
    body = await request.json()
  } catch {
    throw new ApiError(400, 'bad_request', 'the body must be a JSON object')
  }
  return parseInput(schema, body)
}
