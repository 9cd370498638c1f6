// Runs the regression detector for one tenant: fetches the conversations (summed per day and group)
// and the releases it needs.
import type { TenantSettings } from '../config/config.ts'
import type { RegressionSettings } from '../config/operating-loop.ts'
import type { RegressionReport } from '../definitions/api.ts'
import type { Warehouse } from '../warehouse/client.ts'
import { queryBotReleases, queryLastActiveDate, queryRegressionGroups } from '../warehouse/repositories/regression-samples.ts'
import { addDays, todayIn } from './dates.ts'
import { detectRegressions, samplesNeededDays } from './regressions.ts'

/** as_of defaults to the tenant's last day with conversations (never after today). */
export async function defaultAsOf(warehouse: Warehouse, tenant: TenantSettings): Promise<string> {
  const today = todayIn(tenant.timezone)
  const last = await queryLastActiveDate(warehouse, tenant.id, tenant.timezone)
  return last && last < today ? last : today
}

export async function findRegressions(warehouse: Warehouse, tenant: TenantSettings, settings: RegressionSettings, asOf?: string): Promise<RegressionReport> {
  const day = asOf ?? (await defaultAsOf(warehouse, tenant))
  const [groups, releases] = await Promise.all([
    queryRegressionGroups(warehouse, { tenantId: tenant.id, timezone: tenant.timezone, from: addDays(day, -samplesNeededDays(settings)), to: day }),
    queryBotReleases(warehouse, tenant.id, tenant.timezone),
  ])
  return detectRegressions(groups, releases, day, settings)
}
