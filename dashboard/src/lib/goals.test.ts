// The goals of GET /v1/goals as the tiles read them.
import { describe, expect, it } from 'vitest'
import { overallGoal, parseGoals } from './goals.ts'

const answer = {
  tenant_id: 'demo',
  goals: [
    { id: 'esc', kpi: 'escalation_rate', segment: null, target: 0.25, direction: 'at_most', period: 'week', owner: 'ops', status: 'off_track', value: 0.3, period_start: '2026-11-23', period_end: '2026-11-29' },
    { id: 'esc-returns', kpi: 'escalation_rate', segment: { by: 'use_case', value: 'returns' }, target: 0.15, direction: 'at_most', status: 'at_risk' },
    { id: 'x', kpi: 'not_a_kpi', target: 1 },
    { id: 'y', kpi: 'csat_score', target: 'eighty' },
  ],
}

describe('parseGoals', () => {
  it('keeps goals on known KPIs with a numeric target, and their evaluated status', () => {
    const goals = parseGoals(answer)
    expect(goals.map((g) => g.id)).toEqual(['esc', 'esc-returns'])
    expect(goals[0]).toMatchObject({ kpi: 'escalation_rate', target: 0.25, direction: 'at_most', status: 'off_track', value: 0.3, periodStart: '2026-11-23', periodEnd: '2026-11-29', segment: null })
    expect(goals[1]).toMatchObject({ segment: { by: 'use_case', value: 'returns' }, status: 'at_risk', value: null })
  })

  it('picks the tenant-wide goal of a KPI for its tile, never a segment goal', () => {
    const goals = parseGoals(answer)
    expect(overallGoal(goals, 'escalation_rate')?.id).toBe('esc')
    expect(overallGoal(parseGoals({ goals: [answer.goals[1]] }), 'escalation_rate')).toBeUndefined()
  })

  it('reads nothing from an answer of another shape', () => {
    expect(parseGoals(null)).toEqual([])
    expect(parseGoals({ goals: 'none' })).toEqual([])
  })
})
