// Errors are values with a reason a user can act on; this is the one place they become HTTP.
import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { BodyError } from '../ingest/intake.ts'

export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    /** Headers the answer carries, e.g. Retry-After with a 429. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message)
  }
}

export function errorResponse(error: Error, c: Context, log?: (error: Error) => void) {
  if (error instanceof ApiError) return c.json({ error: error.code, message: error.message }, error.status, error.headers)
  if (error instanceof BodyError) return c.json({ error: 'bad_request', message: error.message }, 400)
  log?.(error)
  return c.json({ error: 'internal', message: 'internal error; see the server log' }, 500)
}
