// Data of the Operations page: KPIs by segment, use-case scorecards (from the registry), handoffs, regressions.
import type { Api, HandoffBreakdown, KpiResponseRow, KpiRow, Regression, ScorecardResponse } from '../lib/api.ts'
import type { Segment } from '../lib/kpis.ts'
import { NO_CUSTOMER_MESSAGE_ROW, OUTSIDE_ROW } from '../lib/use-cases.ts'

type Range = { from: string; to: string }

export async function loadSegmentKpis(api: Api, period: Range, by: Segment): Promise<KpiResponseRow[]> {
  const response = await api.kpis({ ...period, grain: 'all', by })
  return [...response.rows].sort((a, b) => (b.conversations ?? 0) - (a.conversations ?? 0))
}

/**
 * The registry's scorecard: one card per registered use case (busiest first, as the API orders
 * them), then the conversations outside every use case and the unanswered proactive messages,
 * each when there are any.
 */
export async function loadScorecard(api: Api, period: Range): Promise<ScorecardResponse> {
  const answer = await api.useCaseScorecard(period)
  const outside = [OUTSIDE_ROW, NO_CUSTOMER_MESSAGE_ROW].flatMap((name) => answer.rows.filter((r) => r.use_case === name && r.conversations > 0))
  return { ...answer, rows: [...answer.rows.filter((r) => r.in_registry), ...outside] }
}

export async function loadHandoffs(api: Api, period: Range): Promise<{ breakdown: HandoffBreakdown; totals: KpiRow | null }> {
  const [breakdown, totals] = await Promise.all([api.handoffs(period), api.kpis({ ...period, grain: 'all' })])
  return { breakdown, totals: totals.rows[0] ?? null }
}

/** GET /v1/regressions as of the period's last day. */
export async function loadRegressions(api: Api, period: Range): Promise<Regression[]> {
  return (await api.regressions({ as_of: period.to })).regressions
}
