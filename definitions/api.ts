// What the HTTP API answers, written once: the routes' answers satisfy these types and the
// dashboard reads them (dashboard/src/lib/api.ts). Types only, so the dashboard's bundle takes
// no server code. Field names are the JSON's; rates are fractions 0–1.
import type { CostSplit } from './costs.ts'
import type { GoalDirection, GoalKpi, GoalPeriod, HandoffGroup, KpiField, KpiName, Segment } from './kpis.ts'

/** GET /v1/tenant: the key's tenant, so clients format in its zone and currency. */
export type TenantResponse = { id: string; name: string; timezone: string; currency: string; role: string }

/** POST and GET /v1/session: who is signed in, until when, and the token their writes send in X-Pulso-CSRF. */
export type SessionResponse = { email: string; name: string; tenant: string; role: string; expires_at: string; csrf_token: string }

/** GET /v1/audit: the tenant's changes, newest first. */
export type AuditResponse = {
  tenant_id: string
  entries: { at: string; actor_kind: string; actor: string; action: string; object_kind: string; object_id: string; address: string }[]
}

// ---- GET /v1/kpis ---------------------------------------------------------------------------

/** One period (and segment, with `by`): `period` is its first local date; a KPI over nothing is null. */
export type KpiRow = { period: string } & Partial<Record<Segment, string | null>> & Record<KpiField, number | null>
/** A row of GET /v1/kpis: `provisional` names its KPIs whose forward-looking window has not closed (docs/DESIGN.md). */
export type KpiResponseRow = KpiRow & { provisional: KpiField[] }
export type KpiResponse = {
  tenant_id: string
  timezone: string
  currency: string
  grain: string
  by: Segment | null
  from: string
  to: string
  rows: KpiResponseRow[]
}

// ---- GET /v1/costs ---------------------------------------------------------------------------

/**
 * One period and part of the cost composition: the part (a component, or a pricing category, null
 * for none) is under the name of the split. Denominators are all the period's conversations.
 */
export type CostRow = {
  period: string
  component?: string
  category?: string | null
  conversations: number
  resolved_conversations: number
  cost: number
  /** Of the period's cost (0–1); null when the period cost nothing. */
  cost_share: number | null
  cost_per_conversation: number
  /** Null when no conversation of the period is resolved. */
  cost_per_resolved_conversation: number | null
  /** Cost events of the period's conversations in another currency: excluded, not converted. */
  costs_in_other_currency: number
}
export type CostsResponse = { tenant_id: string; timezone: string; currency: string; grain: string; by: CostSplit; from: string; to: string; rows: CostRow[] }

// ---- GET /v1/proactive ------------------------------------------------------------------------

/** One template and campaign. Delivery, read and failure are null (unknown) when WhatsApp reported no status for any send. */
export type ProactiveRow = {
  template: string
  campaign: string | null
  sent: number
  /** Sends WhatsApp reported a status for: the denominator of the delivery, read and failure rates. */
  with_status: number
  delivered: number | null
  delivered_rate: number | null
  read: number | null
  read_rate: number | null
  failed: number | null
  failed_rate: number | null
  replied: number
  reply_rate: number
  conversions: number
  conversion_rate: number
  conversion_value: number
  cost: number
}
export type ProactiveResponse = { tenant_id: string; timezone: string; currency: string; from: string; to: string; rows: ProactiveRow[] }

// ---- GET /v1/conversations, /v1/conversations/:id, /v1/handoffs -------------------------------

export type ConversationSummary = {
  conversation_id: string
  customer_id: string | null
  channel: string
  use_case: string | null
  intent: string | null
  bot_version: string | null
  /** UTC, ISO 8601 */
  started_at: string
  /** Local date of started_at in the tenant's time zone. */
  started_on: string
  frt_s: number | null
  escalated: boolean
  handoff_reason: string | null
  handoff_wait_s: number | null
  handoffs: number
  handoffs_with_context: number
  resolved_by: string | null
  bot_resolved: boolean
  first_contact_resolved: boolean | null
  csat: number | null
  messages: number
  fallbacks: number
  cost: number
  currency: string
}
type TenantContext = { tenant_id: string; timezone: string; currency: string }
export type ConversationPage = TenantContext & { from: string; to: string; limit: number; offset: number; total: number; rows: ConversationSummary[] }

export type TimelineEvent = {
  event_id: string
  type: string
  /** UTC, ISO 8601 */
  occurred_at: string
  received_at: string
  /** The event's own fields that are set (sender, reason, score, amount…). */
  fields: Record<string, string | number | boolean>
}
export type ConversationTimeline = { conversation: ConversationSummary; events: TimelineEvent[] }
export type ConversationDetail = TenantContext & ConversationTimeline

