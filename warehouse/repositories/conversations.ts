// Conversations behind a number: the drill-down list from fct_conversations and one
// conversation's event timeline from stg_events. No KPI is computed here; the list is
// filtered with the same per-conversation facts the KPI mart aggregates.

import type { ConversationSummary, ConversationTimeline, HandoffBreakdown } from '../../definitions/api.ts'
import { SEGMENTS, type Segment } from '../../definitions/kpis.ts'
import { queryRows, type Warehouse } from '../client.ts'
import { utcIso } from '../utc-iso.ts'

/**
 * Which conversations a number is made of. Each flag names the per-conversation fact of
 * fct_conversations that the KPI counts (e.g. escalation_rate counts `escalated`).
 */
export const CONVERSATION_FLAGS = {
  escalated: 'escalated',
  not_escalated: 'not escalated',
  bot_resolved: 'bot_resolved',
  not_bot_resolved: 'not bot_resolved',
  resolved: 'is_resolved',
  unresolved: 'not is_resolved',
  fcr: 'first_contact_resolved = true',
  not_fcr: 'first_contact_resolved = false',
  with_csat: 'csat is not null',
  csat_satisfied: 'csat >= 4',
  csat_unsatisfied: 'csat < 4',
  with_fallback: 'fallbacks > 0',
  handoff_with_context: 'handoffs > 0 and handoffs_with_context = handoffs',
  handoff_without_context: 'handoffs > handoffs_with_context',
  with_frt: 'frt_s is not null',
  // after the handoff (fct_handoff_kpis counts the conversations that reached a person)
  reached_person: 'escalated or agent_id is not null',
  no_agent: 'agent_id is null',
  no_queue: 'queue is null',
  reopened: 'reopened',
  with_resolution_time: 'resolution_s is not null',
  with_cost: 'cost > 0',
  // the parts of the cost composition (fct_cost_composition): conversations with a cost in the part
  with_cost_whatsapp: 'cost_whatsapp > 0',
  with_cost_llm: 'cost_llm > 0',
  with_cost_agent: 'cost_agent > 0',
  with_cost_other: 'cost_other > 0',
  with_cost_service: 'cost_service > 0',
  with_cost_utility: 'cost_utility > 0',
  with_cost_marketing: 'cost_marketing > 0',
  with_cost_authentication: 'cost_authentication > 0',
  with_cost_uncategorized: 'cost_uncategorized > 0',
} as const
/**
 * Flags that come from the use-case registry (fct_conversation_use_cases) rather than the
 * conversation's own facts: `bot_kept_human_only` is the scorecard's count of human-only
 * conversations that never reached a person.
 */
export const REGISTRY_FLAGS = {
  bot_kept_human_only: 'bot_kept_human_only',
} as const
export type ConversationFlag = keyof typeof CONVERSATION_FLAGS | keyof typeof REGISTRY_FLAGS
export const FLAG_NAMES = [...Object.keys(CONVERSATION_FLAGS), ...Object.keys(REGISTRY_FLAGS)] as [ConversationFlag, ...ConversationFlag[]]
const isRegistryFlag = (flag: ConversationFlag): flag is keyof typeof REGISTRY_FLAGS => flag in REGISTRY_FLAGS

export const CONVERSATION_SORTS = {
  started_at: 'started_at DESC',
  frt: 'frt_s DESC NULLS LAST',
  handoff_wait: 'handoff_wait_s DESC NULLS LAST',
  cost: 'cost DESC',
  csat: 'csat ASC NULLS LAST',
  resolution: 'resolution_s DESC NULLS LAST',
} as const
export type ConversationSort = keyof typeof CONVERSATION_SORTS
export const SORT_NAMES = Object.keys(CONVERSATION_SORTS) as [ConversationSort, ...ConversationSort[]]

export type ConversationFilter = {
  tenantId: string
  timezone: string
  /** First and last local date (tenant time zone) of started_at, inclusive. */
  from: string
  to: string
  segments?: Partial<Record<Segment, string>>
  /** Segments the conversation carries no value of: the `(none)` row of a KPI breakdown. */
  missingSegments?: Segment[]
  handoffReason?: string
  /** A row of the use-case scorecard: a registered use case, `(outside)` or `(no customer message)`. */
  registryUseCase?: string
  flags?: ConversationFlag[]
  /** Conversations that got a proactive send of this template in the range (fct_proactive_sends); `campaign` '' means none. */
  proactive?: { template: string; campaign?: string }
  /** A row of the after-the-handoff tables: the agent who holds the conversation last, its handoff's queue ('' means none). */
  agent?: string
  queue?: string
  /** Only these conversations (a list judged outside SQL, such as the SLA's breached ones). */
  conversationIds?: string[]
  sort?: ConversationSort
  limit: number
  offset?: number
}

