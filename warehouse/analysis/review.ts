// The weekly review of one ISO week: what the bot could not answer, why it escalated, where
// customers are least satisfied, how the KPIs moved against last week, the goals, the use cases.
import type { PulsoConfig, TenantSettings } from '../../config/config.ts'
import { LOWER_IS_BETTER } from '../../config/operating-loop.ts'
import type { Warehouse } from '../client.ts'
import { KPI_FIELDS, queryKpis } from '../repositories/kpis.ts'
import { queryEscalationReasons, queryFallbackQuestions, type EscalationReasonRow } from '../repositories/review.ts'
import { queryScorecard, type ScorecardRow } from '../repositories/use-cases.ts'
import { listGoals } from '../repositories/goals.ts'
import { addDays, isoWeekOf } from './dates.ts'
import { evaluateGoals, type GoalReport } from './goals.ts'
import { mergeNearDuplicates, type QuestionGroup } from './questions.ts'

export type KpiDelta = { kpi: string; current: number | null; previous: number | null; delta: number | null; relative: number | null; trend: 'better' | 'worse' | 'same' | null }
export type IntentCsat = { intent: string; conversations: number; csat_responses: number; csat_score: number | null; csat_avg: number | null }

export type WeeklyReview = {
  tenant_id: string
  week: string
  from: string
  to: string
  previous_week: string
  currency: string
  conversations: number
  unanswered_questions: { total_fallbacks: number; groups: QuestionGroup[] }
  escalation_reasons: EscalationReasonRow[]
  worst_csat_intents: IntentCsat[]
  kpi_deltas: KpiDelta[]
  goals: GoalReport[]
  use_cases: ScorecardRow[]
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v))

function trend(kpi: string, delta: number | null): KpiDelta['trend'] {
  if (delta === null) return null
  if (Math.abs(delta) < 1e-12) return 'same'
  // conversations is volume, not quality: more is neither better nor worse, call it by sign
  const lowerIsBetter = LOWER_IS_BETTER.has(kpi)
  return (delta < 0) === lowerIsBetter ? 'better' : 'worse'
}

export async function buildWeeklyReview(
  warehouse: Warehouse,
  config: PulsoConfig,
  tenant: TenantSettings,
  monday: string,
  options: { questions?: number; intents?: number; minCsatResponses?: number } = {},
): Promise<WeeklyReview> {
  const sunday = addDays(monday, 6)
  const previousMonday = addDays(monday, -7)
  const range = { tenantId: tenant.id, timezone: tenant.timezone, from: monday, to: sunday }
  const [questionRows, reasons, thisWeek, lastWeek, byIntent, goals, scorecard] = await Promise.all([
    queryFallbackQuestions(warehouse, range),
    queryEscalationReasons(warehouse, range),
    queryKpis(warehouse, { ...range, grain: 'all' }),
    queryKpis(warehouse, { ...range, from: previousMonday, to: addDays(previousMonday, 6), grain: 'all' }),
    queryKpis(warehouse, { ...range, grain: 'all', by: 'intent' }),
    listGoals(warehouse, tenant.id),
    queryScorecard(warehouse, range),
  ])
  const current: Record<string, unknown> = thisWeek[0] ?? {}
  const previous: Record<string, unknown> = lastWeek[0] ?? {}
  const kpiDeltas = KPI_FIELDS.map((kpi): KpiDelta => {
    const c = num(current[kpi])
    const p = num(previous[kpi])
    const delta = c !== null && p !== null ? c - p : null
    return { kpi, current: c, previous: p, delta, relative: delta !== null && p ? delta / Math.abs(p) : null, trend: kpi === 'conversations' ? null : trend(kpi, delta) }
  })
  const minResponses = options.minCsatResponses ?? 5
  const intents = byIntent
    .filter((r) => r.intent !== null && r.intent !== undefined)
    .map((r): IntentCsat => ({
      intent: String(r.intent),
      conversations: Number(r.conversations),
      csat_responses: Math.round(Number(r.conversations) * Number(r.csat_response_rate ?? 0)),
      csat_score: num(r.csat_score),
      csat_avg: num(r.csat_avg),
    }))
    .filter((r) => r.csat_score !== null && r.csat_responses >= minResponses)
    .sort((a, b) => a.csat_score! - b.csat_score! || a.intent.localeCompare(b.intent))
    .slice(0, options.intents ?? 5)
  const groups = mergeNearDuplicates(questionRows)
  return {
    tenant_id: tenant.id,
    week: isoWeekOf(monday),
    from: monday,
    to: sunday,
    previous_week: isoWeekOf(previousMonday),
    currency: tenant.currency,
    conversations: Number(current.conversations ?? 0),
    unanswered_questions: { total_fallbacks: groups.reduce((s, g) => s + g.fallbacks, 0), groups: groups.slice(0, options.questions ?? 20) },
    escalation_reasons: reasons.map((r) => ({ ...r, conversations: Number(r.conversations), share: Number(r.share) })),
    worst_csat_intents: intents,
    kpi_deltas: kpiDeltas,
    goals: await evaluateGoals(warehouse, tenant, goals, sunday, 2),
    use_cases: scorecard,
  }
}

