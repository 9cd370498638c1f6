// GET /v1/review?week=YYYY-Www[&format=json|markdown|csv] — the weekly review of the key's tenant.
import { Hono } from 'hono'
import { z } from 'zod'
import type { PulsoConfig } from '../../config/config.ts'
import { tenantSettings } from '../../config/config.ts'
import type { WeeklyReview } from '../../definitions/api.ts'
import { addDays, FIRST_QUERY_DATE, isoWeekMonday, isoWeekOf, isQueryableDate, LAST_QUERY_DATE, mondayOf, todayIn } from '../../domain/dates.ts'
import { ensureRegistrySynced } from '../../domain/registry-sync.ts'
import { buildWeeklyReview } from '../../domain/review.ts'
import { reviewToCsv, reviewToMarkdown } from '../../domain/review-export.ts'
import type { Warehouse } from '../../warehouse/client.ts'
import { type AuthVariables, requireRole } from '../middleware/auth.ts'
import { validQuery } from '../validation.ts'

export const reviewQuerySchema = z.object({
  week: z
    .string()
    .regex(/^\d{4}-W\d{2}$/, 'expected an ISO week YYYY-Www, e.g. 2026-W47')
    .refine((w) => isoWeekMonday(w) !== null, { error: 'that year has no such ISO week', abort: true })
    .refine((w) => isQueryableDate(isoWeekMonday(w)!), `expected a week from ${FIRST_QUERY_DATE} to ${LAST_QUERY_DATE}`)
    .optional(),
  format: z.enum(['json', 'markdown', 'csv'], { error: 'expected json, markdown or csv' }).default('json'),
})

/** The ISO week asked for, or the last complete week in the tenant's zone. */
export function reviewWeek(week: string | undefined, timezone: string): string {
  return week ?? isoWeekOf(addDays(mondayOf(todayIn(timezone)), -7))
}

export function reviewRoutes(options: { config: PulsoConfig; warehouse: Warehouse }) {
  return new Hono<{ Variables: AuthVariables }>().get('/', requireRole(options.config.apiKeys, 'read'), validQuery(reviewQuerySchema), async (c) => {
    await ensureRegistrySynced(options.warehouse, options.config)
    const query = c.req.valid('query')
    const tenant = tenantSettings(options.config, c.get('apiKey').tenant)
    const week = reviewWeek(query.week, tenant.timezone)
    const review = await buildWeeklyReview(options.warehouse, tenant, isoWeekMonday(week)!)
    const filename = `pulso-review-${tenant.id}-${week}`
    if (query.format === 'markdown') {
      return c.body(reviewToMarkdown(review, tenant), 200, {
        'content-type': 'text/markdown; charset=utf-8',
        'content-disposition': `inline; filename="${filename}.md"`,
      })
    }
    if (query.format === 'csv') {
      return c.body(reviewToCsv(review), 200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${filename}.csv"` })
    }
    return c.json(review satisfies WeeklyReview)
  })
}
