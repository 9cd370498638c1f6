// GET /v1/costs?from&to&grain&by=component|category — what the cost per conversation of the key's
// tenant is made of, per period: by cost component or by WhatsApp pricing category, per
// conversation and per resolved conversation. Defined in SQL (fct_cost_composition); read here.
import { Hono } from 'hono'
import { z } from 'zod'
import type { ApiKey, PulsoConfig } from '../../config/config.ts'
import { tenantSettings } from '../../config/config.ts'
import type { CostsResponse } from '../../definitions/api.ts'
import { COST_SPLITS } from '../../definitions/costs.ts'
import { GRAINS } from '../../definitions/kpis.ts'
import type { Warehouse } from '../../warehouse/client.ts'
import { queryCostComposition } from '../../warehouse/repositories/costs.ts'
import { type AuthVariables, requireRole } from '../middleware/auth.ts'
import { dateRange, validQuery } from '../validation.ts'

export const costQuerySchema = dateRange({
  grain: z.enum(GRAINS, { error: `expected one of ${GRAINS.join(', ')}` }).default('all'),
  by: z.enum(COST_SPLITS, { error: `expected one of ${COST_SPLITS.join(', ')}` }).default('component'),
})

export function costsRoutes(options: { apiKeys: ApiKey[]; warehouse: Warehouse; config: PulsoConfig }) {
  return new Hono<{ Variables: AuthVariables }>().get('/', requireRole(options.apiKeys, 'read'), validQuery(costQuerySchema), async (c) => {
    const query = c.req.valid('query')
    const tenant = tenantSettings(options.config, c.get('apiKey').tenant)
    const rows = await queryCostComposition(options.warehouse, { tenantId: tenant.id, timezone: tenant.timezone, ...query })
    return c.json({
      tenant_id: tenant.id,
      timezone: tenant.timezone,
      currency: tenant.currency,
      grain: query.grain,
      by: query.by,
      from: query.from,
      to: query.to,
      rows,
    } satisfies CostsResponse)
  })
}
