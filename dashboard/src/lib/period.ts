// Periods as local calendar dates (YYYY-MM-DD) in the tenant's time zone.
import { addDays, differenceInCalendarDays, format, getISOWeek, getISOWeekYear, parseISO, startOfISOWeek, subWeeks } from 'date-fns'

export type PeriodPreset = 7 | 30 | 90 | 'custom'
export type Period = { preset: PeriodPreset; from: string; to: string }

const ymd = (d: Date) => format(d, 'yyyy-MM-dd')

/** Today's date in a time zone. */
export function todayIn(timezone: string, now: Date = new Date()): string {
  // en-CA writes dates as YYYY-MM-DD
  return new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now)
}

export function shiftDay(day: string, days: number): string {
  return ymd(addDays(parseISO(day), days))
}

/** The last `days` days up to and including today in the tenant's time zone. */
export function lastDays(days: number, timezone: string, now?: Date): Period {
  const to = todayIn(timezone, now)
  return { preset: days as PeriodPreset, from: shiftDay(to, -(days - 1)), to }
}

export function lengthInDays(period: Pick<Period, 'from' | 'to'>): number {
  return differenceInCalendarDays(parseISO(period.to), parseISO(period.from)) + 1
}

/** The period of the same length that ends the day before this one starts. */
export function previousPeriod(period: Pick<Period, 'from' | 'to'>): { from: string; to: string } {
  const n = lengthInDays(period)
  return { from: shiftDay(period.from, -n), to: shiftDay(period.from, -1) }
}

/** Days for short periods, weeks up to about half a year, months beyond. */
export function trendGrain(period: Pick<Period, 'from' | 'to'>): 'day' | 'week' | 'month' {
  const n = lengthInDays(period)
  return n <= 45 ? 'day' : n <= 200 ? 'week' : 'month'
}

/** ISO week `YYYY-Www` of a date. */
export function isoWeekOf(day: string): string {
  const d = parseISO(day)
  return `${getISOWeekYear(d)}-W${String(getISOWeek(d)).padStart(2, '0')}`
}

/** The last complete ISO week before today in the time zone. */
export function lastCompleteWeek(timezone: string, now?: Date): string {
  return isoWeekOf(ymd(subWeeks(startOfISOWeek(parseISO(todayIn(timezone, now))), 1)))
}

export function isDay(value: string | null | undefined): value is string {
  return !!value && /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(parseISO(value).getTime())
}
