// Provisional values: a forward-looking KPI (the catalog's provisionalDays, e.g. fcr_rate's 7 days
// for the customer's next conversation) can still change until that many days have passed since
// the last day of its period. Such a value is shown, but marked, and never judged: the review
// leaves it out of its deltas, and a goal's period with it has the status `provisional`.
import type { KpiRow } from '../definitions/api.ts'
import { type Grain, KPI_CATALOG, KPI_FIELDS, type KpiField, type KpiName } from '../definitions/kpis.ts'
import { addDays, periodEnd } from './dates.ts'

/** Whether a KPI of the catalog can still change for a period whose last local day is `lastDay`, on local date `today`. */
export function isProvisional(kpi: KpiName, lastDay: string, today: string): boolean {
  // A conversation of the period's last day, resolved that day, is final once provisionalDays
  // whole days have passed after it: at the start of lastDay + provisionalDays + 1.
  const days = KPI_CATALOG[kpi].provisionalDays
  return days > 0 && addDays(lastDay, days) >= today
}

/** The KPIs of `fields` (the mart's, by default) whose window is still open for that period. */
export function provisionalKpis(lastDay: string, today: string, fields: readonly KpiField[] = KPI_FIELDS): KpiField[] {
  return fields.filter((kpi) => isProvisional(kpi, lastDay, today))
}

/** The last day a KPI row's period counts conversations of: the period's end, or the query's last day if earlier. */
export function lastDayOfRow(period: string, grain: Grain, to: string): string {
  const end = grain === 'all' ? to : periodEnd(period, grain)
  return end < to ? end : to
}

export type ProvisionalMark = { provisional: KpiField[] }

/** Each row with `provisional`: the KPIs of that row whose window has not closed on `today`. */
export function markProvisional<Row extends KpiRow>(rows: Row[], query: { grain: Grain; to: string }, today: string): (Row & ProvisionalMark)[] {
  return rows.map((row) => ({ ...row, provisional: provisionalKpis(lastDayOfRow(String(row.period), query.grain, query.to), today) }))
}
