// GET /v1/proactive?from&to — sends, delivery, read, reply and conversion counts and rates, and the
// cost of proactive (template) messages per template and campaign, for the key's tenant; delivery
// is null (unknown) where WhatsApp reported no status. Defined in SQL (fct_proactive_sends,
// fct_proactive_kpis); this route only reads them.
import { Hono } from 'hono'
import type { ApiKey, PulsoConfig } from '../../config/config.ts'
import { tenantSettings } from '../../config/config.ts'
import type { ProactiveResponse } from '../../definitions/api.ts'
import type { Warehouse } from '../../warehouse/client.ts'
import { queryProactiveKpis } from '../../warehouse/repositories/proactive.ts'
import { type AuthVariables, requireRole } from '../middleware/auth.ts'
import { dateRange, validQuery } from '../validation.ts'

const querySchema = dateRange({})

export function proactiveRoutes(options: { apiKeys: ApiKey[]; warehouse: Warehouse; config: PulsoConfig }) {
  return new Hono<{ Variables: AuthVariables }>().get('/', requireRole(options.apiKeys, 'read'), validQuery(querySchema), async (c) => {
    const query = c.req.valid('query')
    const tenant = tenantSettings(options.config, c.get('apiKey').tenant)
    const rows = await queryProactiveKpis(options.warehouse, { tenantId: tenant.id, timezone: tenant.timezone, ...query })
    return c.json({
      tenant_id: tenant.id,
      timezone: tenant.timezone,
      currency: tenant.currency,
      from: query.from,
      to: query.to,
      rows,
    } satisfies ProactiveResponse)
  })
}
