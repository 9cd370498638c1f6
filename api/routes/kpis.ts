// GET /v1/kpis — the KPIs of DESIGN.md for the key's tenant, per period (and segment).
import { Hono } from 'hono'
import { z } from 'zod'
import type { ApiKey, PulsoConfig } from '../../config/config.ts'
import { tenantSettings } from '../../config/config.ts'
import { GRAINS, SEGMENTS } from '../../definitions/kpis.ts'
import { kpiReport } from '../../domain/kpi-report.ts'
import type { Warehouse } from '../../warehouse/client.ts'
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
    return c.json(await kpiReport(options.warehouse, tenant, query))
  })
}
