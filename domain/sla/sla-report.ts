// SLA policies after the handoff: each handed-off conversation's clocks (first agent reply,
// resolution) checked against its queue's policy in the tenant's business hours, and the breach
// rate per period (and queue). The one place an SLA is judged: GET /v1/handoffs/sla, the
// conversations drill-down (flag=sla_breached…), `pulso sla`, and goals on sla_breach_rate (so
// alerts) all call it. The times come from the stored conversation facts (fct_conversations); the
// business-time arithmetic is business-time.ts, on date-fns, which SQL has no calendar for.
import { type SlaPolicy, slaPolicyFor } from '../../config/after-handoff.ts'
import type { TenantSettings } from '../../config/config.ts'
import type { SlaClock, SlaConversation, SlaResponse, SlaRow, SlaStatus } from '../../definitions/api.ts'
import type { Grain } from '../../definitions/kpis.ts'
import type { Warehouse } from '../../warehouse/client.ts'
import { type HandedOffConversation, queryHandedOffConversations } from '../../warehouse/repositories/handoff-kpis.ts'
import { periodsInRange } from '../../warehouse/repositories/kpis.ts'
import { periodStart } from '../dates.ts'
import { businessSeconds } from './business-time.ts'

export const SLA_TARGETS = ['first_reply', 'resolution'] as const
export type SlaTarget = (typeof SLA_TARGETS)[number]

/**
 * One clock: business seconds from `start` to `stop` (or to `now` while it runs: no stop, or one
 * after `now`) against the limit. Over the limit is breached, whether or not the stop came; under
 * it, met once stopped, pending while it runs.
 */
function runClock(start: string, stop: string | null, limitMinutes: number, policy: SlaPolicy, timeZone: string, now: Date): SlaClock {
  const stopped = stop !== null && new Date(stop).getTime() <= now.getTime()
  const elapsed = businessSeconds(new Date(start), stopped ? new Date(stop) : now, policy.businessHours, timeZone)
  const limit = limitMinutes * 60
  const status: SlaStatus = elapsed > limit ? 'breached' : stopped ? 'met' : 'pending'
  return { status, business_seconds: elapsed, limit_seconds: limit }
}

/** A conversation's SLA under the policy of its queue; null when no policy applies. */
export function conversationSla(conversation: HandedOffConversation, policies: SlaPolicy[], timeZone: string, now: Date): SlaConversation | null {
  const policy = slaPolicyFor(policies, conversation.queue)
  if (!policy) return null
  const firstReply =
    policy.firstReplyMinutes === null
      ? null
      : runClock(conversation.handoff_at, conversation.first_agent_after_handoff_at, policy.firstReplyMinutes, policy, timeZone, now)
  // the resolution clock starts at the customer's first message (the handoff, if the customer never wrote)
  const resolution =
    policy.resolutionMinutes === null
      ? null
      : runClock(conversation.first_customer_at ?? conversation.handoff_at, conversation.resolution_at, policy.resolutionMinutes, policy, timeZone, now)
  const clocks = [firstReply, resolution].filter((clock) => clock !== null)
  const status: SlaStatus = clocks.some((c) => c.status === 'breached') ? 'breached' : clocks.every((c) => c.status === 'met') ? 'met' : 'pending'
  return {
    conversation_id: conversation.conversation_id,
    started_on: conversation.started_on,
    queue: conversation.queue,
    agent_id: conversation.agent_id,
    status,
    first_reply: firstReply,
    resolution,
  }
}

export type SlaQuery = { from: string; to: string; grain: Grain; by?: 'queue' }

/** The SLA of every handed-off conversation of the range that a policy applies to, as of `now`. */
export async function conversationSlas(
  warehouse: Warehouse,
  tenant: TenantSettings,
  range: { from: string; to: string },
  now: Date,
): Promise<SlaConversation[]> {
  const policies = tenant.sla ?? []
  if (policies.length === 0) return []
  const conversations = await queryHandedOffConversations(warehouse, { tenantId: tenant.id, timezone: tenant.timezone, ...range })
  return conversations.map((c) => conversationSla(c, policies, tenant.timezone, now)).filter((c) => c !== null)
}

