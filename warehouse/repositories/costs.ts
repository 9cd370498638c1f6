// Reads the cost composition mart (dbt-like-models/marts/fct_cost_composition.sql) with bound
// parameters; what a part costs is defined there, not here.
import type { CostRow } from '../../definitions/api.ts'
import type { CostSplit } from '../../definitions/costs.ts'
import type { Grain } from '../../definitions/kpis.ts'
import type { Warehouse } from '../client.ts'
import { periodMartSql, queryPeriodMart } from './period-marts.ts'

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
  return periodMartSql(database, 'fct_cost_composition', 'part', by, NUMBERS)
}

/** One row per period (with conversations) and part of the split, every part of the split listed. */
export async function queryCostComposition(warehouse: Warehouse, query: CostQuery): Promise<CostRow[]> {
  return (await queryPeriodMart(warehouse, costCompositionSql(warehouse.database, query.by), NUMBERS, query)) as CostRow[]
}
