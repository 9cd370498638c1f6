// GET /v1/tenant — the key's tenant: name, time zone and currency, so clients format in them.
import { Hono } from 'hono'
import type { ApiKey, PulsoConfig } from '../../config/config.ts'
import { tenantSettings } from '../../config/config.ts'
import type { TenantResponse } from '../../definitions/api.ts'
import { type AuthVariables, requireRole } from '../middleware/auth.ts'

export function tenantRoutes(options: { apiKeys: ApiKey[]; config: PulsoConfig }) {
  return new Hono<{ Variables: AuthVariables }>().get('/', requireRole(options.apiKeys, 'read', 'ingest'), (c) => {
    const key = c.get('apiKey')
    const tenant = tenantSettings(options.config, key.tenant)
    return c.json({ id: tenant.id, name: tenant.name, timezone: tenant.timezone, currency: tenant.currency, role: key.role } satisfies TenantResponse)
  })
}
