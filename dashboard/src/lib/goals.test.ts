// The goals of GET /v1/goals as the tiles read them.
import { describe, expect, it } from 'vitest'
import type { GoalReport } from './api.ts'
import { badgeStatus, needingAttention, overallGoal } from './goals.ts'

function goal(fields: Partial<GoalReport>): GoalReport {
  return {
    id: 'esc',
    kpi: 'escalation_rate',
    segment: null,
    target: 0.25,
    direction: 'at_most',
    period: 'week',
    owner: 'ops',
    at_risk_margin: 0.1,
    source: 'config',
    status: 'off_track',
    value: 0.3,
    period_start: '2026-11-23',
    period_end: '2026-11-29',
    history: [],
    ...fields,
  }
}

describe('goals on tiles', () => {
  it('picks the tenant-wide goal of a KPI for its tile, never a segment goal', () => {
    const segmentGoal = goal({ id: 'esc-returns', segment: { by: 'use_case', value: 'returns' } })
    expect(overallGoal([segmentGoal, goal({})], 'escalation_rate')?.id).toBe('esc')
    expect(overallGoal([segmentGoal], 'escalation_rate')).toBeUndefined()
    expect(overallGoal([goal({})], 'csat_score')).toBeUndefined()
  })

  it("shows the status the API evaluated, whatever the page's value", () => {
    expect(badgeStatus(goal({ status: 'at_risk' }), 0.1)).toBe('at_risk')
    expect(badgeStatus(undefined, 0.1)).toBe('none')
  })

  it("judges the page's value against the target when the goal's period has no data", () => {
    const empty = goal({ status: 'no_data', value: null })
    // at_most 0.25: 0.2 meets it, 0.3 misses it
    expect(badgeStatus(empty, 0.2)).toBe('met')
    expect(badgeStatus(empty, 0.3)).toBe('missed')
    expect(badgeStatus(empty, null)).toBe('none')
    // at_least 80: 85 meets it
    expect(badgeStatus(goal({ kpi: 'csat_score', direction: 'at_least', target: 80, status: 'no_data' }), 85)).toBe('met')
  })
})

describe('goals needing attention', () => {
  it('lists off-track goals first, then at-risk ones, segmented ones included, and nothing else', () => {
    const goals = [
      goal({ id: 'csat', kpi: 'csat_score', status: 'on_track' }),
      goal({ id: 'frt', kpi: 'frt_p50_s', status: 'at_risk' }),
      goal({ id: 'returns', segment: { by: 'use_case', value: 'returns' }, status: 'off_track' }),
      goal({ id: 'fcr', kpi: 'fcr_rate', status: 'provisional' }),
      goal({ id: 'cost', kpi: 'cost_per_conversation', status: 'no_data' }),
      goal({ id: 'esc', status: 'off_track' }),
    ]
    expect(needingAttention(goals).map((g) => g.id)).toEqual(['esc', 'returns', 'frt'])
  })
})
