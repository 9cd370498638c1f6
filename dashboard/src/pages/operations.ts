// Data of the Operations page: KPIs by segment, use-case scorecards, handoffs, regressions.
import type { Api, HandoffBreakdown, KpiRow, Regression } from '../lib/api.ts'
import type { Segment } from '../lib/kpis.ts'

type Range = { from: string; to: string }

export async function loadSegmentKpis(api: Api, period: Range, by: Segment): Promise<KpiRow[]> {
  const response = await api.kpis({ ...period, grain: 'all', by })
  return [...response.rows].sort((a, b) => (b.conversations ?? 0) - (a.conversations ?? 0))
}

export async function loadHandoffs(api: Api, period: Range): Promise<{ breakdown: HandoffBreakdown; totals: KpiRow | null }> {
  const [breakdown, totals] = await Promise.all([api.handoffs(period), api.kpis({ ...period, grain: 'all' })])
  return { breakdown, totals: totals.rows[0] ?? null }
}

/** GET /v1/regressions as of the period's last day. */
export async function loadRegressions(api: Api, period: Range): Promise<Regression[]> {
  return (await api.regressions({ as_of: period.to })).regressions
}
