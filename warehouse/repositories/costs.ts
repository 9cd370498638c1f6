// Reads the cost composition mart (dbt-like-models/marts/fct_cost_composition.sql) with bound
// parameters; what a part costs is defined there, not here.
import type { CostRow } from '../../definitions/api.ts'
import type { CostSplit } from '../../definitions/costs.ts'
import type { Grain } from '../../definitions/kpis.ts'
import { queryRows, type Warehouse } from '../client.ts'

export type CostQuery = { tenantId: string; timezone: string; from: string; to: string; grain: Grain; by: CostSplit }

const NUMBERS = [
  'conversations',
  'resolved_conversations',
  'cost',
  'cost_share',
  'cost_per_conversation',
  'cost_per_resolved_conversation',
  'costs_in_other_currency',
] as const

export function costCompositionSql(database: string, by: CostSplit): string {
  return `SELECT toString(period) AS period, part AS ${by}, ${NUMBERS.join(', ')}
FROM ${database}.fct_cost_composition(tenant_id = {tenant_id:String}, timezone = {timezone:String}, date_from = {date_from:Date}, date_to = {date_to:Date}, grain = {grain:String}, by = {by:String})
ORDER BY period, ${by} IS NULL, ${by}`
}

/** One row per period (with conversations) and part of the split, every part of the split listed. */
export async function queryCostComposition(warehouse: Warehouse, query: CostQuery): Promise<CostRow[]> {
  const rows = await queryRows<Record<string, unknown>>(warehouse, costCompositionSql(warehouse.database, query.by), {
    tenant_id: query.tenantId,
    timezone: query.timezone,
    date_from: query.from,
    date_to: query.to,
    grain: query.grain,
    by: query.by,
  })
  // 64-bit counts come as text in JSON; the API answers numbers (null stays null).
  return rows.map((row) => ({
    ...row,
    ...Object.fromEntries(NUMBERS.map((c) => [c, row[c] === null ? null : Number(row[c])])),
  })) as CostRow[]
}
