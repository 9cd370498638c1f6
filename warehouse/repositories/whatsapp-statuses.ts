// WhatsApp delivery facts: one row per (outbound message, status), deduplicated when read.
import type { Warehouse } from '../client.ts'

export async function insertWhatsAppStatuses(warehouse: Warehouse, rows: object[]): Promise<void> {
  if (rows.length === 0) return
  await warehouse.client.insert({ table: `${warehouse.database}.whatsapp_statuses`, values: rows, format: 'JSONEachRow' })
}

export type StatusFact = { message_id: string; status: string; occurred_at: string; billable: boolean | null; error_code: number | null }

export async function listWhatsAppStatuses(warehouse: Warehouse, tenantId: string): Promise<StatusFact[]> {
  const result = await warehouse.client.query({
    query: `SELECT message_id, status, occurred_at, billable, error_code
FROM ${warehouse.database}.whatsapp_statuses WHERE tenant_id = {tenant_id:String}
ORDER BY message_id, occurred_at, status
LIMIT 1 BY message_id, status`,
    query_params: { tenant_id: tenantId },
    format: 'JSONEachRow',
  })
  return result.json<StatusFact>()
}
