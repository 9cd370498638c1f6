// Data of the Overview page: the period's KPIs, the previous period's, the trend and the goals.
import type { Api, GoalReport, KpiResponseRow } from '../lib/api.ts'
import { previousPeriod, trendGrain } from '../lib/period.ts'

// The tiles' values load first and alone, so the page is usable before the rest arrives;
// goals (evaluated by the API), the previous period and the trend follow once they are in.
// The goals do not depend on the period (each is evaluated for its own): asked once per visit.
export type TrendData = { rows: KpiResponseRow[]; grain: 'day' | 'week' | 'month' }
export type OverviewLoads = {
  current: Promise<KpiResponseRow | null>
  previous: Promise<KpiResponseRow | null>
  trend: Promise<TrendData>
}

type Range = { from: string; to: string }

export function loadOverview(api: Api, period: Range): OverviewLoads {
  const current = api.kpis({ ...period, grain: 'all' }).then((r) => r.rows[0] ?? null)
  const afterCurrent = current.catch(() => undefined)
  const grain = trendGrain(period)
  return {
    current,
    previous: afterCurrent.then(() => api.kpis({ ...previousPeriod(period), grain: 'all' })).then((r) => r.rows[0] ?? null),
    trend: afterCurrent.then(() => api.kpis({ ...period, grain })).then((r) => ({ rows: r.rows, grain })),
  }
}

/** GET /v1/goals once the tiles' first values are in (`first`), so it does not compete with them. */
export function loadGoals(api: Api, first: Promise<unknown>): Promise<GoalReport[]> {
  return first
    .catch(() => undefined)
    .then(() => api.goals())
    .then((answer) => answer.goals)
}
