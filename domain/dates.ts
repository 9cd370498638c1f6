// Local calendar dates as YYYY-MM-DD strings: days, ISO weeks and months, without time zones
// (the warehouse already cut dates in the tenant's zone).
const DAY_MS = 86_400_000

const toMs = (date: string) => Date.parse(`${date}T00:00:00Z`)
const fromMs = (ms: number) => new Date(ms).toISOString().slice(0, 10)

/**
 * True when `date` is YYYY-MM-DD of a day that exists. Date.parse reads 2026-02-30 as March 2
 * and 2026-11-31 as December 1, so a date is a calendar date when it reads back as written.
 */
export function isCalendarDate(date: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return false
  const ms = toMs(date)
  return !Number.isNaN(ms) && fromMs(ms) === date
}

// The dates a query can ask for: the models take dates as ClickHouse's Date, 1970-01-01 to 2149-06-06.
export const FIRST_QUERY_DATE = '1970-01-01'
export const LAST_QUERY_DATE = '2149-06-06'

/** True when a calendar date is one the models' Date parameters hold. */
export const isQueryableDate = (date: string) => date >= FIRST_QUERY_DATE && date <= LAST_QUERY_DATE

export function addDays(date: string, days: number): string {
  return fromMs(toMs(date) + days * DAY_MS)
}

export function daysBetween(from: string, to: string): number {
  return Math.round((toMs(to) - toMs(from)) / DAY_MS)
}

/** Monday of the ISO week containing `date`. */
export function mondayOf(date: string): string {
  const weekday = (new Date(toMs(date)).getUTCDay() + 6) % 7 // Monday 0 … Sunday 6
  return addDays(date, -weekday)
}

export function monthStart(date: string): string {
  return `${date.slice(0, 7)}-01`
}

export function addMonths(date: string, months: number): string {
  const d = new Date(toMs(date))
  return fromMs(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1))
}

/** First day of the period (day, week, month) containing `date`. */
export function periodStart(date: string, period: 'day' | 'week' | 'month'): string {
  return period === 'day' ? date : period === 'week' ? mondayOf(date) : monthStart(date)
}

/** Last day of the period starting at `start`. */
export function periodEnd(start: string, period: 'day' | 'week' | 'month'): string {
  return period === 'day' ? start : period === 'week' ? addDays(start, 6) : addDays(addMonths(start, 1), -1)
}

/** Start of the period `n` periods before the one starting at `start`. */
export function periodsBefore(start: string, period: 'day' | 'week' | 'month', n: number): string {
  return period === 'day' ? addDays(start, -n) : period === 'week' ? addDays(start, -7 * n) : addMonths(start, -n)
}

/** Monday of ISO week `YYYY-Www`, or null when it names no week. */
export function isoWeekMonday(week: string): string | null {
  const match = /^(\d{4})-W(\d{2})$/.exec(week)
  if (!match) return null
  const year = Number(match[1])
  const n = Number(match[2])
  // ISO week 1 is the week with 4 January in it.
  const week1 = mondayOf(`${year}-01-04`)
  const monday = addDays(week1, (n - 1) * 7)
  return n >= 1 && isoWeekOf(monday) === week ? monday : null
}

/** ISO week label `YYYY-Www` of a date. */
export function isoWeekOf(date: string): string {
  const thursday = addDays(mondayOf(date), 3) // the ISO year is the year of the week's Thursday
  const year = thursday.slice(0, 4)
  const week1 = mondayOf(`${year}-01-04`)
  const n = Math.floor(daysBetween(week1, mondayOf(date)) / 7) + 1
  return `${year}-W${String(n).padStart(2, '0')}`
}

/** Today in a time zone. */
export function todayIn(timezone: string, now = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now)
}
