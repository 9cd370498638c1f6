// Reads a per-period mart of one tenant and date range, split by a group (fct_cost_composition by
// part, fct_handoff_kpis by agent or queue): the same parameters, ordering and number handling
// for each, so a new mart of this kind is one list of columns.
import type { Grain } from '../../definitions/kpis.ts'
import { queryRows, type Warehouse } from '../client.ts'

export type PeriodMartQuery = { tenantId: string; timezone: string; from: string; to: string; grain: Grain; by: string }

/** The mart's rows as `period, <group> AS <by>, …numbers`, periods in order, a missing group (null) last. */
export function periodMartSql(database: string, mart: string, group: string, by: string, numbers: readonly string[]): string {
  return `SELECT toString(period) AS period, ${group} AS ${by}, ${numbers.join(', ')}
FROM ${database}.${mart}(tenant_id = {tenant_id:String}, timezone = {timezone:String}, date_from = {date_from:Date}, date_to = {date_to:Date}, grain = {grain:String}, by = {by:String})
ORDER BY period, ${by} IS NULL, ${by}`
}

/** The rows with every number a number: 64-bit counts come as text in JSON, a median over nothing as nan (answered null). */
export async function queryPeriodMart(
  warehouse: Warehouse,
  sql: string,
  numbers: readonly string[],
  query: PeriodMartQuery,
): Promise<Record<string, unknown>[]> {
  const rows = await queryRows<Record<string, unknown>>(warehouse, sql, {
    tenant_id: query.tenantId,
    timezone: query.timezone,
    date_from: query.from,
    date_to: query.to,
    grain: query.grain,
    by: query.by,
  })
  return rows.map((row) => ({
    ...row,
    ...Object.fromEntries(
      numbers.map((c) => {
        const value = row[c] === null ? null : Number(row[c])
        return [c, value === null || Number.isFinite(value) ? value : null]
      }),
    ),
  }))
}
