// Event timestamps: the contract's RFC 3339 form, and ClickHouse's UTC form for storage.
// The conversions run for every stored event, so they read digits at fixed positions and
// build strings from tables instead of going through Date.parse and toISOString.

// RFC 3339: date, 'T' (or space), time, optional fraction, and a mandatory offset.
export const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/

const digit = (text: string, at: number) => text.charCodeAt(at) - 48
const twoDigits = (text: string, at: number) => digit(text, at) * 10 + digit(text, at + 1)

/**
 * The contract's form: RFC 3339 with an offset, of a day that exists (no month 13, no February 30
 * and no February 29 outside leap years), hours 00–23 (RFC 3339's time-hour: no 24:00, which
 * Date.parse reads as the next day), minutes and seconds to 59, offsets to 23:59. The fields are
 * checked here rather than by calling Date.parse, which cost three times the pattern for every
 * stored event and rolls February 30 over to March 1 or 2 and 24:00 to the next day;
 * timestamp.test.ts holds the two equal over every boundary, Date.parse's roll-overs aside.
 */
export function isRfc3339Timestamp(value: string): boolean {
  if (!RFC3339.test(value)) return false
  const month = twoDigits(value, 5)
  const day = twoDigits(value, 8)
  const hour = twoDigits(value, 11)
  const minute = twoDigits(value, 14)
  const second = twoDigits(value, 17)
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return false
  if (day > 28 && day > daysInMonth(twoDigits(value, 0) * 100 + twoDigits(value, 2), month)) return false
  const zone = value.length - 6 // where a numeric offset starts: ±HH:MM
  const sign = value.charCodeAt(zone)
  if ((sign === 43 /* + */ || sign === 45) /* - */ && (twoDigits(value, zone + 1) > 23 || twoDigits(value, zone + 4) > 59)) return false
  return true
}

/** Why isRfc3339Timestamp refuses `value`, in words a producer can act on. */
export function timestampRejection(value: unknown): string {
  const got = JSON.stringify(value)
  if (typeof value === 'string' && RFC3339.test(value) && twoDigits(value, 11) === 24) {
    return `expected an RFC 3339 timestamp with offset, whose hours run 00–23 (the midnight that ends a day is 00:00 of the next day), got ${got}`
  }
  return `expected an RFC 3339 timestamp with offset, got ${got}`
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

/** Days in a month (1–12) of the proleptic Gregorian calendar, as RFC 3339 counts them. */
export function daysInMonth(year: number, month: number): number {
  if (month !== 2) return DAYS_IN_MONTH[month - 1]!
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28
}

// The instants the events table holds: DateTime64(3, 'UTC') runs from 1900-01-01 to 2299-12-31;
// ClickHouse would store a time outside as the nearest end of that range.
export const EARLIEST_STORED_MS = Date.UTC(1900, 0, 1)
export const LATEST_STORED_MS = Date.UTC(2299, 11, 31, 23, 59, 59, 999)

/** True when a timestamp that passed isRfc3339Timestamp falls within what the column holds. */
export function isStorableTimestamp(value: string): boolean {
  const year = twoDigits(value, 0) * 100 + twoDigits(value, 2)
  if (year > 1900 && year < 2299) return true // an offset moves it by less than a day
  if (year < 1899 || year > 2300) return false
  const { epochMs } = parseTimestamp(value)
  return epochMs >= EARLIEST_STORED_MS && epochMs <= LATEST_STORED_MS
}

/** A valid timestamp as milliseconds since the epoch (UTC) and its offset from UTC in minutes. */
export type ParsedTimestamp = { epochMs: number; offsetMinutes: number }

/**
 * Reads a timestamp that passed isRfc3339Timestamp. Same result as Date.parse.
 */
export function parseTimestamp(value: string): ParsedTimestamp {
  const year = twoDigits(value, 0) * 100 + twoDigits(value, 2)
  let at = 19
  let ms = 0
  if (value.charCodeAt(at) === 46 /* . */) {
    // milliseconds are the first three digits of the fraction; the rest is cut, as Date.parse does
    let scale = 100
    for (at++; at < value.length; at++) {
      const d = digit(value, at)
      if (d < 0 || d > 9) break
      ms += d * scale
      scale /= 10
    }
    ms = Math.floor(ms)
  }
  const zone = value.charCodeAt(at)
  let offsetMinutes = 0
  if (zone !== 90 /* Z */ && zone !== 122 /* z */) {
    offsetMinutes = twoDigits(value, at + 1) * 60 + twoDigits(value, at + 4)
    if (zone === 45 /* - */) offsetMinutes = -offsetMinutes
  }
  // Date.UTC reads years 0–99 as 1900–1999; Date.parse reads them as written.
  if (year < 100) return { epochMs: Date.parse(value.replace(' ', 'T')), offsetMinutes }
  const local = Date.UTC(year, twoDigits(value, 5) - 1, twoDigits(value, 8), twoDigits(value, 11), twoDigits(value, 14), twoDigits(value, 17), ms)
  return { epochMs: local - offsetMinutes * 60_000, offsetMinutes }
}

const TWO_DIGITS = Array.from({ length: 100 }, (_, n) => String(n).padStart(2, '0'))
const THREE_DIGITS = Array.from({ length: 1000 }, (_, n) => String(n).padStart(3, '0'))
const DAY_MS = 86_400_000

// The date part of the last day formatted: a block's events mostly fall on a few days.
let cachedDay = NaN
let cachedDate = ''

/** 'YYYY-MM-DD HH:MM:SS.mmm' in UTC, the form ClickHouse's DateTime64(3, 'UTC') reads exactly. */
export function toClickHouseTime(epochMs: number): string {
  const day = Math.floor(epochMs / DAY_MS)
  if (day !== cachedDay) {
    const iso = new Date(day * DAY_MS).toISOString() // 'YYYY-MM-DDT00:00:00.000Z'
    // Years outside 0000–9999 print with a sign and six digits; they keep the plain slicing.
    if (iso.length !== 24) return fallbackClickHouseTime(epochMs)
    cachedDay = day
    cachedDate = iso.slice(0, 10)
  }
  let rest = epochMs - day * DAY_MS
  const hours = Math.floor(rest / 3_600_000)
  rest -= hours * 3_600_000
  const minutes = Math.floor(rest / 60_000)
  rest -= minutes * 60_000
  const seconds = Math.floor(rest / 1000)
  return `${cachedDate} ${TWO_DIGITS[hours]}:${TWO_DIGITS[minutes]}:${TWO_DIGITS[seconds]}.${THREE_DIGITS[rest - seconds * 1000]}`
}

function fallbackClickHouseTime(epochMs: number): string {
  const iso = new Date(epochMs).toISOString()
  return iso.slice(0, 10) + ' ' + iso.slice(11, 23)
}
