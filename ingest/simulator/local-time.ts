// Local wall-clock time in an IANA time zone, for the simulator: its days are the tenant's local
// days (as the models cut them), and its producers write each instant with the zone's offset.
const DAY_MS = 86_400_000

const partsFormats = new Map<string, Intl.DateTimeFormat>()

function wallClockParts(ms: number, timeZone: string): Record<string, number> {
  let format = partsFormats.get(timeZone)
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
    partsFormats.set(timeZone, format)
  }
  const parts: Record<string, number> = {}
  for (const part of format.formatToParts(new Date(ms))) if (part.type !== 'literal') parts[part.type] = Number(part.value)
  return parts
}

/** How far the zone's wall clock is ahead of UTC at instant `ms`, in milliseconds (−6 h in Mexico City). */
export function zoneOffsetMs(ms: number, timeZone: string): number {
  const p = wallClockParts(ms, timeZone)
  const wallClockAsUtc = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!)
  return wallClockAsUtc - Math.floor(ms / 1000) * 1000
}

/** The local calendar date (YYYY-MM-DD) of instant `ms` in the zone. */
export function localDateOf(ms: number, timeZone: string): string {
  return new Date(ms + zoneOffsetMs(ms, timeZone)).toISOString().slice(0, 10)
}

/**
 * The instant at which the zone's clocks read `date` at `msIntoDay` past midnight. Asked twice
 * because the offset can change on that day (daylight saving); a wall-clock time a change skips
 * lands just after it.
 */
export function localInstant(date: string, msIntoDay: number, timeZone: string): number {
  const wallClock = Date.parse(`${date}T00:00:00Z`) + msIntoDay
  const guess = wallClock - zoneOffsetMs(wallClock, timeZone)
  return wallClock - zoneOffsetMs(guess, timeZone)
}

/** The local date `days` after `date`. */
export function addLocalDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10)
}

/** RFC 3339 with the zone's offset at that instant, as a producer in the zone writes it: 2026-11-29T10:00:00.000-06:00. */
export function localTimestamp(ms: number, timeZone: string): string {
  const offset = zoneOffsetMs(ms, timeZone)
  const sign = offset < 0 ? '-' : '+'
  const minutes = Math.abs(offset) / 60_000
  const hhmm = `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`
  return new Date(ms + offset).toISOString().replace('Z', `${sign}${hhmm}`)
}
