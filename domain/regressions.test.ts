// The regression detector on simulated operation: a release that doubles fallbacks and
// escalations on returns is found and attributed to it; unchanged operation raises nothing.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { tenantSettings } from '../config/config.ts'
import { DEMO_USE_CASES } from '../config/operating-loop.ts'
import { simulate } from '../ingest/simulator/simulator.ts'
import { openTestPulso, TEST_KEYS, type TestPulso } from '../tests/helpers.ts'
import { queryBotReleases, queryLastActiveDate, queryRegressionGroups } from '../warehouse/repositories/regression-samples.ts'
import { addDays } from './dates.ts'
import { detectRegressionsPerSample, type RegressionSample, summarizeSamples } from './regressions.test-oracle.ts'
import { detectRegressions, samplesNeededDays } from './regressions.ts'
import { findRegressions } from './regressions-query.ts'

let pulso: TestPulso
const END = new Date(Date.UTC(2026, 2, 31)) // last simulated day: 2026-03-31 (acme and globex are UTC tenants); v1.5.0 from 2026-03-18

async function ingest(events: Record<string, unknown>[], tenantId: string) {
  for (let i = 0; i < events.length; i += 20_000) {
    const batch = events.slice(i, i + 20_000).map((value) => ({ raw: JSON.stringify(value), value }))
    const r = await pulso.intake.ingest(batch, { source: 'test', tenantId })
    expect(r.rejected).toEqual([])
  }
}

beforeAll(async () => {
  const configPath = path.join(mkdtempSync(path.join(tmpdir(), 'pulso-regressions-')), 'pulso.config.yaml')
  writeFileSync(configPath, stringify({ use_cases: { acme: DEMO_USE_CASES } }))
  pulso = await openTestPulso({ PULSO_CONFIG: configPath })
  await ingest(simulate({ tenantId: 'acme', endDate: END, timeZone: 'UTC', days: 45, conversationsPerDay: 120, seed: 7 }), 'acme')
  await ingest(simulate({ tenantId: 'globex', endDate: END, timeZone: 'UTC', days: 30, conversationsPerDay: 120, seed: 11, release: false }), 'globex')
}, 300_000)

afterAll(async () => pulso?.cleanup())

