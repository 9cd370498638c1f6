// Event timestamps: the contract's RFC 3339 form, and ClickHouse's UTC form for storage.

// RFC 3339: date, 'T' (or space), time, optional fraction, and a mandatory offset.
export const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/

const digit = (text: string, at: number) => text.charCodeAt(at) - 48
const twoDigits = (text: string, at: number) => digit(text, at) * 10 + digit(text, at + 1)

/**
 * The contract's form: RFC 3339 with an offset, of a day that exists (no month 13, no February 30
 * and no February 29 outside leap years), hours 00–23 (RFC 3339's time-hour: no 24:00), minutes
 * and seconds to 59, offsets to 23:59. Date.parse alone would roll February 30 over to March 1 or
 * 2 and 24:00 over to the next day, so the fields are checked here.
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
  const { epochMs } = parseTimestamp(value)
  return epochMs >= EARLIEST_STORED_MS && epochMs <= LATEST_STORED_MS
}

/** A valid timestamp as milliseconds since the epoch (UTC) and its offset from UTC in minutes. */
export type ParsedTimestamp = { epochMs: number; offsetMinutes: number }

/** Reads a timestamp that passed isRfc3339Timestamp. */
export function parseTimestamp(value: string): ParsedTimestamp {
  // Date.parse reads RFC 3339 (fractions cut to milliseconds) but not its space between date and time
  const epochMs = Date.parse(value.charCodeAt(10) === 32 ? `${value.slice(0, 10)}T${value.slice(11)}` : value)
  const zone = value.length - 6 // where a numeric offset starts: ±HH:MM
  const sign = value.charCodeAt(zone)
  if (sign !== 43 /* + */ && sign !== 45 /* - */) return { epochMs, offsetMinutes: 0 }
  const minutes = twoDigits(value, zone + 1) * 60 + twoDigits(value, zone + 4)
  return { epochMs, offsetMinutes: sign === 45 && minutes > 0 ? -minutes : minutes }
}

/** 'YYYY-MM-DD HH:MM:SS.mmm' in UTC, the form ClickHouse's DateTime64(3, 'UTC') reads exactly. */
export function toClickHouseTime(epochMs: number): string {
  const iso = new Date(epochMs).toISOString() // 'YYYY-MM-DDTHH:MM:SS.mmmZ' for years 0000–9999
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`
}
