// GET /v1/handoffs — escalated conversations by handoff reason (with context completeness)
// and by how long the customer waited for an agent.
// GET /v1/handoffs/agents and /v1/handoffs/queues — after the handoff, per agent or per queue and
// period: conversations, resolution time, agent first reply and reply times, reopened, CSAT, FCR
// (fct_handoff_kpis; domain/handoff-report.ts, shared with `pulso handoffs`).
// GET /v1/handoffs/sla — the tenant's SLA policies checked per period (and queue): met, breached,
// pending, the breach rate, and the breached conversations (domain/sla, shared with `pulso sla`).
import { Hono } from 'hono'
import { z } from 'zod'
import type { ApiKey, PulsoConfig } from '../../config/config.ts'
import { tenantSettings } from '../../config/config.ts'
import type { HandoffsResponse } from '../../definitions/api.ts'
import { GRAINS, HANDOFF_GROUPS, type HandoffGroup, SEGMENTS, type Segment } from '../../definitions/kpis.ts'
import { handoffTeamReport } from '../../domain/handoff-report.ts'
import { slaReport } from '../../domain/sla/sla-report.ts'
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

const grain = z.enum(GRAINS, { error: `expected one of ${GRAINS.join(', ')}` }).default('all')
const handoffTeamQuerySchema = dateRange({ grain })
export const slaQuerySchema = dateRange({
  grain,
  by: z.enum(['queue'], { error: 'expected queue (or none: one row per period)' }).optional(),
  limit: z.coerce.number({ error: 'expected a number' }).int().min(0).max(500, 'at most 500').default(100),
  // the instant running clocks are read at (default: now), so an answer can be asked for again
  as_of: z.iso.datetime({ offset: true, error: 'expected an RFC 3339 instant such as 2024-03-04T15:00:00Z' }).optional(),
})

/** The same parameters with the grouping: `pulso handoffs --by`. */
export const handoffReportSchema = dateRange({ grain, by: z.enum(HANDOFF_GROUPS, { error: `expected one of ${HANDOFF_GROUPS.join(', ')}` }) })

export function handoffsRoutes(options: { apiKeys: ApiKey[]; warehouse: Warehouse; config: PulsoConfig }) {
  const teams = (by: HandoffGroup) =>
    new Hono<{ Variables: AuthVariables }>().get('/', requireRole(options.apiKeys, 'read'), validQuery(handoffTeamQuerySchema), async (c) => {
      const tenant = tenantSettings(options.config, c.get('apiKey').tenant)
      const agentNames = options.config.afterHandoff.agentNames.get(tenant.id)
      return c.json(await handoffTeamReport(options.warehouse, tenant, agentNames, { ...c.req.valid('query'), by }))
    })
  return new Hono<{ Variables: AuthVariables }>()
    .get('/', requireRole(options.apiKeys, 'read'), validQuery(handoffQuerySchema), async (c) => {
      const query = c.req.valid('query')
      const tenant = tenantSettings(options.config, c.get('apiKey').tenant)
      const segments = Object.fromEntries(SEGMENTS.filter((s) => query[s] !== undefined).map((s) => [s, query[s]!])) as Partial<Record<Segment, string>>
      const breakdown = await handoffBreakdown(options.warehouse, { tenantId: tenant.id, timezone: tenant.timezone, from: query.from, to: query.to, segments })
      return c.json({ tenant_id: tenant.id, timezone: tenant.timezone, from: query.from, to: query.to, ...breakdown } satisfies HandoffsResponse)
    })
    .route('/agents', teams('agent'))
    .route('/queues', teams('queue'))
    .get('/sla', requireRole(options.apiKeys, 'read'), validQuery(slaQuerySchema), async (c) => {
      const { limit, as_of, ...query } = c.req.valid('query')
      const tenant = tenantSettings(options.config, c.get('apiKey').tenant)
      return c.json(await slaReport(options.warehouse, tenant, query, as_of ? new Date(as_of) : new Date(), limit))
    })
}
