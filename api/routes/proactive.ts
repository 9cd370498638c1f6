// GET /v1/proactive?from&to — delivery, read, reply and conversion rates of proactive (template)
// messages per template and campaign, for the key's tenant. The rates are defined in SQL
// (dbt-like-models/marts/fct_proactive_sends.sql); this route only reads them.
import { Hono } from 'hono'
import { z } from 'zod'
import type { ApiKey, PulsoConfig } from '../../config/config.ts'
import { tenantSettings } from '../../config/config.ts'
import type { Warehouse } from '../../warehouse/client.ts'
import { queryProactiveKpis } from '../../warehouse/repositories/proactive.ts'
import { requireRole, type AuthVariables } from '../middleware/auth.ts'
import { date, parseQuery } from './kpis.ts'

const querySchema = z.object({ from: date, to: date }).refine((q) => q.from <= q.to, { message: 'from must not be after to', path: ['from'] })

export function proactiveRoutes(options: { apiKeys: ApiKey[]; warehouse: Warehouse; config: PulsoConfig }) {
  return new Hono<{ Variables: AuthVariables }>().get('/', requireRole(options.apiKeys, 'read'), async (c) => {
    const query = parseQuery(querySchema, c.req.query())
    const tenant = tenantSettings(options.config, c.get('apiKey').tenant)
    const rows = await queryProactiveKpis(options.warehouse, { tenantId: tenant.id, timezone: tenant.timezone, ...query })
    return c.json({ tenant_id: tenant.id, timezone: tenant.timezone, currency: tenant.currency, from: query.from, to: query.to, rows })
  })
}
