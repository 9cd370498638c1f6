// Periods are local calendar dates in the tenant's time zone.
import { describe, expect, it } from 'vitest'
import { isoWeekOf, lastCompleteWeek, lastDays, lengthInDays, previousPeriod, todayIn, trendGrain } from './period.ts'

describe('periods', () => {
  it("cuts today in the tenant's time zone, not the browser's", () => {
    // 2024-03-02 03:00 UTC is still 03-01 (21:00) in Mexico City (UTC−06:00)
    const now = new Date('2024-03-02T03:00:00Z')
    expect(todayIn('America/Mexico_City', now)).toBe('2024-03-01')
    expect(todayIn('UTC', now)).toBe('2024-03-02')
    expect(lastDays(7, 'America/Mexico_City', now)).toEqual({ preset: 7, from: '2024-02-24', to: '2024-03-01' })
  })

  it('compares with the period of the same length just before, across month ends and leap days', () => {
    // 2024-03-01..03-07 is 7 days; the 7 days before end on 02-29 (a leap year)
    expect(lengthInDays({ from: '2024-03-01', to: '2024-03-07' })).toBe(7)
    expect(previousPeriod({ from: '2024-03-01', to: '2024-03-07' })).toEqual({ from: '2024-02-23', to: '2024-02-29' })
    // across the DST change of the runner's zone the length stays in calendar days
    expect(previousPeriod({ from: '2024-11-01', to: '2024-11-30' })).toEqual({ from: '2024-10-02', to: '2024-10-31' })
  })

  it('draws short periods per day, a quarter per week, a year per month', () => {
    expect(trendGrain({ from: '2024-03-01', to: '2024-03-30' })).toBe('day')
    expect(trendGrain({ from: '2024-01-01', to: '2024-03-30' })).toBe('week')
    expect(trendGrain({ from: '2023-01-01', to: '2023-12-31' })).toBe('month')
  })

  it('names ISO weeks and finds the last complete one', () => {
    // 2021-01-03 is a Sunday that belongs to ISO week 53 of 2020
    expect(isoWeekOf('2021-01-03')).toBe('2020-W53')
    // Wednesday 2026-11-25 → the last complete week is 11-16..11-22, W47
    expect(lastCompleteWeek('UTC', new Date('2026-11-25T12:00:00Z'))).toBe('2026-W47')
  })
})
