// WhatsApp delivery facts: one row per (outbound message, status), deduplicated when read.
import { insertRows, queryRows, type Warehouse } from '../client.ts'

export async function insertWhatsAppStatuses(warehouse: Warehouse, rows: object[]): Promise<void> {
  if (rows.length === 0) return
  await insertRows(warehouse, `${warehouse.database}.whatsapp_statuses`, rows)
}

export type StatusFact = { message_id: string; status: string; occurred_at: string; billable: boolean | null; error_code: number | null }

export async function listWhatsAppStatuses(warehouse: Warehouse, tenantId: string): Promise<StatusFact[]> {
  return queryRows<StatusFact>(
    warehouse,
    `SELECT message_id, status, occurred_at, billable, error_code
FROM ${warehouse.database}.whatsapp_statuses WHERE tenant_id = {tenant_id:String}
ORDER BY message_id, occurred_at, status
LIMIT 1 BY message_id, status`,
    { tenant_id: tenantId },
  )
}
