import { describe, expect, it } from 'vitest'
import { isRfc3339Timestamp, isStorableTimestamp, parseTimestamp, RFC3339, toClickHouseTime } from './timestamp.ts'

describe('event timestamps', () => {
  it('stores the UTC instant with the sender offset kept apart', () => {
    const parsed = parseTimestamp('2024-03-30T19:40:11.042-06:00')
    expect(toClickHouseTime(parsed.epochMs)).toBe('2024-03-31 01:40:11.042')
    expect(parsed.offsetMinutes).toBe(-360)
    expect(parseTimestamp('2024-03-30 19:40:11+05:30').offsetMinutes).toBe(330)
  })

  it('stores each edge of the form as the instant it names, to the millisecond', () => {
    const stored = (value: string) => {
      expect(isRfc3339Timestamp(value), value).toBe(true)
      const { epochMs, offsetMinutes } = parseTimestamp(value)
      return [toClickHouseTime(epochMs), offsetMinutes]
    }
    expect(stored('2024-02-29T00:00:00Z')).toEqual(['2024-02-29 00:00:00.000', 0]) // a leap day
    expect(stored('2000-02-29T00:00:00Z')).toEqual(['2000-02-29 00:00:00.000', 0]) // divisible by 400: a leap year
    expect(stored('2024-01-01T00:00:00.123456Z')).toEqual(['2024-01-01 00:00:00.123', 0]) // cut to milliseconds
    expect(stored('2024-01-01T00:00:00.9999Z')).toEqual(['2024-01-01 00:00:00.999', 0]) // cut, not rounded
    expect(stored('2024-01-01T00:00:00.1Z')).toEqual(['2024-01-01 00:00:00.100', 0])
    expect(stored('2024-01-01T00:00:00.12+01:00')).toEqual(['2023-12-31 23:00:00.120', 60])
    expect(stored('2024-01-01 00:00:00Z')).toEqual(['2024-01-01 00:00:00.000', 0]) // a space for the T
    expect(stored('2024-01-01t00:00:00z')).toEqual(['2024-01-01 00:00:00.000', 0])
    expect(stored('2024-01-01T00:00:00+23:59')).toEqual(['2023-12-31 00:01:00.000', 1439])
    expect(stored('2024-01-01T00:00:00-00:00')).toEqual(['2024-01-01 00:00:00.000', 0])
    expect(stored('2024-12-31T23:59:59.999-23:59')).toEqual(['2025-01-01 23:58:59.999', -1439]) // the next year in UTC
    expect(stored('1970-01-01T00:00:00+00:01')).toEqual(['1969-12-31 23:59:00.000', 1]) // before the epoch
    expect(stored('1900-03-01T12:00:00Z')).toEqual(['1900-03-01 12:00:00.000', 0])
  })

  it('accepts exactly what Date.parse reads without rolling the day over, over every boundary of every field', () => {
    // isRfc3339Timestamp checks the fields itself; here it must agree with Date.parse on all
    // combinations of each field's edges (about 120,000 timestamps), except that Date.parse reads
    // days that do not exist (February 30 as March 1) and 24:00 (as the next day's 00:00), and the
    // contract does not: RFC 3339's hours run 00–23.
    const dayExists = (value: string) => {
      const [year, month, day] = [Number(value.slice(0, 4)), Number(value.slice(5, 7)), Number(value.slice(8, 10))]
      const date = new Date(0)
      date.setUTCFullYear(year, month - 1, day)
      return date.getUTCDate() === day
    }
    const hourExists = (value: string) => Number(value.slice(11, 13)) <= 23
    const readByJavaScript = (value: string) =>
      RFC3339.test(value) && !Number.isNaN(Date.parse(value.replace(' ', 'T'))) && dayExists(value) && hourExists(value)
    const pad = (n: number) => String(n).padStart(2, '0')
    const disagreements: string[] = []
    let checked = 0
    for (const year of ['0000', '0099', '2024', '2023', '9999'])
      for (let month = 0; month <= 13; month++)
        for (const day of [0, 1, 29, 30, 31, 32, 99])
          for (const hour of [0, 23, 24, 25])
            for (const [minute, second] of [
              [0, 0],
              [0, 59],
              [59, 0],
              [60, 0],
              [0, 60],
              [99, 99],
            ])
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
    for (const value of [
      '2026-02-30T10:00:00Z',
      '2026-02-29T10:00:00Z',
      '2100-02-29T10:00:00Z',
      '2026-04-31T10:00:00Z',
      '2026-06-31T00:00:00+02:00',
      '2026-11-31T23:59:59-06:00',
    ]) {
      expect(isRfc3339Timestamp(value), value).toBe(false)
    }
    for (const value of ['2024-02-29T10:00:00Z', '2000-02-29T10:00:00Z', '2026-01-31T10:00:00Z', '2026-04-30T10:00:00Z', '2026-12-31T23:59:59-06:00']) {
      expect(isRfc3339Timestamp(value), value).toBe(true)
    }
  })

  it("keeps to what the events table's DateTime64 holds: 1900-01-01 to 2299-12-31 in UTC", () => {
    const storable = ['1900-01-01T00:00:00Z', '1899-12-31T23:30:00-01:00', '2026-03-01T10:00:00Z', '2299-12-31T23:59:59.999Z', '2300-01-01T00:30:00+01:00']
    const outside = [
      '1899-12-31T23:59:59.999Z',
      '1900-01-01T00:30:00+01:00',
      '2300-01-01T00:00:00Z',
      '2299-12-31T23:30:00-01:00',
      '0050-06-15T08:30:00Z',
      '9999-12-31T23:59:59Z',
    ]
    for (const value of storable) expect(isStorableTimestamp(value), value).toBe(true)
    for (const value of outside) expect(isStorableTimestamp(value), value).toBe(false)
  })

  it('refuses what is not RFC 3339 with an offset', () => {
    for (const value of [
      '2024-01-01',
      '2024-01-01T00:00:00',
      '2024-13-01T00:00:00Z',
      '2024-01-01T24:00:00Z',
      '2024-02-29T24:00:00.000-06:00',
      '2024-01-01T25:00:00Z',
      '2024-01-01T00:00:00+24:00',
      '1/2/2024',
    ]) {
      expect(isRfc3339Timestamp(value), value).toBe(false)
    }
  })
})
