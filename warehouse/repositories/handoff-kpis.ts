// Reads the after-the-handoff mart (dbt-like-models/marts/fct_handoff_kpis.sql) with bound
// parameters; what each KPI means is defined there, not here.
import type { HandoffTeamRow } from '../../definitions/api.ts'
import type { Grain, HandoffGroup } from '../../definitions/kpis.ts'
import type { Warehouse } from '../client.ts'

export type HandoffKpiQuery = { tenantId: string; timezone: string; from: string; to: string; grain: Grain; by: HandoffGroup }

const NUMBERS = [
  'conversations',
  'handed_off',
  'resolved_conversations',
  'resolution_p50_s',
  'agent_first_reply_p50_s',
  'agent_reply_p50_s',
  'reopened_conversations',
  'reopen_rate',
  'csat_score',
  'csat_avg',
  'fcr_rate',
] as const

export function handoffKpiSql(database: string, by: HandoffGroup): string {
  return `SELECT toString(period) AS period, team AS ${by}, ${NUMBERS.join(', ')}
FROM ${database}.fct_handoff_kpis(tenant_id = {tenant_id:String}, timezone = {timezone:String}, date_from = {date_from:Date}, date_to = {date_to:Date}, grain = {grain:String}, by = {by:String})
ORDER BY period, ${by} IS NULL, ${by}`
}

/** One row per period and agent (or queue) with conversations that reached a person; null groups those without one. */
export async function queryHandoffKpis(warehouse: Warehouse, query: HandoffKpiQuery): Promise<HandoffTeamRow[]> {
  const result = await warehouse.client.query({
    query: handoffKpiSql(warehouse.database, query.by),
    query_params: { tenant_id: query.tenantId, timezone: query.timezone, date_from: query.from, date_to: query.to, grain: query.grain, by: query.by },
    format: 'JSONEachRow',
  })
  // 64-bit counts come as text in JSON, a median over nothing as nan; the API answers numbers or null.
  const rows = await result.json<Record<string, unknown>>()
  return rows.map((row) => ({
    ...row,
    ...Object.fromEntries(
      NUMBERS.map((c) => {
        const value = row[c] === null ? null : Number(row[c])
        return [c, value === null || Number.isFinite(value) ? value : null]
      }),
    ),
  })) as HandoffTeamRow[]
}