const SUMMARY_COLUMNS = `conversation_id, customer_id, channel, use_case, intent, bot_version,
    started_at, toString(toDate(started_at, {timezone:String})) AS started_on,
    frt_s, escalated, handoff_reason, handoff_wait_s, handoffs, handoffs_with_context,
    resolved_by, bot_resolved, first_contact_resolved, csat, messages, fallbacks, cost, currency`

/** The WHERE clause and its bound parameters; flags come from a fixed allow-list, values are bound. */
export function conversationWhere(database: string, filter: ConversationFilter): { where: string; params: Record<string, unknown> } {
  const clauses = [
    'tenant_id = {tenant_id:String}',
    'toDate(started_at, {timezone:String}) >= {date_from:Date}',
    'toDate(started_at, {timezone:String}) <= {date_to:Date}',
  ]
  const params: Record<string, unknown> = { tenant_id: filter.tenantId, timezone: filter.timezone, date_from: filter.from, date_to: filter.to }
  for (const segment of SEGMENTS) {
    const value = filter.segments?.[segment]
    if (value === undefined) continue
    clauses.push(`toString(${segment}) = {seg_${segment}:String}`)
    params[`seg_${segment}`] = value
  }
  for (const segment of filter.missingSegments ?? []) if (SEGMENTS.includes(segment)) clauses.push(`isNull(${segment})`)
  if (filter.handoffReason !== undefined) {
    clauses.push('handoff_reason = {handoff_reason:String}')
    params.handoff_reason = filter.handoffReason
  }
  const registry: string[] = []
  for (const flag of filter.flags ?? []) {
    if (isRegistryFlag(flag)) registry.push(REGISTRY_FLAGS[flag])
    else clauses.push(`(${CONVERSATION_FLAGS[flag]})`)
  }
  if (filter.registryUseCase !== undefined) {
    registry.push('scorecard_use_case = {registry_use_case:String}')
    params.registry_use_case = filter.registryUseCase
  }
  if (filter.conversationIds !== undefined) {
    clauses.push('conversation_id IN {conversation_ids:Array(String)}')
    params.conversation_ids = filter.conversationIds
  }
  for (const [column, value] of [
    ['agent_id', filter.agent],
    ['queue', filter.queue],
  ] as const) {
    if (value === undefined) continue
    clauses.push(`ifNull(${column}, '') = {${column}:String}`)
    params[column] = value
  }
  if (filter.proactive) {
    const campaign = filter.proactive.campaign === undefined ? '' : " AND ifNull(campaign, '') = {proactive_campaign:String}"
    clauses.push(`conversation_id IN (
    SELECT conversation_id FROM ${database}.fct_proactive_sends(tenant_id = {tenant_id:String}, timezone = {timezone:String}, date_from = {date_from:Date}, date_to = {date_to:Date})
    WHERE template = {proactive_template:String}${campaign})`)
    params.proactive_template = filter.proactive.template
    if (filter.proactive.campaign !== undefined) params.proactive_campaign = filter.proactive.campaign
  }
  // The registry's view of a conversation is its own mart: select the matching ids from it, so
  // the list counts exactly what fct_use_case_scorecard counts.
  if (registry.length > 0)
    clauses.push(`conversation_id IN (
    SELECT conversation_id FROM ${database}.fct_conversation_use_cases
    WHERE tenant_id = {tenant_id:String} AND ${registry.join(' AND ')})`)
  return { where: clauses.join('\n  AND '), params }
}

export function conversationListSql(database: string, filter: ConversationFilter): string {
  const { where } = conversationWhere(database, filter)
  return `SELECT ${SUMMARY_COLUMNS}, count() OVER () AS total
FROM ${database}.fct_conversations
WHERE ${where}
ORDER BY ${CONVERSATION_SORTS[filter.sort ?? 'started_at']}, conversation_id
LIMIT {limit:UInt32} OFFSET {offset:UInt32}`
}

type RawSummary = Omit<ConversationSummary, 'escalated' | 'bot_resolved' | 'first_contact_resolved'> & {
  escalated: boolean | number
  bot_resolved: boolean | number
  first_contact_resolved: boolean | number | null
}

function toSummary(row: RawSummary): ConversationSummary {
  const bool = (v: boolean | number) => v === true || v === 1
  return {
    ...row,
    started_at: utcIso(row.started_at),
    escalated: bool(row.escalated),
    bot_resolved: bool(row.bot_resolved),
    first_contact_resolved: row.first_contact_resolved === null ? null : bool(row.first_contact_resolved),
    cost: Number(row.cost),
  }
}

/** One page of the conversations that match, newest first, and how many match in all. */
export async function listConversations(warehouse: Warehouse, filter: ConversationFilter): Promise<{ total: number; rows: ConversationSummary[] }> {
  const { params } = conversationWhere(warehouse.database, filter)
  const rows = await queryRows<RawSummary & { total: number }>(warehouse, conversationListSql(warehouse.database, filter), {
    ...params,
    limit: filter.limit,
    offset: filter.offset ?? 0,
  })
  let total = rows[0]?.total ?? 0
  if (rows.length === 0 && (filter.offset ?? 0) > 0) {
    // Past the last page the window function has no row to report on; count separately.
    const counted = await queryRows<{ total: number }>(
      warehouse,
      `SELECT count() AS total FROM ${warehouse.database}.fct_conversations WHERE ${conversationWhere(warehouse.database, filter).where}`,
      params,
    )
    total = counted[0]?.total ?? 0
  }
  return { total: Number(total), rows: rows.map(({ total: _total, ...row }) => toSummary(row)) }
}

