// The alert log: which alert went to which webhook. A key found here is never sent there again,
// by this process or any other on the same warehouse (the server's schedule and `pulso alerts run`).
import { insertRows, queryRows, type Warehouse } from '../client.ts'

export async function sentAlertKeys(warehouse: Warehouse, tenantId: string): Promise<Set<string>> {
  const rows = await queryRows<{ dedup_key: string; webhook: string }>(
    warehouse,
    `SELECT DISTINCT dedup_key, webhook FROM ${warehouse.database}.alert_log WHERE tenant_id = {tenant_id:String}`,
    { tenant_id: tenantId },
  )
  return new Set(rows.map((r) => `${r.dedup_key}\u0000${r.webhook}`))
}

export async function recordSentAlert(
  warehouse: Warehouse,
  row: { tenant_id: string; dedup_key: string; webhook: string; kind: string; payload: string },
): Promise<void> {
  await insertRows(warehouse, `${warehouse.database}.alert_log`, [row])
}

export type SentAlertRow = { tenant_id: string; dedup_key: string; webhook: string; kind: string; sent_at: string }

export async function listSentAlerts(warehouse: Warehouse, tenantId: string, limit = 100): Promise<SentAlertRow[]> {
  return queryRows<SentAlertRow>(
    warehouse,
    `SELECT tenant_id, dedup_key, webhook, kind, toString(sent_at) AS sent_at FROM ${warehouse.database}.alert_log FINAL
WHERE tenant_id = {tenant_id:String} ORDER BY sent_at DESC LIMIT {limit:UInt32}`,
    { tenant_id: tenantId, limit },
  )
}
