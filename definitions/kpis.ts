// The KPI catalog: everything Pulso knows about a KPI besides its value, said once. The values
// are computed in SQL (dbt-like-models/marts/fct_kpis.sql) or, for fallback_rate, by the
// regression detector; the API, goals, regressions, the weekly review, alerts, the CLI and the
// dashboard read names, units and directions from here. Plain data without imports, so the
// dashboard's bundle takes it without any server code.

/** Periods of GET /v1/kpis: `all` is one row for the whole range. */
export const GRAINS = ['day', 'week', 'month', 'all'] as const
export type Grain = (typeof GRAINS)[number]

/** Dimensions a KPI can be cut by (`by=` of GET /v1/kpis, a goal's or a regression's segment). */
export const SEGMENTS = ['use_case', 'intent', 'bot_version', 'channel'] as const
export type Segment = (typeof SEGMENTS)[number]

/** How conversations that reached a person are grouped after the handoff (GET /v1/handoffs/agents, /queues). */
export const HANDOFF_GROUPS = ['agent', 'queue'] as const
export type HandoffGroup = (typeof HANDOFF_GROUPS)[number]

/** How a value reads: rate 0–1, seconds, score 0–100, average of 1–5 answers, money in the tenant's currency, count. */
export type KpiUnit = 'count' | 'rate' | 'seconds' | 'score' | 'average' | 'money'

type KpiDefinition = {
  unit: KpiUnit
  /** Which way is better; null for volume, which is neither. */
  better: 'higher' | 'lower' | null
  /**
   * fct_kpis: a column of the KPI mart (GET /v1/kpis); regressions: tested by the regression detector only;
   * fct_handoff_kpis: a column of the per-agent and per-queue mart (GET /v1/handoffs/agents, /queues);
   * sla: judged against the tenant's SLA policies in business hours (domain/sla, GET /v1/handoffs/sla).
   */
  computedIn: 'fct_kpis' | 'regressions' | 'fct_handoff_kpis' | 'sla'
  /**
   * Forward-looking KPIs: days after a conversation during which later events can still change
   * its value (fcr_rate waits 7 days for the customer's next conversation, fct_conversations.sql),
   * so a period that ended fewer days ago than this is provisional. 0 for the others.
   */
  provisionalDays: number
}

/** Every KPI, in the order of DESIGN.md (and of the fct_kpis mart's columns). */
export const KPI_CATALOG = {
  conversations: { unit: 'count', better: null, computedIn: 'fct_kpis', provisionalDays: 0 },
  frt_p50_s: { unit: 'seconds', better: 'lower', computedIn: 'fct_kpis', provisionalDays: 0 },
  frt_p90_s: { unit: 'seconds', better: 'lower', computedIn: 'fct_kpis', provisionalDays: 0 },
  frt_avg_s: { unit: 'seconds', better: 'lower', computedIn: 'fct_kpis', provisionalDays: 0 },
  bot_resolution_rate: { unit: 'rate', better: 'higher', computedIn: 'fct_kpis', provisionalDays: 0 },
  escalation_rate: { unit: 'rate', better: 'lower', computedIn: 'fct_kpis', provisionalDays: 0 },
  handoff_wait_p50_s: { unit: 'seconds', better: 'lower', computedIn: 'fct_kpis', provisionalDays: 0 },
  handoff_context_rate: { unit: 'rate', better: 'higher', computedIn: 'fct_kpis', provisionalDays: 0 },
  csat_score: { unit: 'score', better: 'higher', computedIn: 'fct_kpis', provisionalDays: 0 },
  csat_avg: { unit: 'average', better: 'higher', computedIn: 'fct_kpis', provisionalDays: 0 },
  csat_response_rate: { unit: 'rate', better: 'higher', computedIn: 'fct_kpis', provisionalDays: 0 },
  cost_per_conversation: { unit: 'money', better: 'lower', computedIn: 'fct_kpis', provisionalDays: 0 },
  fcr_rate: { unit: 'rate', better: 'higher', computedIn: 'fct_kpis', provisionalDays: 7 },
  fallback_rate: { unit: 'rate', better: 'lower', computedIn: 'regressions', provisionalDays: 0 },
  // after the handoff, per agent or queue (handoff_wait_p50_s above is the agent first reply time)
  resolution_p50_s: { unit: 'seconds', better: 'lower', computedIn: 'fct_handoff_kpis', provisionalDays: 0 },
  agent_first_reply_p50_s: { unit: 'seconds', better: 'lower', computedIn: 'fct_handoff_kpis', provisionalDays: 0 },
  agent_reply_p50_s: { unit: 'seconds', better: 'lower', computedIn: 'fct_handoff_kpis', provisionalDays: 0 },
  reopen_rate: { unit: 'rate', better: 'lower', computedIn: 'fct_handoff_kpis', provisionalDays: 0 },
  sla_breach_rate: { unit: 'rate', better: 'lower', computedIn: 'sla', provisionalDays: 0 },
} as const satisfies Record<string, KpiDefinition>

