// POST /v1/events — batch intake (NDJSON or a JSON array, plain or gzip/deflate/br-compressed).
// Answers once the batch is stored.
import { Hono } from 'hono'
import { limitBody } from '../middleware/body-limit.ts'
import { decodedBodyText } from '../middleware/content-encoding.ts'
import type { ApiKey } from '../../config/config.ts'
import { parseBatchBody, type BatchItem, type IntakeResult } from '../../ingest/intake.ts'
import { requireRole, type AuthVariables } from '../middleware/auth.ts'

/** Stores a parsed batch for a tenant: straight into ClickHouse, or through Kafka when configured. */
export type EventSink = (items: BatchItem[], tenantId: string) => Promise<IntakeResult>

export function eventsRoutes(options: { apiKeys: ApiKey[]; maxBodyBytes: number; sink: EventSink }) {
  return new Hono<{ Variables: AuthVariables }>().post(
    '/',
    requireRole(options.apiKeys, 'ingest'),
    limitBody(options.maxBodyBytes),
    async (c) => {
      const items = parseBatchBody(await decodedBodyText(c.req, options.maxBodyBytes))
      const result = await options.sink(items, c.get('apiKey').tenant)
      return c.json(result, 200)
    },
  )
}
