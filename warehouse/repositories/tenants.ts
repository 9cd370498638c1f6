// Tenant settings in the warehouse, so models can read each tenant's currency.
import type { TenantSettings } from '../../config/config.ts'
import { insertRows, queryRows, type Warehouse } from '../client.ts'

/** Writes the configured tenants whose stored settings differ (or are missing). */
export async function syncTenants(warehouse: Warehouse, tenants: TenantSettings[]): Promise<number> {
  const rows = await queryRows<{ tenant_id: string; name: string; timezone: string; currency: string }>(
    warehouse,
    `SELECT tenant_id, argMax(name, updated_at) AS name, argMax(timezone, updated_at) AS timezone, argMax(currency, updated_at) AS currency
FROM ${warehouse.database}.tenants GROUP BY tenant_id`,
  )
  const stored = new Map(rows.map((t) => [t.tenant_id, t]))
  const changed = tenants.filter((t) => {
    const s = stored.get(t.id)
    return !s || s.name !== t.name || s.timezone !== t.timezone || s.currency !== t.currency
  })
  if (changed.length) {
    await insertRows(
      warehouse,
      `${warehouse.database}.tenants`,
      changed.map((t) => ({ tenant_id: t.id, name: t.name, timezone: t.timezone, currency: t.currency })),
    )
  }
  return changed.length
}

/** The tenants that have events stored (the events table is sorted by tenant first: a cheap read). */
export async function storedTenantIds(warehouse: Warehouse): Promise<string[]> {
  const rows = await queryRows<{ tenant_id: string }>(warehouse, `SELECT DISTINCT tenant_id FROM ${warehouse.database}.events ORDER BY tenant_id`)
  return rows.map((r) => r.tenant_id)
}