describe('regressions on simulated operation', () => {
  it('finds the escalation regression on returns and attributes it to v1.5.0', async () => {
    const report = await findRegressions(pulso.warehouse, tenantSettings(pulso.config, 'acme'), pulso.config.operatingLoop.regressions, '2026-03-31')
    const onReturns = report.regressions.filter((r) => r.segment?.by === 'use_case' && r.segment.value === 'returns')
    expect(onReturns.map((r) => r.kpi)).toContain('escalation_rate')
    const escalation = onReturns.find((r) => r.kpi === 'escalation_rate')!
    expect(escalation.release?.bot_version).toBe('v1.5.0')
    // The release went out on 2026-03-18; the run of flagged days starts on or after it.
    expect(escalation.first_seen >= '2026-03-18').toBe(true)
    expect(escalation.effect.absolute).toBeGreaterThan(0.05)
    expect(escalation.p_adjusted).toBeLessThan(0.01)
    expect(escalation.current.samples).toBeGreaterThanOrEqual(30)
    // No other use case is blamed: the release did not touch them.
    const otherUseCases = report.regressions.filter((r) => r.segment?.by === 'use_case' && r.segment.value !== 'returns')
    expect(otherUseCases).toEqual([])
  })

  it("the per-day groups of the warehouse sum its per-conversation rows, and give the per-conversation detector's report", async () => {
    const settings = pulso.config.operatingLoop.regressions
    const q = { tenantId: 'acme', timezone: 'UTC', from: addDays('2026-03-31', -samplesNeededDays(settings)), to: '2026-03-31' }
    const groups = await queryRegressionGroups(pulso.warehouse, q)
    const result = await pulso.warehouse.client.query({
      query: `SELECT toString(toDate(started_at, {timezone:String})) AS started_on, use_case, intent, bot_version, channel,
    escalated, bot_resolved, had_fallback, csat_good, frt_s, handoff_wait_s
FROM ${pulso.warehouse.database}.fct_regression_samples
WHERE tenant_id = {tenant_id:String}
  AND toDate(started_at, {timezone:String}) >= {date_from:Date} AND toDate(started_at, {timezone:String}) <= {date_to:Date}`,
      query_params: { tenant_id: q.tenantId, timezone: q.timezone, date_from: q.from, date_to: q.to },
      format: 'JSONEachRow',
    })
    const samples = await result.json<RegressionSample>()
    const ordered = (gs: typeof groups) =>
      gs
        .map((g) => ({
          ...g,
          frt_s_values: [...g.frt_s_values].sort((a, b) => a - b),
          handoff_wait_s_values: [...g.handoff_wait_s_values].sort((a, b) => a - b),
        }))
        .sort((a, b) =>
          JSON.stringify([a.started_on, a.use_case, a.intent, a.bot_version, a.channel]).localeCompare(
            JSON.stringify([b.started_on, b.use_case, b.intent, b.bot_version, b.channel]),
          ),
        )
    expect(samples.length).toBeGreaterThan(3000)
    expect(ordered(groups)).toStrictEqual(ordered(summarizeSamples(samples)))
    const releases = await queryBotReleases(pulso.warehouse, 'acme', 'UTC')
    const report = detectRegressions(groups, releases, '2026-03-31', settings)
    expect(report.regressions.length).toBeGreaterThan(0)
    expect(report).toStrictEqual(detectRegressionsPerSample(samples, releases, '2026-03-31', settings))
    // as_of's default: no conversation in the last 7 days, so all of the tenant's are looked at
    expect(await queryLastActiveDate(pulso.warehouse, 'acme', 'UTC')).toBe('2026-03-31')
    expect(await queryLastActiveDate(pulso.warehouse, 'nobody', 'UTC')).toBeNull()
  })

  it('30 days of unchanged operation raise no regression', async () => {
    const report = await findRegressions(pulso.warehouse, tenantSettings(pulso.config, 'globex'), pulso.config.operatingLoop.regressions, '2026-03-31')
    expect(report.tests_run).toBeGreaterThan(50)
    expect(report.regressions).toEqual([])
  })
})

async function get(url: string, key: string) {
  const response = await pulso.app.request(url, { headers: { authorization: `Bearer ${key}` } })
  return { status: response.status, type: response.headers.get('content-type') ?? '', text: await response.text() }
}

describe('GET /v1/regressions', () => {
  it('lists each regression with KPI, segment, effect, p-value, samples, first seen and release', async () => {
    const response = await get('/v1/regressions?as_of=2026-03-31', TEST_KEYS.acmeRead)
    expect(response.status).toBe(200)
    const body = JSON.parse(response.text)
    expect(body).toMatchObject({ tenant_id: 'acme', as_of: '2026-03-31', window_days: 7, settings: { trailing_weeks: 4, min_samples: 30, fdr: 0.01 } })
    const r = body.regressions.find((x: { kpi: string; segment: { value: string } | null }) => x.kpi === 'escalation_rate' && x.segment?.value === 'returns')
    expect(r).toMatchObject({
      segment: { by: 'use_case', value: 'returns' },
      worse_when: 'higher',
      test: 'two_proportion_z',
      release: { bot_version: 'v1.5.0' },
    })
    expect(Object.keys(r).sort()).toEqual([
      'active',
      'baseline',
      'current',
      'days_flagged',
      'effect',
      'first_seen',
      'kpi',
      'last_seen',
      'p_adjusted',
      'p_value',
      'release',
      'segment',
      'test',
      'worse_when',
    ])
    expect(r.current.value).toBeGreaterThan(r.baseline.value)
    expect((await get('/v1/regressions?as_of=2026-03-31', TEST_KEYS.globexRead)).text).toContain('"regressions":[]')
    const bad = await get('/v1/regressions?as_of=yesterday', TEST_KEYS.acmeRead)
    expect([bad.status, JSON.parse(bad.text).message]).toEqual([400, '`as_of`: expected YYYY-MM-DD'])
  })
})

