// The weekly review of one ISO week: what the bot could not answer, why it escalated, where
// customers are least satisfied, how the KPIs moved against last week, the goals, the use cases.
import type { TenantSettings } from '../config/config.ts'
import type { IntentCsat, KpiDelta, WeeklyReview } from '../definitions/api.ts'
import { betterWhen, KPI_FIELDS } from '../definitions/kpis.ts'
import type { Warehouse } from '../warehouse/client.ts'
import { listGoals } from '../warehouse/repositories/goals.ts'
import { type KpiQuery, queryKpis } from '../warehouse/repositories/kpis.ts'
import { queryEscalationReasons, queryFallbackQuestionsByWeek } from '../warehouse/repositories/review.ts'
import { queryScorecard } from '../warehouse/repositories/use-cases.ts'
import { addDays, isoWeekOf, todayIn } from './dates.ts'
import { evaluateGoals } from './goals.ts'
import { provisionalKpis } from './provisional.ts'
import { fallbacksPerGroup, mergeNearDuplicates } from './questions.ts'

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v))

/** Better or worse by the KPI's direction; none for volume (conversations), which is neither. */
function trend(kpi: string, delta: number | null): KpiDelta['trend'] {
  const better = betterWhen(kpi)
  if (delta === null || better === null) return null
  if (Math.abs(delta) < 1e-12) return 'same'
  return delta > 0 === (better === 'higher') ? 'better' : 'worse'
}

export async function buildWeeklyReview(
  warehouse: Warehouse,
  tenant: TenantSettings,
  monday: string,
  options: { questions?: number; intents?: number; minCsatResponses?: number; now?: Date } = {},
): Promise<WeeklyReview> {
  const sunday = addDays(monday, 6)
  const previousMonday = addDays(monday, -7)
  const range = { tenantId: tenant.id, timezone: tenant.timezone, from: monday, to: sunday }
  // This week and last week in one query (Monday-first weeks): the deltas, and the weekly goals'
  // two periods, read these rows instead of querying again.
  const twoWeeks: KpiQuery = { ...range, from: previousMonday, grain: 'week' }
  const isTwoWeeks = (q: KpiQuery) => q.grain === 'week' && !q.by && q.from === twoWeeks.from && q.to === twoWeeks.to
  const [questionsByWeek, reasons, weeks, byIntent, goals, scorecard] = await Promise.all([
    queryFallbackQuestionsByWeek(warehouse, { ...range, from: previousMonday }),
    queryEscalationReasons(warehouse, range),
    queryKpis(warehouse, twoWeeks),
    queryKpis(warehouse, { ...range, grain: 'all', by: 'intent', fields: ['conversations', 'csat_response_rate', 'csat_score', 'csat_avg'] }),
    listGoals(warehouse, tenant.id),
    queryScorecard(warehouse, range),
  ])
  const goalReports = await evaluateGoals(warehouse, tenant, goals, sunday, 2, {
    readKpis: (q) => (isTwoWeeks(q) ? Promise.resolve(weeks) : queryKpis(warehouse, q)),
    now: options.now,
  })
  const current: Record<string, unknown> = weeks.find((r) => String(r.period) === monday) ?? {}
  const previous: Record<string, unknown> = weeks.find((r) => String(r.period) === previousMonday) ?? {}
  // a forward-looking KPI (fcr_rate) of a week whose window has not closed is shown, not compared
  const provisional = new Set(provisionalKpis(sunday, todayIn(tenant.timezone, options.now)))
  const kpiDeltas = KPI_FIELDS.map((kpi): KpiDelta => {
    const c = num(current[kpi])
    const p = num(previous[kpi])
    if (provisional.has(kpi)) return { kpi, current: c, previous: p, delta: null, relative: null, trend: null, provisional: true }
    const delta = c !== null && p !== null ? c - p : null
    return { kpi, current: c, previous: p, delta, relative: delta !== null && p ? delta / Math.abs(p) : null, trend: trend(kpi, delta), provisional: false }
  })
  const minResponses = options.minCsatResponses ?? 5
  const intents = byIntent
    .filter((r) => r.intent !== null && r.intent !== undefined)
    .map(
      (r): IntentCsat => ({
        intent: String(r.intent),
        conversations: Number(r.conversations),
        csat_responses: Math.round(Number(r.conversations) * Number(r.csat_response_rate ?? 0)),
        csat_score: num(r.csat_score),
        csat_avg: num(r.csat_avg),
      }),
    )
    .filter((r) => r.csat_score !== null && r.csat_responses >= minResponses)
    .sort((a, b) => a.csat_score! - b.csat_score! || a.intent.localeCompare(b.intent))
    .slice(0, options.intents ?? 5)
  const questionRows = questionsByWeek.get(monday) ?? []
  const previousQuestionRows = questionsByWeek.get(previousMonday) ?? []
  const groups = mergeNearDuplicates(questionRows)
  const shownGroups = groups.slice(0, options.questions ?? 20)
  const previousFallbacks = fallbacksPerGroup(shownGroups, previousQuestionRows)
  const questions = shownGroups.map((g, i) => ({ ...g, fallbacks_previous_week: previousFallbacks[i]! }))
  return {
    tenant_id: tenant.id,
    week: isoWeekOf(monday),
    from: monday,
    to: sunday,
    previous_week: isoWeekOf(previousMonday),
    currency: tenant.currency,
    conversations: Number(current.conversations ?? 0),
    unanswered_questions: { total_fallbacks: groups.reduce((s, g) => s + g.fallbacks, 0), groups: questions },
    escalation_reasons: reasons.map((r) => ({ ...r, conversations: Number(r.conversations), share: Number(r.share) })),
    worst_csat_intents: intents,
    kpi_deltas: kpiDeltas,
    goals: goalReports,
    use_cases: scorecard,
  }
}
