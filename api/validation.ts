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

/**
 * "`field`: reason" for each field that breaks a rule, the fields given with a wrong value first
 * (`{"target": "high"}` to a goal answers "`target`: expected a number" before "`kpi`: is
 * required"); a missing value "is required".
 */
function reasonOf(error: z.ZodError, input: unknown): string {
  const reasons = new Map<string, { given: boolean; reason: string }>()
  for (const issue of error.issues) {
    const { path, given } = inputAt(input, issue.path)
    const field = path.join('.') || '(body)'
    if (reasons.has(field)) continue // the first rule a field breaks says enough
    const missing = given === undefined && path.length > 0
    reasons.set(field, { given: !missing, reason: `\`${field}\`: ${missing ? 'is required' : issue.message}` })
  }
  const all = [...reasons.values()]
  return [...all.filter((r) => r.given), ...all.filter((r) => !r.given)].map((r) => r.reason).join('; ')
}

/**
 * The value sent at an issue's path, and the path as the client wrote it: a path that goes on
 * inside a value the schema transformed (`flag=a,b` read as a list) stops at the value sent.
 */
function inputAt(input: unknown, issuePath: readonly PropertyKey[]): { path: PropertyKey[]; given: unknown } {
  const path: PropertyKey[] = []
  let given = input
  for (const key of issuePath) {
    if (given === null || typeof given !== 'object') break
    given = (given as Record<PropertyKey, unknown>)[key]
    path.push(key)
  }
  return { path, given }
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
  } catch (error) {
    throw new ApiError(400, 'bad_request', `the body is not valid JSON: ${(error as Error).message}`)
  }
  return parseInput(schema, body)
}
