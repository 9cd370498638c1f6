// GET /v1/regressions — KPI × segment regressions of the key's tenant (see domain/regressions.ts).
import { Hono } from 'hono'
import { z } from 'zod'
import type { PulsoConfig } from '../../config/config.ts'
import { tenantSettings } from '../../config/config.ts'
import type { RegressionsResponse } from '../../definitions/api.ts'
import { findRegressions } from '../../domain/regressions-query.ts'
import type { Warehouse } from '../../warehouse/client.ts'
import { type AuthVariables, requireRole } from '../middleware/auth.ts'
import { date, validQuery } from '../validation.ts'

export const regressionsQuerySchema = z.object({
  as_of: date.optional(),
  window_days: z.coerce.number().int('expected a whole number').min(1, 'must be ≥ 1').max(28, 'must be ≤ 28').optional(),
  /** active=true keeps only regressions still flagged on as_of. */
  active: z.enum(['true', 'false'], { error: 'expected true or false' }).optional(),
})

export function regressionsRoutes(options: { config: PulsoConfig; warehouse: Warehouse }) {
  return new Hono<{ Variables: AuthVariables }>().get('/', requireRole(options.config.apiKeys, 'read'), validQuery(regressionsQuerySchema), async (c) => {
    const query = c.req.valid('query')
    const tenant = tenantSettings(options.config, c.get('apiKey').tenant)
    const settings = { ...options.config.operatingLoop.regressions, ...(query.window_days ? { window_days: query.window_days } : {}) }
    const report = await findRegressions(options.warehouse, tenant, settings, query.as_of)
    const regressions = query.active === 'true' ? report.regressions.filter((r) => r.active) : report.regressions
    return c.json({
      tenant_id: tenant.id,
      ...report,
      settings: {
        window_days: settings.window_days,
        trailing_weeks: settings.trailing_weeks,
        min_samples: settings.min_samples,
        fdr: settings.fdr,
        min_relative_effect: settings.min_relative_effect,
        lookback_days: settings.lookback_days,
        min_days_flagged: settings.min_days_flagged,
      },
      regressions,
    } satisfies RegressionsResponse)
  })
}
