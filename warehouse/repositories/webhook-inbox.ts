// The webhook inbox: raw signed bodies stored before Pulso answers, and which of them were processed.
import { insertRows, queryRows, type Warehouse } from '../client.ts'

export type InboxRow = { tenant: string; source: string; notification_id: string; body: string; received_at?: string }

export async function insertInboxRow(warehouse: Warehouse, row: InboxRow): Promise<void> {
  await insertRows(warehouse, `${warehouse.database}.webhook_inbox`, [row])
}

export async function markInboxProcessed(
  warehouse: Warehouse,
  row: { tenant: string; source: string; notification_id: string; accepted: number; duplicates: number; rejected: number },
): Promise<void> {
  await insertRows(warehouse, `${warehouse.database}.webhook_inbox_processed`, [row])
}

/** Stored bodies with no processed record, oldest first (what a crash left behind). */
export async function listUnprocessedInbox(warehouse: Warehouse, limit = 1000): Promise<InboxRow[]> {
  const db = warehouse.database
  return queryRows<InboxRow>(
    warehouse,
    `SELECT tenant, source, notification_id, any(body) AS body, min(received_at) AS received_at
FROM ${db}.webhook_inbox
WHERE (tenant, source, notification_id) NOT IN (SELECT tenant, source, notification_id FROM ${db}.webhook_inbox_processed)
GROUP BY tenant, source, notification_id
ORDER BY received_at
LIMIT {limit:UInt32}`,
    { limit },
  )
}

export async function countInbox(warehouse: Warehouse, tenantId: string, source: string): Promise<number> {
  const [row] = await queryRows<{ n: number }>(
    warehouse,
    `SELECT uniqExact(notification_id) AS n FROM ${warehouse.database}.webhook_inbox WHERE tenant = {tenant:String} AND source = {source:String}`,
    { tenant: tenantId, source },
  )
  return Number(row?.n ?? 0)
}