const TIMELINE_FIELDS = [
  'channel',
  'use_case',
  'intent',
  'bot_version',
  'sender',
  'agent_id',
  'text',
  'question',
  'confidence',
  'handoff_reason',
  'context_transcript',
  'context_customer_profile',
  'context_intent',
  'queue',
  'resolved_by',
  'score',
  'comment',
  'amount',
  'value',
  'currency',
  'component',
  'category',
  'template',
  'campaign',
] as const

/** One conversation: its facts from fct_conversations and its events from stg_events, in time order. */
export async function conversationTimeline(
  warehouse: Warehouse,
  tenant: { tenantId: string; timezone: string },
  conversationId: string,
): Promise<ConversationTimeline | null> {
  const params = { tenant_id: tenant.tenantId, timezone: tenant.timezone, conversation_id: conversationId }
  const [conversation] = await queryRows<RawSummary>(
    warehouse,
    `SELECT ${SUMMARY_COLUMNS}
FROM ${warehouse.database}.fct_conversations
WHERE tenant_id = {tenant_id:String} AND conversation_id = {conversation_id:String}`,
    params,
  )
  if (!conversation) return null
  const rows = await queryRows<Record<string, string | number | boolean | null>>(
    warehouse,
    `SELECT event_id, type, occurred_at, received_at, ${TIMELINE_FIELDS.join(', ')}
FROM ${warehouse.database}.stg_events
WHERE tenant_id = {tenant_id:String} AND conversation_id = {conversation_id:String}
ORDER BY occurred_at, received_at, event_id`,
    params,
  )
  return {
    conversation: toSummary(conversation),
    events: rows.map((row) => ({
      event_id: String(row.event_id),
      type: String(row.type),
      occurred_at: utcIso(String(row.occurred_at)),
      received_at: utcIso(String(row.received_at)),
      fields: Object.fromEntries(TIMELINE_FIELDS.filter((f) => row[f] !== null && row[f] !== undefined && row[f] !== '').map((f) => [f, row[f]!])),
    })),
  }
}

/** Upper bounds (seconds) of the wait buckets; the last bucket is open-ended, plus one for "no agent yet". */
export const WAIT_BUCKETS_S = [60, 300, 900, 1800, 3600] as const

/** Handoffs by reason (with how many carried full context) and the wait distribution. */
export async function handoffBreakdown(
  warehouse: Warehouse,
  filter: Pick<ConversationFilter, 'tenantId' | 'timezone' | 'from' | 'to' | 'segments'>,
): Promise<HandoffBreakdown> {
  const { where, params } = conversationWhere(warehouse.database, { ...filter, limit: 0, flags: ['escalated'] })
  const reasons = await queryRows<HandoffBreakdown['reasons'][number]>(
    warehouse,
    `SELECT coalesce(handoff_reason, 'other') AS reason, sum(handoffs) AS handoffs, sum(handoffs_with_context) AS with_context, count() AS conversations
FROM ${warehouse.database}.fct_conversations
WHERE ${where}
GROUP BY reason
ORDER BY conversations DESC, reason`,
    params,
  )
  // bucket i holds waits in [lower_i, upper_i); the last bucket is open-ended; -1 = no agent reply yet
  const bucketIndex = `multiIf(handoff_wait_s IS NULL, -1, ${WAIT_BUCKETS_S.map((b, i) => `handoff_wait_s < ${b}, ${i}`).join(', ')}, ${WAIT_BUCKETS_S.length})`
  const waits = await queryRows<{ bucket_index: number; conversations: number }>(
    warehouse,
    `SELECT ${bucketIndex} AS bucket_index, count() AS conversations
FROM ${warehouse.database}.fct_conversations
WHERE ${where}
GROUP BY bucket_index`,
    params,
  )
  const counts = new Map(waits.map((r) => [Number(r.bucket_index), Number(r.conversations)]))
  const lowers = [0, ...WAIT_BUCKETS_S]
  const wait = lowers.map((min, i) => {
    const max = WAIT_BUCKETS_S[i] ?? null
    return { bucket: max === null ? `${min}+` : `${min}-${max}`, min_s: min, max_s: max, conversations: counts.get(i) ?? 0 }
  })
  wait.push({ bucket: 'no_agent', min_s: 0, max_s: null, conversations: counts.get(-1) ?? 0 })
  return {
    reasons: reasons.map((r) => ({
      reason: r.reason,
      handoffs: Number(r.handoffs),
      with_context: Number(r.with_context),
      conversations: Number(r.conversations),
    })),
    wait,
  }
}
