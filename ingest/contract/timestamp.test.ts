import { describe, expect, it } from 'vitest'
import { isRfc3339Timestamp, parseTimestamp, RFC3339, toClickHouseTime } from './timestamp.ts'

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
      '2024-02-30T00:00:00Z', // rolls over to March 1, as Date.parse does
      '2023-02-29T00:00:00Z',
      '2024-02-29T24:00:00Z', // 24:00 is the next day
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

  it('accepts exactly what Date.parse reads, over every boundary of every field', () => {
    // isRfc3339Timestamp checks the fields itself instead of calling Date.parse; here the two
    // must agree on all combinations of each field's edges (about 120,000 timestamps).
    const readByJavaScript = (value: string) => RFC3339.test(value) && !Number.isNaN(Date.parse(value.replace(' ', 'T')))
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

  it('refuses what is not RFC 3339 with an offset', () => {
    for (const value of ['2024-01-01', '2024-01-01T00:00:00', '2024-13-01T00:00:00Z', '2024-01-01T25:00:00Z', '2024-01-01T00:00:00+24:00', '1/2/2024']) {
      expect(isRfc3339Timestamp(value), value).toBe(false)
    }
  })
})
