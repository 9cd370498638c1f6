// GET /v1/conversations — the conversations behind a number (drill-down), and
// GET /v1/conversations/:id — one conversation's facts and event timeline.
import { Hono } from 'hono'
import { z } from 'zod'
import type { ApiKey, PulsoConfig } from '../../config/config.ts'
import { tenantSettings } from '../../config/config.ts'
import type { ConversationDetail, ConversationPage } from '../../definitions/api.ts'
import { SEGMENTS, type Segment } from '../../definitions/kpis.ts'
import { conversationSlas, SLA_FLAG_NAMES, SLA_FLAGS, type SlaFlag } from '../../domain/sla/sla-report.ts'
import type { Warehouse } from '../../warehouse/client.ts'
import { type ConversationFlag, conversationTimeline, FLAG_NAMES, listConversations, SORT_NAMES } from '../../warehouse/repositories/conversations.ts'
import { ApiError } from '../errors.ts'
import { type AuthVariables, requireRole } from '../middleware/auth.ts'
import { dateRange, validQuery } from '../validation.ts'

export const MAX_CONVERSATIONS_PAGE = 500

// the facts' flags, and the SLA's (judged in domain/sla, not stored: the clock depends on the policy and on now)
const FLAGS = [...FLAG_NAMES, ...SLA_FLAG_NAMES] as [string, ...string[]]
const isSlaFlag = (flag: string): flag is SlaFlag => (SLA_FLAG_NAMES as string[]).includes(flag)

const segmentValue = z.string().min(1).max(256).optional()

export const conversationQuerySchema = dateRange({
  use_case: segmentValue,
  intent: segmentValue,
  bot_version: segmentValue,
  channel: segmentValue,
  handoff_reason: segmentValue,
  // a row of /v1/use-cases/scorecard: a registered use case, (outside) or (no customer message)
  registry_use_case: segmentValue,
  // a row of /v1/proactive: the conversations that got a send of this template (and campaign; empty: none) in the range
  template: segmentValue,
  campaign: z.string().max(256).optional(),
  // a row of /v1/handoffs/agents or /queues: the agent who holds the conversation last, or its handoff's queue (empty: none)
  agent: z.string().max(256).optional(),
  queue: z.string().max(256).optional(),
  // segments the conversations carry no value of (a `(none)` row of /v1/kpis?by=…), e.g. missing=use_case
  missing: z
    .string()
    .optional()
    .transform((v) => (v ? v.split(',').map((s) => s.trim()) : []))
    .pipe(z.array(z.enum(SEGMENTS, { error: `expected segments among ${SEGMENTS.join(', ')}` }))),
  // comma-separated, e.g. flag=escalated,csat_unsatisfied
  flag: z
    .string()
    .optional()
    .transform((v) =>
      v
        ? v
            .split(',')
            .map((f) => f.trim())
            .filter(Boolean)
        : [],
    )
    .pipe(z.array(z.enum(FLAGS, { error: `expected flags among ${FLAGS.join(', ')}` }))),
  sort: z.enum(SORT_NAMES, { error: `expected one of ${SORT_NAMES.join(', ')}` }).default('started_at'),
  limit: z.coerce.number({ error: 'expected a number' }).int().min(1).max(MAX_CONVERSATIONS_PAGE, `at most ${MAX_CONVERSATIONS_PAGE}`).default(50),
  offset: z.coerce.number({ error: 'expected a number' }).int().min(0).default(0),
})

export function conversationsRoutes(options: { apiKeys: ApiKey[]; warehouse: Warehouse; config: PulsoConfig }) {
  return new Hono<{ Variables: AuthVariables }>()
    .use('*', requireRole(options.apiKeys, 'read'))
    .get('/', validQuery(conversationQuerySchema), async (c) => {
      const query = c.req.valid('query')
      if (query.campaign !== undefined && query.template === undefined) throw new ApiError(400, 'bad_request', '`campaign`: only with `template`')
      const tenant = tenantSettings(options.config, c.get('apiKey').tenant)
      const segments = Object.fromEntries(SEGMENTS.filter((s) => query[s] !== undefined).map((s) => [s, query[s]!])) as Partial<Record<Segment, string>>
      const slaFlags = query.flag.filter(isSlaFlag)
      const slaConversations =
        slaFlags.length === 0
          ? undefined
          : (await conversationSlas(options.warehouse, tenant, query, new Date())).filter((c) => slaFlags.every((f) => SLA_FLAGS[f](c)))
      const page = await listConversations(options.warehouse, {
        tenantId: tenant.id,
        timezone: tenant.timezone,
        from: query.from,
        to: query.to,
        segments,
        missingSegments: query.missing,
        handoffReason: query.handoff_reason,
        registryUseCase: query.registry_use_case,
        proactive: query.template === undefined ? undefined : { template: query.template, campaign: query.campaign },
        agent: query.agent,
        queue: query.queue,
        flags: query.flag.filter((f): f is ConversationFlag => !isSlaFlag(f)),
        conversationIds: slaConversations?.map((c) => c.conversation_id),
        sort: query.sort,
        limit: query.limit,
        offset: query.offset,
      })
      return c.json({
        tenant_id: tenant.id,
        timezone: tenant.timezone,
        currency: tenant.currency,
        from: query.from,
        to: query.to,
        limit: query.limit,
        offset: query.offset,
        ...page,
      } satisfies ConversationPage)
    })
    .get('/:id', async (c) => {
      const tenant = tenantSettings(options.config, c.get('apiKey').tenant)
      const id = c.req.param('id')
      const found = await conversationTimeline(options.warehouse, { tenantId: tenant.id, timezone: tenant.timezone }, id)
      if (!found) throw new ApiError(404, 'not_found', `no conversation '${id}' for tenant ${tenant.id}`)
      return c.json({ tenant_id: tenant.id, timezone: tenant.timezone, currency: tenant.currency, ...found } satisfies ConversationDetail)
    })
}
