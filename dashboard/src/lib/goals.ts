// Goals as the dashboard shows them, read from GET /v1/goals (the goals API of the operating
// loop). Only what a tile needs: target, direction, and the status the API evaluated.
import { isKpiField, type KpiField } from './kpis.ts'

export type GoalStatus = 'on_track' | 'at_risk' | 'off_track'
/** What a tile shows: the API's status, or met/missed when a goal has no evaluated status. */
export type BadgeStatus = GoalStatus | 'met' | 'missed' | 'none'
export type GoalView = {
  id: string
  kpi: KpiField
  target: number
  direction: 'at_least' | 'at_most'
  period: string
  owner: string
  segment: { by: string; value: string } | null
  status: GoalStatus | null
  /** The value the status was evaluated on, and the goal period it covers, when the API reports them. */
  value: number | null
  periodStart: string | null
  periodEnd: string | null
}

const STATUSES = new Set<string>(['on_track', 'at_risk', 'off_track'])

function record(value: unknown): Record<string, unknown> | null {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null
}

/** The goals of a /v1/goals answer (`{goals: [...]}` or a bare array); unknown KPIs are skipped. */
export function parseGoals(body: unknown): GoalView[] {
  const list = Array.isArray(body) ? body : (record(body)?.goals ?? record(body)?.rows)
  if (!Array.isArray(list)) return []
  const goals: GoalView[] = []
  for (const item of list) {
    const g = record(item)
    if (!g || typeof g.kpi !== 'string' || !isKpiField(g.kpi) || typeof g.target !== 'number') continue
    // the status may sit on the goal or on its latest evaluation
    const evaluation = record(g.evaluation) ?? record(g.current) ?? record(g.latest) ?? g
    const status = typeof evaluation.status === 'string' && STATUSES.has(evaluation.status) ? (evaluation.status as GoalStatus) : null
    const segment = record(g.segment)
    goals.push({
      id: String(g.id ?? g.kpi),
      kpi: g.kpi,
      target: g.target,
      direction: g.direction === 'at_most' ? 'at_most' : 'at_least',
      period: String(g.period ?? ''),
      owner: String(g.owner ?? ''),
      segment: segment && typeof segment.by === 'string' ? { by: segment.by, value: String(segment.value) } : null,
      status,
      value: typeof evaluation.value === 'number' ? evaluation.value : null,
      periodStart: typeof evaluation.period_start === 'string' ? evaluation.period_start : null,
      periodEnd: typeof evaluation.period_end === 'string' ? evaluation.period_end : null,
    })
  }
  return goals
}

/** The tenant-wide goal of a KPI (no segment), if any. */
export function overallGoal(goals: GoalView[], kpi: KpiField): GoalView | undefined {
  return goals.find((g) => g.kpi === kpi && !g.segment)
}
