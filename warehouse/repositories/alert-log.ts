// The alert log: which alert went to which webhook. A key found here is never sent there again,
// by this process or any other on the same warehouse (the server's schedule and `pulso alerts run`).
import type { Warehouse } from '../client.ts'

export async function sentAlertKeys(warehouse: Warehouse, tenantId: string): Promise<Set<string>> {
  const result = await warehouse.client.query({
    query: `SELECT DISTINCT dedup_key, webhook FROM ${warehouse.database}.alert_log WHERE tenant_id = {tenant_id:String}`,
    query_params: { tenant_id: tenantId },
    format: 'JSONEachRow',
  })
  return new Set((await result.json<{ dedup_key: string; webhook: string }>()).map((r) => `${r.dedup_key}\u0000${r.webhook}`))
}

export async function recordSentAlert(
  warehouse: Warehouse,
  row: { tenant_id: string; dedup_key: string; webhook: string; kind: string; payload: string },
): Promise<void> {
  await warehouse.client.insert({ table: `${warehouse.database}.alert_log`, values: [row], format: 'JSONEachRow' })
}

export type SentAlertRow = { tenant_id: string; dedup_key: string; webhook: string; kind: string; sent_at: string }

export async function listSentAlerts(warehouse: Warehouse, tenantId: string, limit = 100): Promise<SentAlertRow[]> {
  const result = await warehouse.client.query({
    query: `SELECT tenant_id, dedup_key, webhook, kind, toString(sent_at) AS sent_at FROM ${warehouse.database}.alert_log FINAL
WHERE tenant_id = {tenant_id:String} ORDER BY sent_at DESC LIMIT {limit:UInt32}`,
    query_params: { tenant_id: tenantId, limit },
    format: 'JSONEachRow',
  })
  return result.json<SentAlertRow>()
}
