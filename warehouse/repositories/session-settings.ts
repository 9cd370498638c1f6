// The inactivity gap per tenant ('*' = default), stored so the staging model that assigns
// conversations reads the configured value.
import { insertRows, queryRows, type Warehouse } from '../client.ts'

/** Writes the gaps that differ from the stored ones. Returns how many were written. */
export async function syncSessionGaps(warehouse: Warehouse, gaps: Map<string, number>): Promise<number> {
  const rows = await queryRows<{ tenant_id: string; gap_seconds: number }>(
    warehouse,
    `SELECT tenant_id, argMax(gap_seconds, updated_at) AS gap_seconds FROM ${warehouse.database}.session_settings GROUP BY tenant_id`,
  )
  const stored = new Map(rows.map((r) => [r.tenant_id, Number(r.gap_seconds)]))
  const changed = [...gaps].filter(([tenant, gap]) => stored.get(tenant) !== gap).map(([tenant_id, gap_seconds]) => ({ tenant_id, gap_seconds }))
  if (changed.length) await insertRows(warehouse, `${warehouse.database}.session_settings`, changed)
  return changed.length
}
