// POST /v1/events — batch intake (NDJSON or a JSON array, plain or gzip/deflate/br-compressed).
// Answers once the batch is stored.
import { Hono } from 'hono'
import type { ApiKey } from '../../config/config.ts'
import { type BatchFormat, type EventSink, parseBatchBody } from '../../ingest/intake.ts'
import { type AuthVariables, requireRole } from '../middleware/auth.ts'
import { limitBody } from '../middleware/body-limit.ts'
import { decodedBodyText } from '../middleware/content-encoding.ts'

/** Media types of NDJSON (JSON Lines): a body sent as one is read line by line, whatever its first line. */
const NDJSON_TYPES = new Set(['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonlines', 'application/jsonlines'])

function batchFormat(contentType: string | undefined): BatchFormat {
  const mediaType = contentType?.split(';', 1)[0]?.trim().toLowerCase()
  return mediaType !== undefined && NDJSON_TYPES.has(mediaType) ? 'ndjson' : 'sniff'
}

export function eventsRoutes(options: { apiKeys: ApiKey[]; maxBodyBytes: number; sink: EventSink }) {
  return new Hono<{ Variables: AuthVariables }>().post('/', requireRole(options.apiKeys, 'ingest'), limitBody(options.maxBodyBytes), async (c) => {
    const items = parseBatchBody(await decodedBodyText(c.req, options.maxBodyBytes), batchFormat(c.req.header('content-type')))
    const result = await options.sink(items, c.get('apiKey').tenant)
    return c.json(result, 200)
  })
}
