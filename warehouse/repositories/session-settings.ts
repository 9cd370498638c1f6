// The inactivity gap per tenant ('*' = default), stored so the staging model that assigns
// conversations reads the configured value.
import type { Warehouse } from '../client.ts'

/** Writes the gaps that differ from the stored ones. Returns how many were written. */
export async function syncSessionGaps(warehouse: Warehouse, gaps: Map<string, number>): Promise<number> {
  const result = await warehouse.client.query({
    query: `SELECT tenant_id, argMax(gap_seconds, updated_at) AS gap_seconds FROM ${warehouse.database}.session_settings GROUP BY tenant_id`,
    format: 'JSONEachRow',
  })
  const stored = new Map((await result.json<{ tenant_id: string; gap_seconds: number }>()).map((r) => [r.tenant_id, Number(r.gap_seconds)]))
  const changed = [...gaps].filter(([tenant, gap]) => stored.get(tenant) !== gap).map(([tenant_id, gap_seconds]) => ({ tenant_id, gap_seconds }))
  if (changed.length) await warehouse.client.insert({ table: `${warehouse.database}.session_settings`, values: changed, format: 'JSONEachRow' })
  return changed.length
}
