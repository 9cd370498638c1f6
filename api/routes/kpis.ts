// GET /v1/kpis — the KPIs of DESIGN.md for the key's tenant, per period (and segment).
import { Hono } from 'hono'
import { z } from 'zod'
import type { ApiKey, PulsoConfig } from '../../config/config.ts'
import { tenantSettings } from '../../config/config.ts'
import type { Warehouse } from '../../warehouse/client.ts'
import { FIRST_QUERY_DATE, LAST_QUERY_DATE, isCalendarDate, isQueryableDate } from '../../warehouse/analysis/dates.ts'
import { GRAINS, SEGMENTS, queryKpis, withEmptyPeriods } from '../../warehouse/repositories/kpis.ts'
import { ApiError } from '../errors.ts'
import { requireRole, type AuthVariables } from '../middleware/auth.ts'

/** A local date in a query parameter: YYYY-MM-DD of a day that exists, within what the models take. Every route uses this one. */
export const date = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD')
  .refine(isCalendarDate, { error: (issue) => `not a calendar date: ${issue.input} does not exist`, abort: true })
  .refine(isQueryableDate, `expected a date from ${FIRST_QUERY_DATE} to ${LAST_QUERY_DATE}`)

export const kpiQuerySchema = z
  .object({
    from: date,
    to: date,
    grain: z.enum(GRAINS, { error: `expected one of ${GRAINS.join(', ')}` }).default('day'),
    by: z.enum(SEGMENTS, { error: `expected one of ${SEGMENTS.join(', ')}` }).optional(),
  })
  .refine((q) => q.from <= q.to, { message: 'from must not be after to', path: ['from'] })

export function parseQuery<T extends z.ZodType>(schema: T, query: Record<string, string>): z.infer<T> {
  const parsed = schema.safeParse(query)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const field = issue.path.join('.')
    const message = issue.code === 'invalid_type' && query[field] === undefined ? 'is required' : issue.message
    throw new ApiError(400, 'bad_request', `\`${field}\`: ${message}`)
  }
  return parsed.data
}

export function kpisRoutes(options: { apiKeys: ApiKey[]; warehouse: Warehouse; config: PulsoConfig }) {
  return new Hono<{ Variables: AuthVariables }>().get('/', requireRole(options.apiKeys, 'read'), async (c) => {
    const query = parseQuery(kpiQuerySchema, c.req.query())
    const tenant = tenantSettings(options.config, c.get('apiKey').tenant)
    const rows = withEmptyPeriods(await queryKpis(options.warehouse, { tenantId: tenant.id, timezone: tenant.timezone, ...query }), query)
    return c.json({ tenant_id: tenant.id, timezone: tenant.timezone, currency: tenant.currency, grain: query.grain, by: query.by ?? null, from: query.from, to: query.to, rows })
  })
}
