// Goals in the warehouse: every version is kept in the goals table; stg_goals is the live list.
import type { Goal } from '../../config/operating-loop.ts'
import { insertRows, queryRows, type Warehouse } from '../client.ts'
import { nextVersionTime } from './version-time.ts'

type GoalRow = {
  tenant_id: string
  goal_id: string
  kpi: string
  segment_by: string
  segment_value: string
  target: number
  direction: string
  period: string
  owner: string
  at_risk_margin: number
  source: string
}

function fromRow(row: GoalRow): Goal {
  return {
    tenantId: row.tenant_id,
    id: row.goal_id,
    kpi: row.kpi as Goal['kpi'],
    target: Number(row.target),
    direction: row.direction as Goal['direction'],
    period: row.period as Goal['period'],
    owner: row.owner,
    segment: row.segment_by ? { by: row.segment_by as NonNullable<Goal['segment']>['by'], value: row.segment_value } : null,
    atRiskMargin: Number(row.at_risk_margin),
    source: row.source as Goal['source'],
  }
}

function toRow(goal: Goal, deleted = false) {
  return {
    tenant_id: goal.tenantId,
    goal_id: goal.id,
    kpi: goal.kpi,
    segment_by: goal.segment?.by ?? '',
    segment_value: goal.segment?.value ?? '',
    target: goal.target,
    direction: goal.direction,
    period: goal.period,
    owner: goal.owner,
    at_risk_margin: goal.atRiskMargin,
    source: goal.source,
    deleted: deleted ? 1 : 0,
    updated_at: nextVersionTime(),
  }
}

/** Live goals; of one tenant when `tenantId` is given. */
export async function listGoals(warehouse: Warehouse, tenantId?: string): Promise<Goal[]> {
  const rows = await queryRows<GoalRow>(
    warehouse,
    `SELECT tenant_id, goal_id, kpi, segment_by, segment_value, target, direction, period, owner, at_risk_margin, source
FROM ${warehouse.database}.stg_goals
WHERE {all:Bool} OR tenant_id = {tenant_id:String}
ORDER BY tenant_id, goal_id`,
    { all: tenantId === undefined, tenant_id: tenantId ?? '' },
  )
  return rows.map(fromRow)
}

export async function saveGoals(warehouse: Warehouse, goals: Goal[]): Promise<void> {
  if (goals.length === 0) return
  await insertRows(
    warehouse,
    `${warehouse.database}.goals`,
    goals.map((g) => toRow(g)),
  )
}

export async function deleteGoals(warehouse: Warehouse, goals: Goal[]): Promise<void> {
  if (goals.length === 0) return
  await insertRows(
    warehouse,
    `${warehouse.database}.goals`,
    goals.map((g) => toRow(g, true)),
  )
}

/** Same definition (ignores where it came from). */
export function sameGoal(a: Goal, b: Goal): boolean {
  return (
    a.kpi === b.kpi &&
    a.target === b.target &&
    a.direction === b.direction &&
    a.period === b.period &&
    a.owner === b.owner &&
    a.atRiskMargin === b.atRiskMargin &&
    (a.segment?.by ?? '') === (b.segment?.by ?? '') &&
    (a.segment?.value ?? '') === (b.segment?.value ?? '') &&
    a.source === b.source
  )
}
