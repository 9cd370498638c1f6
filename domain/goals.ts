// Goal status and attainment history: each goal's KPI per period from the fct_kpis mart,
// judged against its target by the rule in goal-status.ts.
import type { TenantSettings } from '../config/config.ts'
import type { Goal } from '../config/operating-loop.ts'
import type { GoalPeriodResult, GoalReport, KpiRow } from '../definitions/api.ts'
import type { KpiField } from '../definitions/kpis.ts'
import type { Warehouse } from '../warehouse/client.ts'
import { type KpiQuery, queryKpis } from '../warehouse/repositories/kpis.ts'
import { periodEnd, periodStart, periodsBefore, todayIn } from './dates.ts'
import { goalStatus } from './goal-status.ts'
import { isProvisional, lastDayOfRow } from './provisional.ts'
import { slaBreachRates } from './sla/sla-report.ts'

/** Reads KPI rows; the weekly review passes one that answers from rows it already has. */
export type KpiReader = (query: KpiQuery) => Promise<KpiRow[]>

export async function evaluateGoals(
  warehouse: Warehouse,
  tenant: TenantSettings,
  goals: Goal[],
  asOf: string,
  historyPeriods = 8,
  options: { readKpis?: KpiReader; now?: Date } = {},
): Promise<GoalReport[]> {
  const readKpis = options.readKpis ?? ((query: KpiQuery) => queryKpis(warehouse, query))
  // a forward-looking KPI's period is judged only once its window has closed, in real time
  const today = todayIn(tenant.timezone, options.now)
  // One KPI query per (period, segment dimension), shared by the goals that need it and
  // computing only their KPIs.
  // The SLA breach rate is judged in domain/sla (business hours), one read per goal period.
  const isSla = (goal: Goal) => goal.kpi === 'sla_breach_rate'
  const groupOf = (goal: Goal) => `${goal.period}|${isSla(goal) ? 'sla' : (goal.segment?.by ?? '')}`
  const fieldsByGroup = new Map<string, Set<KpiField>>()
  for (const goal of goals) if (goal.kpi !== 'sla_breach_rate') fieldsByGroup.set(groupOf(goal), (fieldsByGroup.get(groupOf(goal)) ?? new Set()).add(goal.kpi))
  const queries = new Map<string, Promise<Record<string, unknown>[]>>()
  const rowsFor = (goal: Goal) => {
    const key = groupOf(goal)
    let rows = queries.get(key)
    if (!rows) {
      const from = periodsBefore(periodStart(asOf, goal.period), goal.period, historyPeriods - 1)
      rows = isSla(goal)
        ? slaBreachRates(warehouse, tenant, { from, to: asOf, grain: goal.period }, options.now)
        : readKpis({
            tenantId: tenant.id,
            timezone: tenant.timezone,
            from,
            to: asOf,
            grain: goal.period,
            by: goal.segment?.by,
            fields: [...fieldsByGroup.get(key)!],
          })
      queries.set(key, rows)
    }
    return rows
  }
  const reports: GoalReport[] = []
  for (const goal of goals) {
    const rows = await rowsFor(goal)
    const current = periodStart(asOf, goal.period)
    const history: GoalPeriodResult[] = []
    for (let n = historyPeriods - 1; n >= 0; n--) {
      const start = periodsBefore(current, goal.period, n)
      const row = rows.find((r) => String(r.period) === start && (!goal.segment || r[goal.segment.by] === goal.segment.value))
      const raw = row?.[goal.kpi]
      const value = typeof raw === 'number' ? raw : raw === null || raw === undefined ? null : Number(raw)
      const provisional = isProvisional(goal.kpi, lastDayOfRow(start, goal.period, asOf), today)
      history.push({ period_start: start, period_end: periodEnd(start, goal.period), value, status: goalStatus(value, goal, provisional) })
    }
    const now = history[history.length - 1]!
    reports.push({
      id: goal.id,
      kpi: goal.kpi,
      segment: goal.segment,
      target: goal.target,
      direction: goal.direction,
      period: goal.period,
      owner: goal.owner,
      at_risk_margin: goal.atRiskMargin,
      source: goal.source,
      status: now.status,
      value: now.value,
      period_start: now.period_start,
      period_end: now.period_end,
      history,
    })
  }
  return reports
}
