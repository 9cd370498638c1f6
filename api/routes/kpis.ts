// GET /v1/kpis — the KPIs of DESIGN.md for the key's tenant, per period (and segment).
import { Hono } from 'hono'
import { z } from 'zod'
import type { ApiKey, PulsoConfig } from '../../config/config.ts'
import { tenantSettings } from '../../config/config.ts'
import type { KpiResponse } from '../../definitions/api.ts'
import { GRAINS, SEGMENTS } from '../../definitions/kpis.ts'
import type { Warehouse } from '../../warehouse/client.ts'
import { queryKpis, withEmptyPeriods } from '../../warehouse/repositories/kpis.ts'
import { type AuthVariables, requireRole } from '../middleware/auth.ts'
import { dateRange, validQuery } from '../validation.ts'

export const kpiQuerySchema = dateRange({
  grain: z.enum(GRAINS, { error: `expected one of ${GRAINS.join(', ')}` }).default('day'),
  by: z.enum(SEGMENTS, { error: `expected one of ${SEGMENTS.join(', ')}` }).optional(),
})

export function kpisRoutes(options: { apiKeys: ApiKey[]; warehouse: Warehouse; config: PulsoConfig }) {
  return new Hono<{ Variables: AuthVariables }>().get('/', requireRole(options.apiKeys, 'read'), validQuery(kpiQuerySchema), async (c) => {
    const query = c.req.valid('query')
    const tenant = tenantSettings(options.config, c.get('apiKey').tenant)
    const rows = withEmptyPeriods(await queryKpis(options.warehouse, { tenantId: tenant.id, timezone: tenant.timezone, ...query }), query)
    return c.json({
      tenant_id: tenant.id,
      timezone: tenant.timezone,
      currency: tenant.currency,
      grain: query.grain,
      by: query.by ?? null,
      from: query.from,
      to: query.to,
      rows,
    } satisfies KpiResponse)
  })
}
