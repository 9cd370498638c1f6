// Goals and use cases over the API: config and admin API, status transitions, roles, the scorecard.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { runUnitTests } from '../../dbt-like-models/runner/test.ts'
import { event, ndjson, openTestPulso, postEvents, TEST_KEYS, type TestPulso } from '../../tests/helpers.ts'

let pulso: TestPulso

const configFile = () => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'pulso-goals-')), 'pulso.config.yaml')
  writeFileSync(
    file,
    stringify({
      goals: {
        acme: [
          // at most 25% escalated per week; within 0.2 × 0.25 = 0.05 above it is at risk
          { id: 'escalation', kpi: 'escalation_rate', target: 0.25, period: 'week', owner: 'ops@acme.test', at_risk_margin: 0.2 },
          { id: 'returns-resolution', kpi: 'bot_resolution_rate', target: 0.5, segment: { by: 'use_case', value: 'returns' } },
        ],
      },
      use_cases: {
        acme: [
          { name: 'returns', policy: 'bot', intents: ['start_return'] },
          { name: 'rejected_payment', policy: 'human', intents: ['card_declined'] },
        ],
      },
    }),
  )
  return file
}

/** A conversation on Tuesday 2026-03-03: customer asks, bot answers, maybe a handoff. */
function conversation(id: string, fields: { escalated?: boolean; use_case?: string; intent?: string; resolved_by?: 'bot' | 'agent' } = {}) {
  const segment = { ...(fields.use_case ? { use_case: fields.use_case } : {}), ...(fields.intent ? { intent: fields.intent } : {}) }
  const base = { conversation_id: id, ...segment }
  return [
    event({ ...base, event_id: `${id}-1`, occurred_at: '2026-03-03T10:00:00Z', sender: 'customer' }),
    event({ ...base, event_id: `${id}-2`, occurred_at: '2026-03-03T10:00:03Z', sender: 'bot' }),
    ...(fields.escalated
      ? [
          event({
            ...base,
            event_id: `${id}-3`,
            type: 'handoff',
            occurred_at: '2026-03-03T10:01:00Z',
            reason: 'customer_request',
            context: { transcript: true, customer_profile: true, intent: 'x' },
          }),
        ]
      : []),
    ...(fields.resolved_by
      ? [event({ ...base, event_id: `${id}-4`, type: 'resolved', occurred_at: '2026-03-03T10:05:00Z', resolved_by: fields.resolved_by })]
      : []),
  ]
}

async function api(method: string, url: string, key: string, body?: unknown) {
  const response = await pulso.app.request(url, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  })
  const text = await response.text()
  return { status: response.status, body: text ? JSON.parse(text) : null }
}

const goal = async (id: string) =>
  (await api('GET', '/v1/goals?as_of=2026-03-08&history=2', TEST_KEYS.acmeRead)).body.goals.find((g: { id: string }) => g.id === id)

beforeAll(async () => {
  pulso = await openTestPulso({ PULSO_CONFIG: configFile() })
})
afterAll(async () => pulso?.cleanup())

