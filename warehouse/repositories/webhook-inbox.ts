// The webhook inbox: raw signed bodies stored before Pulso answers, and which of them were processed.
import type { Warehouse } from '../client.ts'

export type InboxRow = { tenant: string; source: string; notification_id: string; body: string; received_at?: string }

export async function insertInboxRow(warehouse: Warehouse, row: InboxRow): Promise<void> {
  await warehouse.client.insert({ table: `${warehouse.database}.webhook_inbox`, values: [row], format: 'JSONEachRow' })
}

export async function markInboxProcessed(
  warehouse: Warehouse,
  row: { tenant: string; source: string; notification_id: string; accepted: number; duplicates: number; rejected: number },
): Promise<void> {
  await warehouse.client.insert({ table: `${warehouse.database}.webhook_inbox_processed`, values: [row], format: 'JSONEachRow' })
}

/** Stored bodies with no processed record, oldest first (what a crash left behind). */
export async function listUnprocessedInbox(warehouse: Warehouse, limit = 1000): Promise<InboxRow[]> {
  const db = warehouse.database
  const result = await warehouse.client.query({
    query: `SELECT tenant, source, notification_id, any(body) AS body, min(received_at) AS received_at
FROM ${db}.webhook_inbox
WHERE (tenant, source, notification_id) NOT IN (SELECT tenant, source, notification_id FROM ${db}.webhook_inbox_processed)
GROUP BY tenant, source, notification_id
ORDER BY received_at
LIMIT {limit:UInt32}`,
    query_params: { limit },
    format: 'JSONEachRow',
  })
  return result.json<InboxRow>()
}

export async function countInbox(warehouse: Warehouse, tenantId: string, source: string): Promise<number> {
  const result = await warehouse.client.query({
    query: `SELECT uniqExact(notification_id) AS n FROM ${warehouse.database}.webhook_inbox WHERE tenant = {tenant:String} AND source = {source:String}`,
    query_params: { tenant: tenantId, source },
    format: 'JSONEachRow',
  })
  const [row] = await result.json<{ n: number }>()
  return Number(row?.n ?? 0)
}
