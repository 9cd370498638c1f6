// The operating loop's configuration sections: goals, use cases, regressions and alerts.
// Parsed once by loadConfig (config.ts) from the config file; the rest of Pulso gets typed values.
import { z } from 'zod'
import {
  defaultGoalDirection,
  GOAL_DIRECTIONS,
  GOAL_KPIS,
  GOAL_PERIODS,
  type GoalDirection,
  type GoalKpi,
  type GoalPeriod,
  KPI_CATALOG,
  SEGMENTS,
  type Segment,
} from '../definitions/kpis.ts'

const goalIdSchema = z.string().regex(/^[a-z0-9_.-]{1,64}$/, 'goal ids are 1–64 characters of [a-z0-9_.-]')

/**
 * Why a target cannot be meant for its KPI, or null. A rate is a fraction 0–1 everywhere in Pulso
 * (the API, the models), so a rate goal of 80 — meant as 80 % — would never be met.
 */
function targetOutOfRange(kpi: GoalKpi, target: number): string | null {
  if (KPI_CATALOG[kpi].unit !== 'rate' || (target >= 0 && target <= 1)) return null
  const percent = target > 1 && target <= 100 ? `; for ${target} % send ${Number((target / 100).toFixed(6))}` : ''
  return `${kpi} is a rate: expected a fraction from 0 to 1, got ${target}${percent}`
}

export const goalInputSchema = z
  .object({
    id: goalIdSchema.optional(),
    kpi: z.enum(GOAL_KPIS as [GoalKpi, ...GoalKpi[]], { error: `expected one of ${GOAL_KPIS.join(', ')}` }),
    target: z.number({ error: 'expected a number' }),
    /** Defaults from the KPI catalog: at_most where lower is better (times, escalation, cost), at_least otherwise. */
    direction: z.enum(GOAL_DIRECTIONS, { error: 'expected at_least or at_most' }).optional(),
    period: z.enum(GOAL_PERIODS, { error: 'expected day, week or month' }).default('week'),
    owner: z.string().max(200).default(''),
    segment: z
      .object({ by: z.enum(SEGMENTS, { error: `expected one of ${SEGMENTS.join(', ')}` }), value: z.string().min(1, 'must not be empty') })
      .nullable()
      .optional(),
    /** How far (a fraction of the target) a value may miss before the goal is off track rather than at risk. */
    at_risk_margin: z.number().min(0, 'must be ≥ 0').max(1, 'must be ≤ 1').default(0.1),
  })
  .superRefine((goal, context) => {
    const problem = targetOutOfRange(goal.kpi, goal.target)
    if (problem) context.addIssue({ code: 'custom', path: ['target'], message: problem })
    // the SLA is judged for the whole tenant (its policies already differ per queue)
    if (goal.kpi === 'sla_breach_rate' && goal.segment)
      context.addIssue({ code: 'custom', path: ['segment'], message: 'sla_breach_rate goals are for the whole tenant: no segment' })
  })
export type GoalInput = z.input<typeof goalInputSchema>

export type Goal = {
  tenantId: string
  id: string
  kpi: GoalKpi
  target: number
  direction: GoalDirection
  period: GoalPeriod
  owner: string
  segment: { by: Segment; value: string } | null
  atRiskMargin: number
  source: 'config' | 'api'
}

/** A goal as validated input → the stored shape, with its id and direction filled in. */
export function toGoal(tenantId: string, input: z.output<typeof goalInputSchema>, source: Goal['source']): Goal {
  const segment = input.segment ?? null
  const id =
    input.id ??
    [input.kpi, segment ? `${segment.by}-${segment.value}` : '', input.period]
      .filter(Boolean)
      .join('.')
      .toLowerCase()
      .replace(/[^a-z0-9_.-]/g, '_')
      .slice(0, 64)
  return {
    tenantId,
    id,
    kpi: input.kpi,
    target: input.target,
    direction: input.direction ?? defaultGoalDirection(input.kpi),
    period: input.period,
    owner: input.owner,
    segment,
    atRiskMargin: input.at_risk_margin,
    source,
  }
}

export const USE_CASE_POLICIES = ['bot', 'human'] as const
export const useCaseInputSchema = z.object({
  name: z.string().regex(/^[a-z0-9_-]{1,64}$/, 'use case names are 1–64 characters of [a-z0-9_-]'),
  /** bot: the bot handles it; human: the bot routes it to a person. */
  policy: z.enum(USE_CASE_POLICIES, { error: 'expected bot (the bot handles it) or human (route to a human)' }),
  intents: z.array(z.string().min(1).max(128)).default([]),
  description: z.string().max(500).default(''),
})
export type UseCase = z.output<typeof useCaseInputSchema> & { tenantId: string; source: 'config' | 'api' }

