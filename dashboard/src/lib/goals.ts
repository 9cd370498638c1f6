// Goals as the tiles show them, from GET /v1/goals (evaluated by the API: status, value, period).
import type { GoalReport } from './api.ts'
import type { KpiField } from './kpis.ts'

/** What a tile shows: the API's status, or met/missed when the goal's period has no value to judge. */
export type BadgeStatus = Exclude<GoalReport['status'], 'no_data'> | 'met' | 'missed' | 'none'

/** The tenant-wide goal of a KPI (no segment), if any. */
export function overallGoal(goals: GoalReport[], kpi: KpiField): GoalReport | undefined {
  return goals.find((g) => g.kpi === kpi && !g.segment)
}

/**
 * A goal's badge beside a value of the page's period: the status the API evaluated for the goal's
 * own period; when that period has no data yet, whether the page's value meets the target.
 */
export function badgeStatus(goal: GoalReport | undefined, value: number | null): BadgeStatus {
  if (!goal) return 'none'
  if (goal.status !== 'no_data') return goal.status
  if (value === null) return 'none'
  return (goal.direction === 'at_least' ? value >= goal.target : value <= goal.target) ? 'met' : 'missed'
}

/** The goals an executive must see first: off track, then at risk, each in its own period; segmented ones included. */
export function needingAttention(goals: GoalReport[]): GoalReport[] {
  const rank = { off_track: 0, at_risk: 1 } as Record<string, number>
  return goals.filter((g) => g.status in rank).sort((a, b) => rank[a.status]! - rank[b.status]! || a.id.localeCompare(b.id))
}
