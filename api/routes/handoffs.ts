// GET /v1/handoffs — escalated conversations by handoff reason (with context completeness)
// and by how long the customer waited for an agent.
import { Hono } from 'hono'
import { z } from 'zod'
import type { ApiKey, PulsoConfig } from '../../config/config.ts'
import { tenantSettings } from '../../config/config.ts'
import type { HandoffsResponse } from '../../definitions/api.ts'
import { SEGMENTS, type Segment } from '../../definitions/kpis.ts'
import type { Warehouse } from '../../warehouse/client.ts'
import { handoffBreakdown } from '../../warehouse/repositories/conversations.ts'
import { type AuthVariables, requireRole } from '../middleware/auth.ts'
import { dateRange, validQuery } from '../validation.ts'

const handoffQuerySchema = dateRange({
  use_case: z.string().optional(),
  intent: z.string().optional(),
  bot_version: z.string().optional(),
  channel: z.string().optional(),
})

export function handoffsRoutes(options: { apiKeys: ApiKey[]; warehouse: Warehouse; config: PulsoConfig }) {
  return new Hono<{ Variables: AuthVariables }>().get('/', requireRole(options.apiKeys, 'read'), validQuery(handoffQuerySchema), async (c) => {
    const query = c.req.valid('query')
    const tenant = tenantSettings(options.config, c.get('apiKey').tenant)
    const segments = Object.fromEntries(SEGMENTS.filter((s) => query[s] !== undefined).map((s) => [s, query[s]!])) as Partial<Record<Segment, string>>
    const breakdown = await handoffBreakdown(options.warehouse, { tenantId: tenant.id, timezone: tenant.timezone, from: query.from, to: query.to, segments })
    return c.json({ tenant_id: tenant.id, timezone: tenant.timezone, from: query.from, to: query.to, ...breakdown } satisfies HandoffsResponse)
  })
}