describe('GET /v1/review', () => {
  it('the weekly review merges question variants, ranks escalation reasons and worst-CSAT intents, compares KPIs', async () => {
    const response = await get('/v1/review?week=2026-W13', TEST_KEYS.acmeRead)
    expect(response.status).toBe(200)
    const review = JSON.parse(response.text)
    expect(review).toMatchObject({ tenant_id: 'acme', week: '2026-W13', from: '2026-03-23', to: '2026-03-29', previous_week: '2026-W12' })
    // "¿Puedo pagar en efectivo al recibir?" and "puedo pagar en efectivo al recibir" are one question
    const cash = review.unanswered_questions.groups.find((g: { question: string }) => g.question === 'puedo pagar en efectivo al recibir')
    expect(cash.examples).toEqual(expect.arrayContaining(['¿Puedo pagar en efectivo al recibir?', 'puedo pagar en efectivo al recibir']))
    // the simulator asks 10 texts that normalise to 7 questions
    expect(review.unanswered_questions.groups).toHaveLength(7)
    const counted = review.unanswered_questions.groups.reduce((s: number, g: { fallbacks: number }) => s + g.fallbacks, 0)
    expect(counted).toBe(review.unanswered_questions.total_fallbacks)
    // each question's trend: its fallbacks in the week before, as that week's own review counts them
    const before = JSON.parse((await get('/v1/review?week=2026-W12', TEST_KEYS.acmeRead)).text)
    const cashBefore = before.unanswered_questions.groups.find((g: { question: string }) => g.question === cash.question)
    expect(cashBefore.fallbacks).toBeGreaterThan(0)
    expect(cash.fallbacks_previous_week).toBe(cashBefore.fallbacks)
    // reasons sorted by count; the simulator's policy handoffs (rejected payments) and fallbacks lead
    const reasons = review.escalation_reasons.map((r: { reason: string }) => r.reason)
    expect(reasons.slice(0, 2).sort()).toEqual(['bot_fallback', 'policy'])
    const scores = review.worst_csat_intents.map((i: { csat_score: number }) => i.csat_score)
    expect(scores).toEqual([...scores].sort((a, b) => a - b))
    expect(review.kpi_deltas.map((d: { kpi: string }) => d.kpi)).toContain('escalation_rate')
    expect(review.use_cases.find((u: { use_case: string }) => u.use_case === 'rejected_payment').bot_kept_human_only).toBeGreaterThan(0)
    expect(review.use_cases.find((u: { use_case: string }) => u.use_case === '(outside)').share).toBeGreaterThan(0.03)
  })

  it('exports Markdown and CSV', async () => {
    const md = await get('/v1/review?week=2026-W13&format=markdown', TEST_KEYS.acmeRead)
    expect(md.type).toContain('text/markdown')
    expect(md.text).toMatch(/^# Weekly review 2026-W13 — acme/)
    for (const heading of [
      '## Goals',
      '## KPIs vs last week',
      '## Unanswered questions',
      '## Top escalation reasons',
      '## Intents with the worst CSAT',
      '## Use cases',
    ])
      expect(md.text).toContain(heading)
    const csv = await get('/v1/review?week=2026-W13&format=csv', TEST_KEYS.acmeRead)
    expect(csv.type).toContain('text/csv')
    const lines = csv.text.trim().split('\n')
    expect(lines[0]).toBe('week,section,item,metric,value,detail')
    expect(lines.some((l) => l.startsWith('2026-W13,unanswered_question,puedo pagar en efectivo al recibir,fallbacks,'))).toBe(true)
    const bad = await get('/v1/review?week=2026-13', TEST_KEYS.acmeRead)
    expect([bad.status, JSON.parse(bad.text).message]).toEqual([400, '`week`: expected an ISO week YYYY-Www, e.g. 2026-W47'])
  })
})