describe('goals', () => {
  it('the models behind goals, use cases and regressions pass their unit tests', async () => {
    const mine = new Set([
      'stg_goals',
      'stg_use_cases',
      'fct_conversation_use_cases',
      'fct_use_case_scorecard',
      'fct_fallback_questions',
      'fct_regression_samples',
      'dim_bot_releases',
    ])
    const results = await runUnitTests(pulso.warehouse, { ...pulso.project, unitTests: pulso.project.unitTests.filter((t) => mine.has(t.model)) })
    expect(results.length).toBeGreaterThanOrEqual(7)
    expect(results.filter((r) => !r.passed)).toEqual([])
  })

  it('a goal from the config file moves on track → at risk → off track as escalations arrive', async () => {
    // 10 conversations, 2 escalated → 0.2 ≤ 0.25: on track
    const events = Array.from({ length: 10 }, (_, i) => conversation(`c${i}`, { escalated: i < 2 })).flat()
    expect((await postEvents(pulso, TEST_KEYS.acmeIngest, ndjson(events))).status).toBe(200)
    let g = await goal('escalation')
    expect(g).toMatchObject({
      kpi: 'escalation_rate',
      direction: 'at_most',
      source: 'config',
      period_start: '2026-03-02',
      period_end: '2026-03-08',
      value: 0.2,
      status: 'on_track',
      owner: 'ops@acme.test',
    })
    // history: the week before had no conversations
    expect(g.history.map((h: { period_start: string; status: string }) => [h.period_start, h.status])).toEqual([
      ['2026-02-23', 'no_data'],
      ['2026-03-02', 'on_track'],
    ])

    // a third handoff → 0.3: misses by 0.05 ≤ 0.2 × 0.25 → at risk
    await postEvents(
      pulso,
      TEST_KEYS.acmeIngest,
      ndjson([
        event({
          conversation_id: 'c2',
          event_id: 'c2-h',
          type: 'handoff',
          occurred_at: '2026-03-03T10:02:00Z',
          reason: 'other',
          context: { transcript: false, customer_profile: false, intent: null },
        }),
      ]),
    )
    g = await goal('escalation')
    expect([g.value, g.status]).toEqual([0.3, 'at_risk'])

    // a fourth → 0.4: misses by 0.15 > 0.05 → off track
    await postEvents(
      pulso,
      TEST_KEYS.acmeIngest,
      ndjson([
        event({
          conversation_id: 'c3',
          event_id: 'c3-h',
          type: 'handoff',
          occurred_at: '2026-03-03T10:02:00Z',
          reason: 'other',
          context: { transcript: false, customer_profile: false, intent: null },
        }),
      ]),
    )
    g = await goal('escalation')
    expect([g.value, g.status]).toEqual([0.4, 'off_track'])
  })

  it('a segment goal reads its segment only', async () => {
    await postEvents(
      pulso,
      TEST_KEYS.acmeIngest,
      ndjson([...conversation('r1', { use_case: 'returns', resolved_by: 'bot' }), ...conversation('r2', { use_case: 'returns', escalated: true })]),
    )
    // returns: r1 bot-resolved, r2 escalated → 1/2 = 0.5 ≥ 0.5
    expect(await goal('returns-resolution')).toMatchObject({
      segment: { by: 'use_case', value: 'returns' },
      value: 0.5,
      status: 'on_track',
      direction: 'at_least',
    })
  })

  it('admins create, change and delete goals; readers cannot; config goals are read-only', async () => {
    const created = await api('POST', '/v1/goals', TEST_KEYS.acmeAdmin, { id: 'csat', kpi: 'csat_score', target: 80, owner: 'cx@acme.test' })
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({ tenant_id: 'acme', goal: { id: 'csat', direction: 'at_least', period: 'week', source: 'api', at_risk_margin: 0.1 } })
    expect(created.body.goal).not.toHaveProperty('atRiskMargin')
    expect((await api('POST', '/v1/goals', TEST_KEYS.acmeAdmin, { id: 'csat', kpi: 'csat_score', target: 80 })).status).toBe(409)
    expect((await api('POST', '/v1/goals', TEST_KEYS.acmeRead, { kpi: 'csat_score', target: 80 })).status).toBe(403)
    const invalid = await api('POST', '/v1/goals', TEST_KEYS.acmeAdmin, { kpi: 'happiness', target: 80 })
    expect(invalid.status).toBe(400)
    expect(invalid.body.message).toMatch(/^`kpi`: expected one of/)
    // a field of the wrong type is named with the rule it broke; a missing one "is required"
    expect((await api('POST', '/v1/goals', TEST_KEYS.acmeAdmin, { kpi: 'csat_score', target: 'eighty' })).body.message).toBe('`target`: expected a number')
    expect((await api('POST', '/v1/goals', TEST_KEYS.acmeAdmin, { kpi: 'csat_score' })).body.message).toBe('`target`: is required')
    // every field at fault is named, the one given with a wrong value first
    expect((await api('PUT', '/v1/goals/csat', TEST_KEYS.acmeAdmin, { target: 'high' })).body.message).toBe('`target`: expected a number; `kpi`: is required')
    // a rate is a fraction: 80 meant as 80 % would never be met
    const percent = await api('POST', '/v1/goals', TEST_KEYS.acmeAdmin, { kpi: 'bot_resolution_rate', target: 80 })
    expect([percent.status, percent.body]).toEqual([
      400,
      { error: 'bad_request', message: '`target`: bot_resolution_rate is a rate: expected a fraction from 0 to 1, got 80; for 80 % send 0.8' },
    ])
    const changed = await api('PUT', '/v1/goals/csat', TEST_KEYS.acmeAdmin, { kpi: 'csat_score', target: 85 })
    expect(changed.status).toBe(200)
    // a write answers the goal as GET /v1/goals/:id does: snake_case, evaluated today
    expect(Object.keys(changed.body).sort()).toEqual(['as_of', 'goal', 'tenant_id'])
    expect(changed.body.goal).toMatchObject({ id: 'csat', target: 85, at_risk_margin: 0.1, source: 'api', period_start: expect.any(String) })
    expect(Object.keys(changed.body.goal).filter((key) => /[A-Z]/.test(key))).toEqual([])
    expect((await api('GET', '/v1/goals/csat?as_of=2026-03-08', TEST_KEYS.acmeRead)).body.goal).toMatchObject({ target: 85, status: 'no_data' })
    expect((await api('PUT', '/v1/goals/escalation', TEST_KEYS.acmeAdmin, { kpi: 'escalation_rate', target: 0.5 })).status).toBe(409)
    expect((await api('DELETE', '/v1/goals/escalation', TEST_KEYS.acmeAdmin)).status).toBe(409)
    expect((await api('DELETE', '/v1/goals/csat', TEST_KEYS.acmeAdmin)).status).toBe(204)
    expect((await api('GET', '/v1/goals/csat', TEST_KEYS.acmeRead)).status).toBe(404)
    // another tenant sees none of acme's goals
    expect((await api('GET', '/v1/goals', TEST_KEYS.globexRead)).body.goals).toEqual([])
  })
})

