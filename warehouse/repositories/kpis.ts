// Reads the KPI mart. The KPIs are defined once, in dbt-like-models/marts/fct_kpis.sql;
// this file only selects from it with bound parameters.
import { eachDayOfInterval, eachMonthOfInterval, eachWeekOfInterval, format, parseISO } from 'date-fns'
import type { KpiRow } from '../../definitions/api.ts'
import { type Grain, KPI_FIELDS, type KpiField, type Segment } from '../../definitions/kpis.ts'
import { queryRows, type Warehouse } from '../client.ts'

/**
 * `fields`: the KPIs to compute (default: all). ClickHouse computes only the aggregates a query
 * selects, so a caller that needs one rate does not pay for the exact medians.
 */
export type KpiQuery = { tenantId: string; timezone: string; from: string; to: string; grain: Grain; by?: Segment; fields?: readonly KpiField[] }

export function kpiSql(database: string, by?: Segment, fields: readonly KpiField[] = KPI_FIELDS): string {
  const segment = by ? `segment AS ${by}, ` : ''
  return `SELECT period, ${segment}${fields.join(', ')}
FROM ${database}.fct_kpis(tenant_id = {tenant_id:String}, timezone = {timezone:String}, date_from = {date_from:Date}, date_to = {date_to:Date}, grain = {grain:String}, by = {by:String})
ORDER BY period${by ? `, ${by}` : ''}`
}

export async function queryKpis(warehouse: Warehouse, query: KpiQuery): Promise<KpiRow[]> {
  const rows = await queryRows<KpiRow>(warehouse, kpiSql(warehouse.database, query.by, query.fields), {
    tenant_id: query.tenantId,
    timezone: query.timezone,
    date_from: query.from,
    date_to: query.to,
    grain: query.grain,
    by: query.by ?? '',
  })
  // ClickHouse writes nan for an average over nothing; the API says null.
  return rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'number' && !Number.isFinite(v) ? null : v])) as KpiRow)
}

/** The first date of every period of `grain` that overlaps from..to (YYYY-MM-DD, calendar dates). */
export function periodsInRange(from: string, to: string, grain: Grain): string[] {
  const interval = { start: parseISO(from), end: parseISO(to) }
  const starts =
    grain === 'day'
      ? eachDayOfInterval(interval)
      : grain === 'week'
        ? eachWeekOfInterval(interval, { weekStartsOn: 1 })
        : grain === 'month'
          ? eachMonthOfInterval(interval)
          : [interval.start]
  return starts.map((d) => format(d, 'yyyy-MM-dd'))
}

/**
 * One row per period, as the API promises: a period without conversations gets
 * conversations 0 and null KPIs (nothing to compute them over). Only without `by`: a segment
 * that had no conversations has no row.
 */
export function withEmptyPeriods(rows: KpiRow[], query: Pick<KpiQuery, 'from' | 'to' | 'grain' | 'by'>): KpiRow[] {
  if (query.by) return rows
  const byPeriod = new Map(rows.map((row) => [row.period, row]))
  return periodsInRange(query.from, query.to, query.grain).map(
    (period) => byPeriod.get(period) ?? ({ period, ...Object.fromEntries(KPI_FIELDS.map((f) => [f, f === 'conversations' ? 0 : null])) } as KpiRow),
  )
}
