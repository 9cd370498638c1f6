// Reads the proactive-message mart (dbt-like-models/marts/fct_proactive_kpis.sql) with bound parameters.
import type { ProactiveRow } from '../../definitions/api.ts'
import { queryRows, type Warehouse } from '../client.ts'

const COLUMNS = [
  'template',
  'campaign',
  'sent',
  'with_status',
  'delivered',
  'delivered_rate',
  'read',
  'read_rate',
  'failed',
  'failed_rate',
  'replied',
  'reply_rate',
  'conversions',
  'conversion_rate',
  'conversion_value',
  'cost',
] as const satisfies readonly (keyof ProactiveRow)[]

/** The query of GET /v1/proactive, with parameters tenant_id, timezone, date_from and date_to. */
export function proactiveKpiSql(database: string): string {
  return `SELECT ${COLUMNS.join(', ')}
FROM ${database}.fct_proactive_kpis(tenant_id = {tenant_id:String}, timezone = {timezone:String}, date_from = {date_from:Date}, date_to = {date_to:Date})
ORDER BY template, campaign`
}

export async function queryProactiveKpis(
  warehouse: Warehouse,
  query: { tenantId: string; timezone: string; from: string; to: string },
): Promise<ProactiveRow[]> {
  const rows = await queryRows<Record<string, unknown>>(warehouse, proactiveKpiSql(warehouse.database), {
    tenant_id: query.tenantId,
    timezone: query.timezone,
    date_from: query.from,
    date_to: query.to,
  })
  // ClickHouse writes 64-bit integers as text in JSON; the API answers numbers.
  return rows.map(
    (row) => Object.fromEntries(COLUMNS.map((c) => [c, c === 'template' || c === 'campaign' || row[c] === null ? row[c] : Number(row[c])])) as ProactiveRow,
  )
}
