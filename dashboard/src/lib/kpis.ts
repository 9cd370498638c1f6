// What the dashboard adds to the KPI catalog (definitions/kpis.ts, which says each KPI's unit and
// which way is better): which conversations make up each number (the drill-down), and which
// KPIs each page shows. The values themselves always come from the API.
import type { GoalKpi, KpiField } from '../../../definitions/kpis.ts'

export { isKpiField, KPI_CATALOG, type KpiField, type KpiName, type KpiUnit, SEGMENTS, type Segment } from '../../../definitions/kpis.ts'

/** /v1/conversations filters that list the conversations behind a KPI's number (or a goal's). */
export const DRILL: Record<GoalKpi, { flag?: string; sort?: string }> = {
  conversations: {},
  frt_p50_s: { flag: 'with_frt', sort: 'frt' },
  frt_p90_s: { flag: 'with_frt', sort: 'frt' },
  frt_avg_s: { flag: 'with_frt', sort: 'frt' },
  bot_resolution_rate: { flag: 'bot_resolved' },
  escalation_rate: { flag: 'escalated' },
  handoff_wait_p50_s: { flag: 'escalated', sort: 'handoff_wait' },
  handoff_context_rate: { flag: 'handoff_without_context' },
  csat_score: { flag: 'with_csat', sort: 'csat' },
  csat_avg: { flag: 'with_csat', sort: 'csat' },
  csat_response_rate: { flag: 'with_csat' },
  cost_per_conversation: { sort: 'cost' },
  fcr_rate: { flag: 'resolved' },
  sla_breach_rate: { flag: 'sla_breached' },
}

/** The executive KPIs of the overview, in the order of DESIGN.md. */
export const OVERVIEW_KPIS: KpiField[] = [
  'frt_p50_s',
  'bot_resolution_rate',
  'escalation_rate',
  'handoff_wait_p50_s',
  'csat_score',
  'cost_per_conversation',
  'fcr_rate',
]

/** Columns of the segment table. */
export const SEGMENT_TABLE_KPIS: KpiField[] = ['conversations', ...OVERVIEW_KPIS, 'handoff_context_rate']

/** The use-case scorecard (GET /v1/use-cases/scorecard): volume, bot resolution, escalation, CSAT, cost. */
export const SCORECARD_KPIS = [
  'conversations',
  'bot_resolution_rate',
  'escalation_rate',
  'csat_score',
  'cost_per_conversation',
] as const satisfies readonly KpiField[]
