import { describe, expect, it } from 'vitest'
import { goalStatus } from './goal-status.ts'

describe('goal status rule', () => {
  const escalation = { target: 0.25, direction: 'at_most' as const, atRiskMargin: 0.1 }
  const csat = { target: 80, direction: 'at_least' as const, atRiskMargin: 0.1 }

  it('a lower-is-better goal moves on track → at risk → off track as the value rises', () => {
    expect(goalStatus(0.2, escalation)).toBe('on_track')
    expect(goalStatus(0.25, escalation)).toBe('on_track') // meets the target exactly
    expect(goalStatus(0.27, escalation)).toBe('at_risk') // misses by 0.02 ≤ 0.1 × 0.25 = 0.025
    expect(goalStatus(0.275, escalation)).toBe('at_risk') // the edge of the margin
    expect(goalStatus(0.28, escalation)).toBe('off_track') // misses by 0.03 > 0.025
  })

  it('a higher-is-better goal moves the other way', () => {
    expect(goalStatus(85, csat)).toBe('on_track')
    expect(goalStatus(74, csat)).toBe('at_risk') // misses by 6 ≤ 8
    expect(goalStatus(71, csat)).toBe('off_track') // misses by 9 > 8
  })

  it('a period without a value has no status', () => {
    expect(goalStatus(null, csat)).toBe('no_data')
    expect(goalStatus(Number.NaN, csat)).toBe('no_data')
  })

  it('a zero margin leaves no room for at risk', () => {
    expect(goalStatus(0.26, { ...escalation, atRiskMargin: 0 })).toBe('off_track')
  })
})
