// Data of the Operations page: KPIs by segment, use-case scorecards, handoffs, regressions.
import type { Api, HandoffBreakdown, KpiRow } from '../lib/api.ts'
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

export type RegressionView = {
  kpi: string
  segment: { by: Segment; value: string } | null
  current: number | null
  baseline: number | null
  /** relative change, (current − baseline) / baseline */
  effect: number | null
  pValue: number | null
  samples: string
  currentFrom: string
  currentTo: string
  firstSeen: string
  release: string
  active: boolean
}

type Rec = Record<string, unknown>
const rec = (v: unknown): Rec => (v && typeof v === 'object' ? (v as Rec) : {})
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null)
const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v))

/** The regressions of GET /v1/regressions, flattened for a table. */
export function parseRegressions(body: unknown): RegressionView[] {
  const list = rec(body).regressions
  if (!Array.isArray(list)) return []
  return list.map((item) => {
    const r = rec(item)
    const segment = rec(r.segment)
    const current = rec(r.current)
    const baseline = rec(r.baseline)
    return {
      kpi: str(r.kpi),
      segment: typeof segment.by === 'string' ? { by: segment.by as Segment, value: str(segment.value) } : null,
      current: num(current.value),
      baseline: num(baseline.value),
      effect: num(rec(r.effect).relative),
      pValue: num(r.p_adjusted ?? r.p_value),
      samples: [current.samples, baseline.samples].filter((x) => x !== undefined).join(' / '),
      currentFrom: str(current.from),
      currentTo: str(current.to),
      firstSeen: str(r.first_seen),
      release: str(rec(r.release).bot_version),
      active: r.active !== false,
    }
  })
}

/** null: the regressions API is not on this server (yet). Evaluated as of the period's last day. */
export async function loadRegressions(api: Api, period: Range): Promise<RegressionView[] | null> {
  const answer = await api.regressions({ as_of: period.to })
  return answer.available ? parseRegressions(answer.data) : null
}
