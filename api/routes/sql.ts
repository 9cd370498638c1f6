// POST /v1/sql — one read-only SELECT over the key's tenant's relations, streamed back as
// JSON, NDJSON, CSV or Parquet. The sandbox (warehouse/sql-sandbox) does the checking, scoping
// and taking turns; this route reads the request, hands over the signal that aborts when the
// client goes away (the sandbox then stops the statement), and maps each kind of "no" to HTTP.
import { Readable } from 'node:stream'
import { Hono } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { z } from 'zod'
import type { ApiKey } from '../../config/config.ts'
import {
  SQL_FORMATS,
  SqlCancelledError,
  SqlEngineError,
  type SqlFormat,
  SqlRefusedError,
  type SqlSandbox,
  StatementsBusyError,
} from '../../warehouse/sql-sandbox/sandbox.ts'
import { ApiError } from '../errors.ts'
import { type AuthVariables, requireRole } from '../middleware/auth.ts'
import { JSON_BODY_BYTES, limitBody } from '../middleware/body-limit.ts'
import { parseInput } from '../validation.ts'

const FORMATS = Object.keys(SQL_FORMATS) as [SqlFormat, ...SqlFormat[]]
const CLIENT_CLOSED_REQUEST = 499 as ContentfulStatusCode

export const sqlRequestSchema = z.object({
  sql: z.string().trim().min(1, 'is empty').max(100_000, 'is longer than 100000 characters'),
  format: z.enum(FORMATS, { error: `expected one of ${FORMATS.join(', ')}` }).default('json'),
})

async function readRequest(c: { req: { header(name: string): string | undefined; text(): Promise<string>; query(): Record<string, string> } }) {
  const type = c.req.header('content-type') ?? ''
  const body = await c.req.text()
  // A plain-text body is the statement itself (handy from curl); JSON carries {sql, format}.
  if (!type.includes('application/json')) return { sql: body, ...c.req.query() }
  try {
    return { ...c.req.query(), ...(JSON.parse(body) as Record<string, string>) }
  } catch (error) {
    throw new ApiError(400, 'bad_request', `body is not valid JSON: ${(error as Error).message}`)
  }
}

export function sqlRoutes(options: { apiKeys: ApiKey[]; sandbox: SqlSandbox }) {
  return new Hono<{ Variables: AuthVariables }>()
    .post('/', requireRole(options.apiKeys, 'read'), limitBody(JSON_BODY_BYTES, 'a statement may be 100000 characters'), async (c) => {
      const request = parseInput(sqlRequestSchema, await readRequest(c))
      const tenant = c.get('apiKey').tenant
      let stream: Readable
      try {
        stream = await options.sandbox.run(tenant, request.sql, request.format, c.req.raw.signal)
      } catch (error) {
        if (error instanceof SqlRefusedError) throw new ApiError(400, 'sql_refused', error.message)
        if (error instanceof SqlEngineError) throw new ApiError(400, 'clickhouse_error', error.message)
        if (error instanceof StatementsBusyError)
          throw new ApiError(429, 'too_many_statements', error.message, { 'retry-after': String(error.retryAfterSeconds) })
        // nginx's code for a client that closed the connection: nobody reads it, the log does
        if (error instanceof SqlCancelledError) throw new ApiError(CLIENT_CLOSED_REQUEST, 'client_closed_request', error.message)
        throw error
      }
      return c.body(Readable.toWeb(stream) as ReadableStream, 200, {
        'content-type': SQL_FORMATS[request.format].contentType,
        'x-pulso-tenant': tenant,
      })
    })
    .get('/relations', requireRole(options.apiKeys, 'read'), async (c) => {
      const relations = await options.sandbox.relations(c.get('apiKey').tenant)
      return c.json({ relations })
    })
}
