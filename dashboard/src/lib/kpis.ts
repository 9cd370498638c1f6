// What the dashboard knows about each KPI: how to format it, which way is better, and which
// conversations make it up (the drill-down). The values themselves always come from the API.
export type KpiField =
  | 'conversations'
  | 'frt_p50_s'
  | 'frt_p90_s'
  | 'frt_avg_s'
  | 'bot_resolution_rate'
  | 'escalation_rate'
  | 'handoff_wait_p50_s'
  | 'handoff_context_rate'
  | 'csat_score'
  | 'csat_avg'
  | 'csat_response_rate'
  | 'cost_per_conversation'
  | 'fcr_rate'

export type ValueKind = 'count' | 'rate' | 'seconds' | 'score' | 'average' | 'money'

export type KpiMeta = {
  kind: ValueKind
  /** true when a higher value is better; null when neither is (volume) */
  higherIsBetter: boolean | null
  /** /v1/conversations filters that list the conversations behind the number */
  drill: { flag?: string; sort?: string }
}

export const KPIS: Record<KpiField, KpiMeta> = {
  conversations: { kind: 'count', higherIsBetter: null, drill: {} },
  frt_p50_s: { kind: 'seconds', higherIsBetter: false, drill: { flag: 'with_frt', sort: 'frt' } },
  frt_p90_s: { kind: 'seconds', higherIsBetter: false, drill: { flag: 'with_frt', sort: 'frt' } },
  frt_avg_s: { kind: 'seconds', higherIsBetter: false, drill: { flag: 'with_frt', sort: 'frt' } },
  bot_resolution_rate: { kind: 'rate', higherIsBetter: true, drill: { flag: 'bot_resolved' } },
  escalation_rate: { kind: 'rate', higherIsBetter: false, drill: { flag: 'escalated' } },
  handoff_wait_p50_s: { kind: 'seconds', higherIsBetter: false, drill: { flag: 'escalated', sort: 'handoff_wait' } },
  handoff_context_rate: { kind: 'rate', higherIsBetter: true, drill: { flag: 'handoff_without_context' } },
  csat_score: { kind: 'score', higherIsBetter: true, drill: { flag: 'with_csat', sort: 'csat' } },
  csat_avg: { kind: 'average', higherIsBetter: true, drill: { flag: 'with_csat', sort: 'csat' } },
  csat_response_rate: { kind: 'rate', higherIsBetter: true, drill: { flag: 'with_csat' } },
  cost_per_conversation: { kind: 'money', higherIsBetter: false, drill: { sort: 'cost' } },
  fcr_rate: { kind: 'rate', higherIsBetter: true, drill: { flag: 'resolved' } },
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

/** The use-case scorecard: volume, bot resolution, escalation, CSAT, cost. */
export const SCORECARD_KPIS: KpiField[] = ['conversations', 'bot_resolution_rate', 'escalation_rate', 'csat_score', 'cost_per_conversation']

export const SEGMENTS = ['use_case', 'intent', 'bot_version', 'channel'] as const
export type Segment = (typeof SEGMENTS)[number]

export function isKpiField(value: string): value is KpiField {
  return value in KPIS
}
