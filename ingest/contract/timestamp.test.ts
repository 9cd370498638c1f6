import { describe, expect, it } from 'vitest'
import { isRfc3339Timestamp, isStorableTimestamp, parseTimestamp, RFC3339, toClickHouseTime } from './timestamp.ts'

// What the fast conversions must equal: JavaScript's own parser and formatter.
const expectedEpochMs = (value: string) => Date.parse(value.replace(' ', 'T'))
function expectedClickHouseTime(epochMs: number): string {
  const iso = new Date(epochMs).toISOString()
  return iso.slice(0, 10) + ' ' + iso.slice(11, 23)
}
function expectedOffset(value: string): number {
  const match = /([+-])(\d{2}):(\d{2})$/.exec(value)
  if (!match) return 0
  const minutes = Number(match[2]) * 60 + Number(match[3])
  return match[1] === '-' ? -minutes : minutes
}

function expectSameAsJavaScript(value: string) {
  const parsed = parseTimestamp(value)
  expect({ value, ...parsed, stored: toClickHouseTime(parsed.epochMs) }).toEqual({
    value,
    epochMs: expectedEpochMs(value),
    offsetMinutes: expectedOffset(value),
    stored: expectedClickHouseTime(expectedEpochMs(value)),
  })
}

describe('event timestamps', () => {
  it('stores the UTC instant with the sender offset kept apart', () => {
    const parsed = parseTimestamp('2024-03-30T19:40:11.042-06:00')
    expect(toClickHouseTime(parsed.epochMs)).toBe('2024-03-31 01:40:11.042')
    expect(parsed.offsetMinutes).toBe(-360)
    expect(parseTimestamp('2024-03-30 19:40:11+05:30').offsetMinutes).toBe(330)
  })

  it('reads every edge the contract accepts as Date.parse does', () => {
    const edges = [
      '2024-02-29T00:00:00Z', // a leap day
      '2000-02-29T00:00:00Z', // divisible by 400: a leap year
      '2024-01-01T00:00:00.123456Z', // cut to milliseconds, not rounded
      '2024-01-01T00:00:00.9999Z',
      '2024-01-01T00:00:00.1Z',
      '2024-01-01T00:00:00.12+01:00',
      '2024-01-01 00:00:00Z',
      '2024-01-01t00:00:00z',
      '2024-01-01T00:00:00+23:59',
      '2024-01-01T00:00:00-00:00',
      '2024-12-31T23:59:59.999-23:59', // the next year in UTC
      '1970-01-01T00:00:00+00:01', // before the epoch
      '1900-03-01T12:00:00Z',
      '0050-06-15T08:30:00Z', // a two-digit year, which Date.UTC would read as 1950
      '9999-12-31T23:59:59-23:59', // past year 9999 in UTC
    ]
    for (const value of edges) {
      expect(isRfc3339Timestamp(value), value).toBe(true)
      expectSameAsJavaScript(value)
    }
  })

  it('agrees with Date.parse on 20,000 random timestamps in the contract form', () => {
    let seed = 7
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed % n
    }
    const pad = (n: number, width: number) => String(n).padStart(width, '0')
    let checked = 0
    for (let i = 0; i < 20_000; i++) {
      const fraction = ['', '.' + pad(random(10), 1), '.' + pad(random(1000), 3), '.' + pad(random(1e6), 6)][random(4)]
      const zone = ['Z', 'z', `+${pad(random(24), 2)}:${pad(random(60), 2)}`, `-${pad(random(24), 2)}:${pad(random(60), 2)}`][random(4)]
      const value = `${pad(1000 + random(9000), 4)}-${pad(random(14), 2)}-${pad(random(33), 2)}${'T t'[random(3)]}${pad(random(26), 2)}:${pad(random(61), 2)}:${pad(random(61), 2)}${fraction}${zone}`
      if (!isRfc3339Timestamp(value)) continue // months 13, 25 o'clock…: rejected before any mapping
      expectSameAsJavaScript(value)
      checked++
    }
    expect(checked).toBeGreaterThan(5000)
  })

  it('accepts exactly what Date.parse reads without rolling the day over, over every boundary of every field', () => {
    // isRfc3339Timestamp checks the fields itself instead of calling Date.parse; here the two
    // must agree on all combinations of each field's edges (about 120,000 timestamps), except that
    // Date.parse reads days that do not exist (February 30 as March 1) and 24:00 (as the next day's
    // 00:00), and the contract does not: RFC 3339's hours run 00–23.
    const dayExists = (value: string) => {
      const [year, month, day] = [Number(value.slice(0, 4)), Number(value.slice(5, 7)), Number(value.slice(8, 10))]
      const date = new Date(0)
      date.setUTCFullYear(year, month - 1, day)
      return date.getUTCDate() === day
    }
    const hourExists = (value: string) => Number(value.slice(11, 13)) <= 23
    const readByJavaScript = (value: string) => RFC3339.test(value) && !Number.isNaN(Date.parse(value.replace(' ', 'T'))) && dayExists(value) && hourExists(value)
    const pad = (n: number) => String(n).padStart(2, '0')
    const disagreements: string[] = []
    let checked = 0
    for (const year of ['0000', '0099', '2024', '2023', '9999'])
      for (let month = 0; month <= 13; month++)
        for (const day of [0, 1, 29, 30, 31, 32, 99])
          for (const hour of [0, 23, 24, 25])
            for (const [minute, second] of [[0, 0], [0, 59], [59, 0], [60, 0], [0, 60], [99, 99]])
              for (const fraction of ['', '.000', '.5', '.0000001'])
                for (const zone of ['Z', 'z', '-00:00', '+23:59', '-24:00', '+12:60', '+99:99']) {
                  const value = `${year}-${pad(month)}-${pad(day)}${['T', 't', ' '][checked % 3]}${pad(hour)}:${pad(minute!)}:${pad(second!)}${fraction}${zone}`
                  checked++
                  if (isRfc3339Timestamp(value) !== readByJavaScript(value)) disagreements.push(value)
                }
    expect(disagreements).toEqual([])
    expect(checked).toBeGreaterThan(100_000)
  })

  it('refuses days that do not exist, which Date.parse would roll over into the next month', () => {
    for (const value of ['2026-02-30T10:00:00Z', '2026-02-29T10:00:00Z', '2100-02-29T10:00:00Z', '2026-04-31T10:00:00Z', '2026-06-31T00:00:00+02:00', '2026-11-31T23:59:59-06:00']) {
      expect(isRfc3339Timestamp(value), value).toBe(false)
    }
    for (const value of ['2024-02-29T10:00:00Z', '2000-02-29T10:00:00Z', '2026-01-31T10:00:00Z', '2026-04-30T10:00:00Z', '2026-12-31T23:59:59-06:00']) {
      expect(isRfc3339Timestamp(value), value).toBe(true)
    }
  })

  it("keeps to what the events table's DateTime64 holds: 1900-01-01 to 2299-12-31 in UTC", () => {
    const storable = ['1900-01-01T00:00:00Z', '1899-12-31T23:30:00-01:00', '2026-03-01T10:00:00Z', '2299-12-31T23:59:59.999Z', '2300-01-01T00:30:00+01:00']
    const outside = ['1899-12-31T23:59:59.999Z', '1900-01-01T00:30:00+01:00', '2300-01-01T00:00:00Z', '2299-12-31T23:30:00-01:00', '0050-06-15T08:30:00Z', '9999-12-31T23:59:59Z']
    for (const value of storable) expect(isStorableTimestamp(value), value).toBe(true)
    for (const value of outside) expect(isStorableTimestamp(value), value).toBe(false)
  })

  it('refuses what is not RFC 3339 with an offset', () => {
    for (const value of ['2024-01-01', '2024-01-01T00:00:00', '2024-13-01T00:00:00Z', '2024-01-01T24:00:00Z', '2024-02-29T24:00:00.000-06:00', '2024-01-01T25:00:00Z', '2024-01-01T00:00:00+24:00', '1/2/2024']) {
      expect(isRfc3339Timestamp(value), value).toBe(false)
    }
  })
})