export type HandoffBreakdown = {
  reasons: { reason: string; handoffs: number; with_context: number; conversations: number }[]
  /** Escalated conversations by how long the customer waited for an agent. */
  wait: { bucket: string; min_s: number; max_s: number | null; conversations: number }[]
}
export type HandoffsResponse = { tenant_id: string; timezone: string; from: string; to: string } & HandoffBreakdown

// ---- GET /v1/handoffs/agents, /v1/handoffs/queues ---------------------------------------------

/** One period and agent (or queue); times in seconds, rates 0–1; null where there is nothing to compute over. */
export type HandoffTeamRow = {
  period: string
  /** The agent id as the producer sent it (by agent); null: handed off, no agent has written yet. */
  agent?: string | null
  /** The tenant's display name for the agent (configuration `agents`), null without one. */
  agent_name?: string | null
  /** The queue of the handoff (by queue); null: none named. */
  queue?: string | null
  conversations: number
  handed_off: number
  resolved_conversations: number
  resolution_p50_s: number | null
  agent_first_reply_p50_s: number | null
  agent_reply_p50_s: number | null
  reopened_conversations: number
  reopen_rate: number
  csat_score: number | null
  csat_avg: number | null
  fcr_rate: number | null
}
export type HandoffTeamsResponse = { tenant_id: string; timezone: string; grain: string; by: HandoffGroup; from: string; to: string; rows: HandoffTeamRow[] }

// ---- GET /v1/handoffs/sla -------------------------------------------------------------------

/** met: stopped within its limit; breached: over its limit (stopped or not); pending: still running within it. */
export type SlaStatus = 'met' | 'breached' | 'pending'
/** One SLA clock of a conversation: business seconds elapsed (to its stop, or to as_of while it runs) and its limit. */
export type SlaClock = { status: SlaStatus; business_seconds: number; limit_seconds: number }
export type SlaConversation = {
  conversation_id: string
  started_on: string
  queue: string | null
  agent_id: string | null
  /** breached if any clock is; met when every clock is; pending otherwise. */
  status: SlaStatus
  /** Handoff → first agent message; null when the policy sets no first-reply target. */
  first_reply: SlaClock | null
  /** First customer message → the resolution that counts; null when the policy sets no resolution target. */
  resolution: SlaClock | null
}
export type SlaRow = {
  period: string
  queue?: string | null
  /** Handed-off conversations a policy applies to. */
  conversations: number
  met: number
  breached: number
  pending: number
  first_reply_breached: number
  resolution_breached: number
  /** breached / (met + breached); null when none is decided. */
  sla_breach_rate: number | null
}
export type SlaResponse = {
  tenant_id: string
  timezone: string
  grain: string
  by: 'queue' | null
  from: string
  to: string
  /** The instant running clocks were read at. */
  as_of: string
  policies: {
    queue: string | null
    first_reply_minutes: number | null
    resolution_minutes: number | null
    business_hours: { days: string[]; from: string; to: string } | null
  }[]
  rows: SlaRow[]
  /** The breached conversations of the range (the first `limit`, oldest first) and how many there are. */
  breached: { total: number; conversations: SlaConversation[] }
}

// ---- GET /v1/goals ------------------------------------------------------------------------------

/** on_track meets the target; at_risk misses by at most at_risk_margin × |target|; no_data: no value in the period. */
/** `provisional`: the period's value is a forward-looking KPI whose window has not closed, so it is shown but not judged. */
export type GoalStatus = 'on_track' | 'at_risk' | 'off_track' | 'no_data' | 'provisional'
export type GoalPeriodResult = { period_start: string; period_end: string; value: number | null; status: GoalStatus }
export type GoalReport = {
  id: string
  kpi: GoalKpi
  segment: { by: Segment; value: string } | null
  target: number
  direction: GoalDirection
  period: GoalPeriod
  owner: string
  at_risk_margin: number
  source: 'config' | 'api'
  /** Status of the period containing as_of (to date). */
  status: GoalStatus
  value: number | null
  period_start: string
  period_end: string
  /** Oldest first, ending with the current period. */
  history: GoalPeriodResult[]
}
export type GoalsResponse = { tenant_id: string; as_of: string; goals: GoalReport[] }
export type GoalResponse = { tenant_id: string; as_of: string; goal: GoalReport }

// ---- GET /v1/regressions --------------------------------------------------------------------------