/** Any KPI of the catalog. */
export type KpiName = keyof typeof KPI_CATALOG
/** A KPI of the fct_kpis mart: a field of every row of GET /v1/kpis, and what a goal can watch. */
export type KpiField = { [K in KpiName]: (typeof KPI_CATALOG)[K]['computedIn'] extends 'fct_kpis' ? K : never }[KpiName]

/** The fields of a KPI row, in the mart's column order. */
export const KPI_FIELDS = (Object.keys(KPI_CATALOG) as KpiName[]).filter((kpi): kpi is KpiField => KPI_CATALOG[kpi].computedIn === 'fct_kpis')

/** What a goal can watch: a KPI of fct_kpis, or the SLA breach rate (a whole tenant's, per period). */
export type GoalKpi = KpiField | 'sla_breach_rate'
export const GOAL_KPIS: readonly GoalKpi[] = [...KPI_FIELDS, 'sla_breach_rate']

/** The dashboard's message key of a KPI's label (its text, in each language, is in dashboard/src/lib/messages.ts). */
export type KpiLabelKey = `kpi.${KpiName}`

export function isKpiName(value: string): value is KpiName {
  return Object.hasOwn(KPI_CATALOG, value)
}

export function isKpiField(value: string): value is KpiField {
  return isKpiName(value) && KPI_CATALOG[value].computedIn === 'fct_kpis'
}

/** Which way a change is better for a KPI (null: neither, or not a KPI of the catalog). */
export function betterWhen(kpi: string): 'higher' | 'lower' | null {
  return isKpiName(kpi) ? KPI_CATALOG[kpi].better : null
}

/** A KPI's value as plain text (the weekly review's Markdown and CSV, alert messages): rates as percent, '–' for none. */
export function kpiText(kpi: string, value: number | null | undefined): string {
  if (value === null || value === undefined) return '–'
  const unit = isKpiName(kpi) ? KPI_CATALOG[kpi].unit : undefined
  if (unit === 'rate') return `${(value * 100).toFixed(1)}%`
  if (unit === 'count') return String(Math.round(value))
  return Number.isInteger(value) ? String(value) : value.toFixed(2)
}

/** A goal holds its KPI at least or at most at a target, per day, week or month. */
export const GOAL_DIRECTIONS = ['at_least', 'at_most'] as const
export type GoalDirection = (typeof GOAL_DIRECTIONS)[number]
export const GOAL_PERIODS = ['day', 'week', 'month'] as const
export type GoalPeriod = (typeof GOAL_PERIODS)[number]

/** A goal's direction when none is given: at most for a KPI where lower is better, at least otherwise. */
export function defaultGoalDirection(kpi: KpiName): GoalDirection {
  return KPI_CATALOG[kpi].better === 'lower' ? 'at_most' : 'at_least'
}
