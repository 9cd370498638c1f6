// Which tenant a command reads: one the configuration names (config file, API keys, the demo),
// or one whose events are in the data folder (loaded with `pulso ingest`, no configuration yet:
// the defaults UTC and USD, as the API gives a tenant known only by its key). Any other id is an
// error that names the tenants it could have meant, not an empty answer.
import { ConfigError, type PulsoConfig, type TenantSettings, tenantSettings } from '../config/config.ts'
import type { Warehouse } from '../warehouse/client.ts'
import { storedTenantIds } from '../warehouse/repositories/tenants.ts'

export async function knownTenant(config: PulsoConfig, warehouse: Warehouse, tenantId: string): Promise<TenantSettings> {
  if (config.tenants.has(tenantId)) return tenantSettings(config, tenantId)
  const stored = await storedTenantIds(warehouse)
  if (stored.includes(tenantId)) return tenantSettings(config, tenantId)
  const known = [...new Set([...config.tenants.keys(), ...stored])].sort()
  throw new ConfigError(
    `unknown tenant '${tenantId}': no configuration names it and no events of it are stored (known: ${known.length ? known.join(', ') : 'none'}; the demo tenant exists unless PULSO_DEMO=0)`,
  )
}