describe('use cases', () => {
  it('the registry comes from the config file and the admin API', async () => {
    expect((await api('PUT', '/v1/use-cases/faq', TEST_KEYS.acmeAdmin, { policy: 'bot', intents: ['store_hours'] })).status).toBe(201)
    expect((await api('PUT', '/v1/use-cases/faq', TEST_KEYS.acmeRead, { policy: 'bot' })).status).toBe(403)
    const bad = await api('PUT', '/v1/use-cases/faq', TEST_KEYS.acmeAdmin, { policy: 'robot' })
    expect([bad.status, bad.body.message]).toEqual([400, '`policy`: expected bot (the bot handles it) or human (route to a human)'])
    const list = (await api('GET', '/v1/use-cases', TEST_KEYS.acmeRead)).body.use_cases
    expect(list.map((u: { name: string; policy: string; source: string }) => [u.name, u.policy, u.source])).toEqual([
      ['faq', 'bot', 'api'],
      ['rejected_payment', 'human', 'config'],
      ['returns', 'bot', 'config'],
    ])
  })

  it('the scorecard counts each use case, the conversations outside all, and human-only cases the bot kept', async () => {
    await postEvents(
      pulso,
      TEST_KEYS.acmeIngest,
      ndjson([...conversation('p1', { intent: 'card_declined' }), ...conversation('p2', { use_case: 'rejected_payment', escalated: true })]),
    )
    const card = (await api('GET', '/v1/use-cases/scorecard?from=2026-03-01&to=2026-03-08', TEST_KEYS.acmeRead)).body
    const row = (name: string) => card.rows.find((r: { use_case: string }) => r.use_case === name)
    // 14 conversations: c0–c9 have no use case or intent (outside), r1–r2 returns, p1–p2 rejected_payment (p1 by intent)
    expect(row('returns')).toMatchObject({ conversations: 2, bot_resolution_rate: 0.5, escalation_rate: 0.5, bot_kept_human_only: 0 })
    expect(row('rejected_payment')).toMatchObject({ policy: 'human', conversations: 2, escalation_rate: 0.5, bot_kept_human_only: 1 })
    expect(row('faq')).toMatchObject({ conversations: 0, bot_resolution_rate: null })
    expect(row('(outside)')).toMatchObject({ in_registry: false, conversations: 10 })
    expect(card.outside_share).toBeCloseTo(10 / 14, 10)
    expect(card.bot_kept_human_only).toBe(1)
    const kept = (await api('GET', '/v1/use-cases/bot-kept-human-only?from=2026-03-01&to=2026-03-08', TEST_KEYS.acmeRead)).body
    expect(kept.total).toBe(1)
    expect(kept.conversations.map((c: { conversation_id: string; use_case: string }) => [c.conversation_id, c.use_case])).toEqual([['p1', 'rejected_payment']])
  })

  it("drills from each scorecard number to its conversations: /v1/conversations filters by the scorecard's row and the bot-kept flag", async () => {
    const range = 'from=2026-03-01&to=2026-03-08'
    const card = (await api('GET', `/v1/use-cases/scorecard?${range}`, TEST_KEYS.acmeRead)).body
    const row = (name: string) => card.rows.find((r: { use_case: string }) => r.use_case === name)
    const list = async (query: string) => (await api('GET', `/v1/conversations?${range}&${query}`, TEST_KEYS.acmeRead)).body
    const ids = (body: { rows: { conversation_id: string }[] }) => body.rows.map((r) => r.conversation_id).sort()
    // p1 (intent card_declined → rejected_payment, human, no handoff) is the one the bot kept
    const kept = await list('flag=bot_kept_human_only')
    expect([kept.total, ids(kept)]).toEqual([card.bot_kept_human_only, ['p1']])
    // rejected_payment holds p1 (by intent) and p2 (by name); of them p2 escalated: 2 × 0.5 = 1
    expect(ids(await list('registry_use_case=rejected_payment'))).toEqual(['p1', 'p2'])
    expect(ids(await list('registry_use_case=rejected_payment&flag=escalated'))).toEqual(['p2'])
    // the conversations outside every use case: as many as the scorecard's (outside) row
    const outside = await list('registry_use_case=(outside)&limit=500')
    expect(outside.total).toBe(row('(outside)').conversations)
    expect(outside.total).toBe(10)
    expect((await list('registry_use_case=faq')).total).toBe(0)
    expect((await list('flag=bot_kept_human_only,escalated')).total).toBe(0)
  })
})
