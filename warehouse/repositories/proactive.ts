// Reads the proactive-message mart (dbt-like-models/marts/fct_proactive_kpis.sql) with bound parameters.
import type { Warehouse } from '../client.ts'

export type ProactiveRow = {
  template: string
  campaign: string | null
  sent: number
  delivered_rate: number
  read_rate: number
  failed_rate: number
  reply_rate: number
  conversions: number
  conversion_rate: number
  conversion_value: number
}

export async function queryProactiveKpis(
  warehouse: Warehouse,
  query: { tenantId: string; timezone: string; from: string; to: string },
): Promise<ProactiveRow[]> {
  const result = await warehouse.client.query({
    query: `SELECT template, campaign, sent, delivered_rate, read_rate, failed_rate, reply_rate, conversions, conversion_rate, conversion_value
FROM ${warehouse.database}.fct_proactive_kpis(tenant_id = {tenant_id:String}, timezone = {timezone:String}, date_from = {date_from:Date}, date_to = {date_to:Date})
ORDER BY template, campaign`,
    query_params: { tenant_id: query.tenantId, timezone: query.timezone, date_from: query.from, date_to: query.to },
    format: 'JSONEachRow',
  })
  return result.json<ProactiveRow>()
}
