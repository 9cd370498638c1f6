// Business time on hand-computed calendars: the SLA clock stops outside open hours, across a
// weekend and a daylight-saving change, in the tenant's time zone.
import { describe, expect, it } from 'vitest'
import type { BusinessHours } from '../../config/after-handoff.ts'
import { businessSeconds } from './business-time.ts'

const weekdays: BusinessHours = { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '18:00' }
const at = (iso: string) => new Date(iso)

describe('business time', () => {
  it('stops the clock over a weekend', () => {
    // Mexico City (UTC−6). Friday 2024-03-01 17:00 local = 23:00Z; Monday 2024-03-04 10:00 local = 16:00Z.
    // Friday 17:00–18:00 (1 h) + Saturday and Sunday closed + Monday 09:00–10:00 (1 h) = 7200 s.
    expect(businessSeconds(at('2024-03-01T23:00:00Z'), at('2024-03-04T16:00:00Z'), weekdays, 'America/Mexico_City')).toBe(7200)
    // the same instants in UTC hours: Friday 23:00 is after closing; Monday 09:00–16:00 = 7 h
    expect(businessSeconds(at('2024-03-01T23:00:00Z'), at('2024-03-04T16:00:00Z'), weekdays, 'UTC')).toBe(7 * 3600)
  })

  it('counts nothing outside open hours and all of an interval inside them', () => {
    // Saturday 10:00 → Sunday 20:00 local: closed all along
    expect(businessSeconds(at('2024-03-02T16:00:00Z'), at('2024-03-04T02:00:00Z'), weekdays, 'America/Mexico_City')).toBe(0)
    // Tuesday 10:00 → 10:25 local
    expect(businessSeconds(at('2024-03-05T16:00:00Z'), at('2024-03-05T16:25:00Z'), weekdays, 'America/Mexico_City')).toBe(1500)
    // no hours configured: the clock always runs
    expect(businessSeconds(at('2024-03-02T16:00:00Z'), at('2024-03-02T17:00:00Z'), null, 'America/Mexico_City')).toBe(3600)
    expect(businessSeconds(at('2024-03-02T17:00:00Z'), at('2024-03-02T16:00:00Z'), null, 'UTC')).toBe(0)
  })

  it('opens at local time across a daylight-saving change, and takes 24:00 as midnight', () => {
    // New York springs forward on Sunday 2024-03-10. Friday 2024-03-08 17:00 EST = 22:00Z → Monday
    // 2024-03-11 09:30 EDT = 13:30Z: Friday 1 h + Monday 30 min = 5400 s (Monday opens at 13:00Z, not 14:00Z).
    expect(businessSeconds(at('2024-03-08T22:00:00Z'), at('2024-03-11T13:30:00Z'), weekdays, 'America/New_York')).toBe(5400)
    // open Saturday 20:00–24:00 only: Saturday 23:00 → Sunday 01:00 UTC counts 1 h
    const saturdayNights: BusinessHours = { days: ['sat'], from: '20:00', to: '24:00' }
    expect(businessSeconds(at('2024-03-02T23:00:00Z'), at('2024-03-03T01:00:00Z'), saturdayNights, 'UTC')).toBe(3600)
  })
})