export const regressionSettingsSchema = z.object({
  /** Days in the current window (ending on the as-of date). */
  window_days: z.number().int().min(1).max(28).default(7),
  /** Trailing weeks whose same weekdays form the seasonal baseline. */
  trailing_weeks: z.number().int().min(1).max(12).default(4),
  /** Fewest conversations on each side of a comparison before it is tested at all. */
  min_samples: z.number().int().min(5).default(30),
  /** Benjamini–Hochberg false discovery rate over all tests of one evaluation. */
  fdr: z.number().gt(0).lt(0.5).default(0.01),
  /** Smallest relative change (|current − baseline| / baseline) worth calling a regression. */
  min_relative_effect: z.number().min(0).default(0.2),
  /** Days before the as-of date that are evaluated too (each as the end of a window). */
  lookback_days: z.number().int().min(0).max(60).default(14),
  /** Evaluation days a KPI × segment must be flagged on before it is reported (noise guard). */
  min_days_flagged: z.number().int().min(1).default(2),
})
export type RegressionSettings = z.output<typeof regressionSettingsSchema>

export const alertsSchema = z.object({
  /** Base URL of the dashboard; alert messages link into it. */
  dashboard_url: z.string().url('expected an absolute URL such as https://pulso.example.com').default('http://localhost:8080'),
  interval_minutes: z.number().positive().default(15),
  webhooks: z.array(z.object({ url: z.string().url('expected an absolute http(s) URL'), tenant: z.string().optional() })).default([]),
})
export type AlertsSettings = z.output<typeof alertsSchema>

export const operatingLoopFileSchema = z.object({
  goals: z.record(z.string(), z.array(goalInputSchema)).default({}),
  use_cases: z.record(z.string(), z.array(useCaseInputSchema)).default({}),
  regressions: regressionSettingsSchema.default(regressionSettingsSchema.parse({})),
  alerts: alertsSchema.default(alertsSchema.parse({})),
})

export type OperatingLoopConfig = { goals: Goal[]; useCases: UseCase[]; regressions: RegressionSettings; alerts: AlertsSettings }

/** Goals and use cases of the demo tenant, used when the demo is on and the file defines none for it. */
export const DEMO_GOALS: z.input<typeof goalInputSchema>[] = [
  { id: 'csat', kpi: 'csat_score', target: 80, period: 'week', owner: 'cx-director@demo.example' },
  { id: 'bot-resolution', kpi: 'bot_resolution_rate', target: 0.6, period: 'week', owner: 'bot-lead@demo.example' },
  { id: 'escalation', kpi: 'escalation_rate', target: 0.25, period: 'week', owner: 'ops-lead@demo.example' },
  {
    id: 'escalation-returns',
    kpi: 'escalation_rate',
    target: 0.15,
    period: 'week',
    owner: 'ops-lead@demo.example',
    segment: { by: 'use_case', value: 'returns' },
  },
  { id: 'frt', kpi: 'frt_p50_s', target: 5, period: 'week', owner: 'ops-lead@demo.example' },
  { id: 'handoff-wait', kpi: 'handoff_wait_p50_s', target: 180, period: 'week', owner: 'ops-lead@demo.example' },
  { id: 'cost', kpi: 'cost_per_conversation', target: 5, period: 'month', owner: 'cfo@demo.example' },
]
export const DEMO_USE_CASES: z.input<typeof useCaseInputSchema>[] = [
  {
    name: 'order_status',
    policy: 'bot',
    intents: ['where_is_my_order', 'delivery_date', 'change_address'],
    description: 'Where is my order, delivery dates, address changes.',
  },
  { name: 'returns', policy: 'bot', intents: ['start_return', 'refund_status', 'exchange_size'], description: 'Returns, refunds and exchanges.' },
  {
    name: 'rejected_payment',
    policy: 'human',
    intents: ['card_declined', 'double_charge', 'payment_pending'],
    description: 'Declined cards and double charges: a person handles money.',
  },
  { name: 'faq', policy: 'bot', intents: ['store_hours', 'shipping_cost', 'warranty'], description: 'Store hours, shipping cost, warranty.' },
]

/** Reads the goals, use_cases, regressions and alerts sections; `issuePath` names the failing field. */
export function parseOperatingLoop(file: Record<string, unknown>, demo: boolean): OperatingLoopConfig | { error: string } {
  const parsed = operatingLoopFileSchema.safeParse(file)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    return { error: `${issue.path.join('.')}: ${issue.message}` }
  }
  const goalsByTenant = { ...parsed.data.goals }
  const useCasesByTenant = { ...parsed.data.use_cases }
  if (demo) {
    goalsByTenant.demo ??= DEMO_GOALS.map((g) => goalInputSchema.parse(g))
    useCasesByTenant.demo ??= DEMO_USE_CASES.map((u) => useCaseInputSchema.parse(u))
  }
  const goals = Object.entries(goalsByTenant).flatMap(([tenant, list]) => list.map((g) => toGoal(tenant, g, 'config')))
  const seen = new Set<string>()
  for (const g of goals) {
    const key = `${g.tenantId}/${g.id}`
    if (seen.has(key)) return { error: `goals.${g.tenantId}: goal id '${g.id}' is used twice; give each goal a distinct id` }
    seen.add(key)
  }
  const useCases = Object.entries(useCasesByTenant).flatMap(([tenant, list]) => list.map((u) => ({ ...u, tenantId: tenant, source: 'config' as const })))
  return { goals, useCases, regressions: parsed.data.regressions, alerts: parsed.data.alerts }
}
