// The goal status rule, in one place (documented in docs/goals-regressions-review.md):
//   on_track   the KPI meets the target (≥ for at_least, ≤ for at_most);
//   at_risk    it misses, by no more than at_risk_margin × |target|;
//   off_track  it misses by more than that;
//   no_data    the period has no value for the KPI (no conversations, no CSAT, …);
//   provisional  the value can still change (a forward-looking KPI whose window has not closed,
//              domain/provisional.ts): shown, not judged.
import type { Goal } from '../config/operating-loop.ts'
import type { GoalStatus } from '../definitions/api.ts'

export function goalStatus(value: number | null | undefined, goal: Pick<Goal, 'target' | 'direction' | 'atRiskMargin'>, provisional = false): GoalStatus {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'no_data'
  if (provisional) return 'provisional'
  // How far the value misses the target, in the KPI's unit (≤ 0: met).
  const shortfall = goal.direction === 'at_least' ? goal.target - value : value - goal.target
  // A tiny tolerance so that 0.1 + 0.2 against a target of 0.3 counts as met.
  const epsilon = 1e-9 * Math.max(1, Math.abs(goal.target))
  if (shortfall <= epsilon) return 'on_track'
  return shortfall <= goal.atRiskMargin * Math.abs(goal.target) + epsilon ? 'at_risk' : 'off_track'
}