/** Which conversations an SLA drill-down flag names. */
export const SLA_FLAGS = {
  sla_breached: (c: SlaConversation) => c.status === 'breached',
  sla_first_reply_breached: (c: SlaConversation) => c.first_reply?.status === 'breached',
  sla_resolution_breached: (c: SlaConversation) => c.resolution?.status === 'breached',
  sla_pending: (c: SlaConversation) => c.status === 'pending',
} as const
export type SlaFlag = keyof typeof SLA_FLAGS
export const SLA_FLAG_NAMES = Object.keys(SLA_FLAGS) as SlaFlag[]

function summarize(period: string, conversations: SlaConversation[], queue?: string | null): SlaRow {
  const count = (test: (c: SlaConversation) => boolean) => conversations.filter(test).length
  const breached = count(SLA_FLAGS.sla_breached)
  const met = count((c) => c.status === 'met')
  return {
    period,
    ...(queue === undefined ? {} : { queue }),
    conversations: conversations.length,
    met,
    breached,
    pending: count(SLA_FLAGS.sla_pending),
    first_reply_breached: count(SLA_FLAGS.sla_first_reply_breached),
    resolution_breached: count(SLA_FLAGS.sla_resolution_breached),
    sla_breach_rate: met + breached === 0 ? null : breached / (met + breached),
  }
}

/**
 * Per period (and queue): conversations under a policy, met, breached, pending, and the breach rate
 * over the decided ones (breached / (met + breached)): a clock still running within its limit can
 * end either way, so it is counted as pending, not as met. Without `by`, every period of the range
 * has a row (0 conversations, rate null).
 */
export async function slaReport(warehouse: Warehouse, tenant: TenantSettings, query: SlaQuery, now = new Date(), breachedLimit = 100): Promise<SlaResponse> {
  const slas = await conversationSlas(warehouse, tenant, query, now)
  const periodOf = (c: SlaConversation) => (query.grain === 'all' ? query.from : periodStart(c.started_on, query.grain))
  const groups = new Map<string, SlaConversation[]>()
  const keyOf = (c: SlaConversation) => (query.by ? JSON.stringify([periodOf(c), c.queue]) : JSON.stringify([periodOf(c)]))
  for (const c of slas) groups.set(keyOf(c), [...(groups.get(keyOf(c)) ?? []), c])
  const rows = query.by
    ? [...groups.entries()]
        .map(([key, conversations]) => {
          const [period, queue] = JSON.parse(key) as [string, string | null]
          return summarize(period, conversations, queue)
        })
        .sort((a, b) => a.period.localeCompare(b.period) || compareQueues(a.queue ?? null, b.queue ?? null))
    : periodsInRange(query.from, query.to, query.grain).map((period) => summarize(period, groups.get(JSON.stringify([period])) ?? []))
  const breached = slas.filter(SLA_FLAGS.sla_breached)
  return {
    tenant_id: tenant.id,
    timezone: tenant.timezone,
    grain: query.grain,
    by: query.by ?? null,
    from: query.from,
    to: query.to,
    as_of: now.toISOString(),
    policies: (tenant.sla ?? []).map(policyText),
    rows,
    breached: { total: breached.length, conversations: breached.slice(0, breachedLimit) },
  }
}

/** Queues in name order, the conversations without one last. */
function compareQueues(a: string | null, b: string | null): number {
  if (a === b) return 0
  if (a === null) return 1
  if (b === null) return -1
  return a.localeCompare(b)
}

function policyText(policy: SlaPolicy): SlaResponse['policies'][number] {
  return {
    queue: policy.queue,
    first_reply_minutes: policy.firstReplyMinutes,
    resolution_minutes: policy.resolutionMinutes,
    business_hours: policy.businessHours,
  }
}

/** sla_breach_rate per period, as a KPI reader gives a goal its values. */
export async function slaBreachRates(
  warehouse: Warehouse,
  tenant: TenantSettings,
  query: { from: string; to: string; grain: Exclude<Grain, 'all'> },
  now = new Date(),
): Promise<{ period: string; sla_breach_rate: number | null }[]> {
  const report = await slaReport(warehouse, tenant, query, now, 0)
  return report.rows.map((row) => ({ period: row.period, sla_breach_rate: row.sla_breach_rate }))
}
