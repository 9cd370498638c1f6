// The KPI report of GET /v1/kpis and `pulso kpis`: one code path, so both give the same numbers.
import type { TenantSettings } from '../config/config.ts'
import type { KpiResponse } from '../definitions/api.ts'
import type { Grain, Segment } from '../definitions/kpis.ts'
import type { Warehouse } from '../warehouse/client.ts'
import { queryKpis, withEmptyPeriods } from '../warehouse/repositories/kpis.ts'
import { todayIn } from './dates.ts'
import { markProvisional } from './provisional.ts'

export type KpiReportQuery = { from: string; to: string; grain: Grain; by?: Segment }

/** The tenant's KPIs per period (and segment), days cut in its time zone, provisional values marked as of `now`. */
export async function kpiReport(warehouse: Warehouse, tenant: TenantSettings, query: KpiReportQuery, now = new Date()): Promise<KpiResponse> {
  const rows = withEmptyPeriods(await queryKpis(warehouse, { tenantId: tenant.id, timezone: tenant.timezone, ...query }), query)
  return {
    tenant_id: tenant.id,
    timezone: tenant.timezone,
    currency: tenant.currency,
    grain: query.grain,
    by: query.by ?? null,
    from: query.from,
    to: query.to,
    rows: markProvisional(rows, query, todayIn(tenant.timezone, now)),
  }
}
