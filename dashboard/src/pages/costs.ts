// Data of the Cost & proactive page: the cost composition of the period (one row per part, for the
// whole range), the period's totals from /v1/kpis (the parts sum to its cost per conversation),
// and the proactive messages per template and campaign.
import type { CostSplit } from '../../../definitions/costs.ts'
import type { Api, CostRow, KpiRow, ProactiveRow } from '../lib/api.ts'

type Range = { from: string; to: string }

export type { CostSplit }

export type Composition = { rows: CostRow[]; totals: KpiRow | null }

export function loadComposition(api: Api, period: Range, by: CostSplit): Promise<Composition> {
  return Promise.all([api.costs({ ...period, grain: 'all', by }), api.kpis({ ...period, grain: 'all' })]).then(([costs, kpis]) => ({
    rows: costs.rows,
    totals: kpis.rows[0] ?? null,
  }))
}

export function loadProactive(api: Api, period: Range): Promise<ProactiveRow[]> {
  return api.proactive(period).then((answer) => answer.rows)
}

/** A part's name on the page and in the drill-down flag: a cost without a category is `uncategorized`. */
export function partName(row: CostRow, by: CostSplit): string {
  return (by === 'component' ? row.component : row.category) ?? 'uncategorized'
}
