// Business time: how much of an interval falls inside a tenant's open hours, in its time zone.
// The calendar arithmetic (local days, weekdays, daylight-saving changes) is date-fns' and
// @date-fns/tz's: each open period is built as a local date and time in the zone, so a day of 23
// or 25 hours opens and closes at the right instants.
import { TZDate } from '@date-fns/tz'
import { addDays, startOfDay } from 'date-fns'
import type { BusinessHours, Weekday } from '../../config/after-handoff.ts'

/** date-fns' getDay order: 0 is Sunday. */
const WEEKDAY_BY_INDEX: Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat']

const clock = (time: string) => time.split(':').map(Number) as [number, number]

/**
 * Seconds of [start, end) inside the open hours (null hours: always open, plain elapsed time);
 * 0 when end is not after start. The clock stops outside business hours: a message at Friday 17:00
 * answered Monday 10:00, open 09:00–18:00 Monday to Friday, waited 1 h + 1 h = 7200 s.
 */
export function businessSeconds(start: Date, end: Date, hours: BusinessHours, timeZone: string): number {
  if (end.getTime() <= start.getTime()) return 0
  if (hours === null) return (end.getTime() - start.getTime()) / 1000
  const [openHour, openMinute] = clock(hours.from)
  const [closeHour, closeMinute] = clock(hours.to)
  let total = 0
  for (let day = startOfDay(new TZDate(start.getTime(), timeZone)); day.getTime() < end.getTime(); day = addDays(day, 1)) {
    if (!hours.days.includes(WEEKDAY_BY_INDEX[day.getDay()]!)) continue
    const open = new TZDate(day.getFullYear(), day.getMonth(), day.getDate(), openHour, openMinute, timeZone).getTime()
    // '24:00' is the next day's midnight: TZDate rolls the hour over as Date does
    const close = new TZDate(day.getFullYear(), day.getMonth(), day.getDate(), closeHour, closeMinute, timeZone).getTime()
    const from = Math.max(open, start.getTime())
    const to = Math.min(close, end.getTime())
    if (to > from) total += to - from
  }
  return total / 1000
}
