// The weekly review's Markdown says what the dashboard says: a rate's change in percentage points,
// the tenant by its name, and each goal's value under the goal's own period.
import { describe, expect, it } from 'vitest'
import type { GoalReport, WeeklyReview } from '../definitions/api.ts'
import { reviewToCsv, reviewToMarkdown } from './review-export.ts'

function goal(fields: Partial<GoalReport> & Pick<GoalReport, 'id' | 'kpi' | 'period' | 'target' | 'value' | 'period_start' | 'period_end'>): GoalReport {
  return {
    segment: null,
    direction: 'at_most',
    owner: 'ops@demo.example',
    at_risk_margin: 0.1,
    source: 'config',
    status: 'on_track',
    history: [{ period_start: fields.period_start, period_end: fields.period_end, value: fields.value, status: fields.status ?? 'on_track' }],
    ...fields,
  }
}

// ISO week 2026-W47: Monday 16 to Sunday 22 November
const review: WeeklyReview = {
  tenant_id: 'demo',
  week: '2026-W47',
  from: '2026-11-16',
  to: '2026-11-22',
  previous_week: '2026-W46',
  currency: 'MXN',
  conversations: 740,
  unanswered_questions: { total_fallbacks: 0, groups: [] },
  escalation_reasons: [],
  worst_csat_intents: [],
  kpi_deltas: [
    // escalation 0.20 → 0.25: +5.0 pp (the relative change, +25 %, is what the dashboard does not show for rates)
    { kpi: 'escalation_rate', current: 0.25, previous: 0.2, delta: 0.05, relative: 0.25, trend: 'worse', provisional: false },
    // a first response time 4 s → 5 s: +25.0 %
    { kpi: 'frt_p50_s', current: 5, previous: 4, delta: 1, relative: 0.25, trend: 'worse', provisional: false },
    { kpi: 'fcr_rate', current: 0.9, previous: 0.8, delta: null, relative: null, trend: null, provisional: true },
  ],
  goals: [
    goal({ id: 'escalation', kpi: 'escalation_rate', period: 'week', target: 0.25, value: 0.25, period_start: '2026-11-16', period_end: '2026-11-22' }),
    // the month of November to the review's Sunday, not the week
    goal({ id: 'cost', kpi: 'cost_per_conversation', period: 'month', target: 5, value: 4.2, period_start: '2026-11-01', period_end: '2026-11-30' }),
  ],
  use_cases: [],
}

describe('the weekly review in Markdown', () => {
  const markdown = reviewToMarkdown(review, { name: 'Demo Retail' })

  it('names the tenant, not its id', () => {
    expect(markdown.split('\n')[0]).toBe('# Weekly review 2026-W47 — Demo Retail')
  })

  it("gives a rate's change in percentage points and another KPI's relative to last week", () => {
    expect(markdown).toContain('| escalation_rate | 25.0% | 20.0% | +5.0 pp | worse |')
    expect(markdown).toContain('| frt_p50_s | 5 | 4 | +25.0% | worse |')
    expect(markdown).toContain('| fcr_rate | 90.0% | 80.0% | provisional |  |')
  })

  it("puts each goal's value under its own period", () => {
    expect(markdown).toContain('| goal | KPI | segment | target | period | value | status | owner |')
    expect(markdown).toContain('| escalation | escalation_rate | all | ≤ 25.0% | week 2026-W47 | 25.0% | on track | ops@demo.example |')
    expect(markdown).toContain('| cost | cost_per_conversation | all | ≤ 5 | month 2026-11 to 2026-11-22 | 4.20 | on track | ops@demo.example |')
    expect(markdown).not.toContain('| target | this week |')
  })

  it('says the same period in the CSV', () => {
    expect(reviewToCsv(review)).toContain(
      '2026-W47,goal,cost,cost_per_conversation,4.2,period=month 2026-11 to 2026-11-22; status=on_track; target at_most 5; owner ops@demo.example',
    )
  })
})
