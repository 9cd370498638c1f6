// POST /v1/events — batch intake (NDJSON or a JSON array, plain or gzip/deflate/br-compressed).
// Answers once the batch is stored.
// POST /v1/events/bulk — a bulk load of NDJSON of any size (a file of millions of events), read as
// it arrives; answers the load's summary once its events are stored and their facts refreshed.
import { Hono } from 'hono'
import type { ApiKey } from '../../config/config.ts'
import { BulkLoadBusyError, type BulkLoads } from '../../ingest/file-load/bulk-loads.ts'
import { countedEvents } from '../../ingest/file-load/load-summary.ts'
import { type BatchFormat, type EventSink, parseBatchBody } from '../../ingest/intake.ts'
import { ApiError } from '../errors.ts'
import { type AuthVariables, requireRole } from '../middleware/auth.ts'
import { limitBody } from '../middleware/body-limit.ts'
import { decodedBodyChunks, decodedBodyText } from '../middleware/content-encoding.ts'

/** Media types of NDJSON (JSON Lines): a body sent as one is read line by line, whatever its first line. */
const NDJSON_TYPES = new Set(['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonlines', 'application/jsonlines'])

function batchFormat(contentType: string | undefined): BatchFormat {
  const mediaType = contentType?.split(';', 1)[0]?.trim().toLowerCase()
  return mediaType !== undefined && NDJSON_TYPES.has(mediaType) ? 'ndjson' : 'sniff'
}

/** How long a client refused because another bulk load runs is asked to wait. */
const BUSY_RETRY_SECONDS = 30

export function eventsRoutes(options: { apiKeys: ApiKey[]; maxBodyBytes: number; maxBulkBytes: number; sink: EventSink; bulkLoads: BulkLoads }) {
  return new Hono<{ Variables: AuthVariables }>()
    .post('/', requireRole(options.apiKeys, 'ingest'), limitBody(options.maxBodyBytes), async (c) => {
      const items = parseBatchBody(await decodedBodyText(c.req, options.maxBodyBytes), batchFormat(c.req.header('content-type')))
      const result = await options.sink(items, c.get('apiKey').tenant)
      return c.json(result, 200)
    })
    .post('/bulk', requireRole(options.apiKeys, 'ingest'), async (c) => {
      // load() refuses a second load before it reads a byte of the body: the client learns at
      // once, not after sending gigabytes
      try {
        const summary = await options.bulkLoads.load(decodedBodyChunks(c.req, options.maxBulkBytes), { tenantId: c.get('apiKey').tenant })
        if (countedEvents(summary) === 0) throw new ApiError(400, 'bad_request', 'the body holds no events: send NDJSON, one event per line')
        return c.json(summary, 200)
      } catch (error) {
        throw error instanceof BulkLoadBusyError ? busy() : error
      }
    })
}

function busy(): ApiError {
  return new ApiError(429, 'bulk_load_running', 'a bulk load is already running on this server; send this one once it has ended', {
    'retry-after': String(BUSY_RETRY_SECONDS),
  })
}