export type SegmentRef = { by: Segment; value: string } | null
export type BaselineKind = 'previous_window' | 'trailing_weeks'
export type Regression = {
  kpi: KpiName
  segment: SegmentRef
  worse_when: 'higher' | 'lower'
  test: 'two_proportion_z' | 'mann_whitney_u'
  baseline: { kind: BaselineKind; from: string; to: string; value: number; samples: number }
  current: { from: string; to: string; value: number; samples: number }
  effect: { absolute: number; relative: number | null }
  p_value: number
  p_adjusted: number
  /** First and latest evaluation day it was flagged; active = flagged on as_of. */
  first_seen: string
  last_seen: string
  days_flagged: number
  active: boolean
  release: { bot_version: string; first_seen_at: string } | null
}
export type RegressionReport = {
  as_of: string
  window_days: number
  lookback_days: number
  tests_run: number
  tests_skipped_small_samples: number
  regressions: Regression[]
}
export type RegressionsResponse = RegressionReport & {
  tenant_id: string
  settings: {
    window_days: number
    trailing_weeks: number
    min_samples: number
    fdr: number
    min_relative_effect: number
    lookback_days: number
    min_days_flagged: number
  }
}

// ---- GET /v1/review ---------------------------------------------------------------------------------

export type QuestionGroup = {
  question: string
  fallbacks: number
  /** The same questions' fallbacks in the week before (the trend). */
  fallbacks_previous_week: number
  conversations: number
  variants: string[]
  examples: string[]
  use_cases: string[]
}
export type EscalationReason = { reason: string; conversations: number; share: number }
export type IntentCsat = { intent: string; conversations: number; csat_responses: number; csat_score: number | null; csat_avg: number | null }
/** A KPI this week against last week; trend by the KPI's direction, null for volume. */
export type KpiDelta = {
  kpi: KpiField
  current: number | null
  previous: number | null
  delta: number | null
  relative: number | null
  trend: 'better' | 'worse' | 'same' | null
  /** Either week's value can still change (a forward-looking KPI): no delta, relative change or trend. */
  provisional: boolean
}
export type ScorecardRow = {
  use_case: string
  policy: 'bot' | 'human' | null
  in_registry: boolean
  conversations: number
  share: number | null
  bot_resolution_rate: number | null
  escalation_rate: number | null
  csat_score: number | null
  cost_per_conversation: number | null
  bot_kept_human_only: number
}
/** GET /v1/use-cases/scorecard */
export type ScorecardResponse = {
  tenant_id: string
  from: string
  to: string
  currency: string
  /** The `(outside)` row's share of all conversations; null when there are none. */
  outside_share: number | null
  bot_kept_human_only: number
  rows: ScorecardRow[]
}
export type WeeklyReview = {
  tenant_id: string
  week: string
  from: string
  to: string
  previous_week: string
  currency: string
  conversations: number
  unanswered_questions: { total_fallbacks: number; groups: QuestionGroup[] }
  escalation_reasons: EscalationReason[]
  worst_csat_intents: IntentCsat[]
  kpi_deltas: KpiDelta[]
  goals: GoalReport[]
  use_cases: ScorecardRow[]
}

// ---- POST /v1/sql (format json) and GET /v1/models ----------------------------------------------------

/** ClickHouse's JSON output format, as POST /v1/sql streams it. */
export type SqlJsonResult = {
  meta: { name: string; type: string }[]
  data: Record<string, unknown>[]
  rows: number
  statistics?: { elapsed: number; rows_read: number; bytes_read: number }
}

export type CatalogTest = { kind: 'data' | 'unit'; name: string; column: string | null; description: string }
export type CatalogColumn = { name: string; type: string | null; description: string; documented: boolean; tests: string[] }
export type CatalogModel = {
  name: string
  layer: string
  /** view, table or parameterized view */
  materialized: string
  description: string
  /** `pulso` for the built-in models, `team` for the data team's folder (PULSO_MODELS_DIR). */
  origin: 'pulso' | 'team'
  file: string
  params: { name: string; type: string; description: string }[]
  columns: CatalogColumn[]
  tests: CatalogTest[]
  depends_on: { models: string[]; sources: string[] }
  referenced_by: string[]
  /** Readable through POST /v1/sql: it has a tenant_id column (or parameter) to scope it by. */
  queryable: boolean
  sql: string
  /** Why the types are missing, when DESCRIBE failed (e.g. the models were never built). */
  describe_error?: string
}
export type Catalog = {
  database: string
  models: CatalogModel[]
  /** `table` is how models name a source in depends_on.sources */
  sources: { name: string; table: string; description: string; referenced_by: string[] }[]
}
