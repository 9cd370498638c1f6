// Events in through POST /v1/events, KPIs out of GET /v1/kpis, on real chDB.
// Every expected number is computed by hand in the comments.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KPI_FIELDS } from '../../definitions/kpis.ts'
import { event, getKpis, ndjson, openTestPulso, postEvents, TEST_KEYS, type TestPulso } from '../../tests/helpers.ts'

let pulso: TestPulso

const acme = (fields: Record<string, unknown>) => event({ tenant_id: 'acme', ...fields })
const context = (full: boolean) => ({ transcript: true, customer_profile: full, intent: full ? 'returns' : null })

// acme's tenant time zone is UTC (a tenant known only by its keys gets the defaults).
const firstBatch = [
  // c1: customer 10:00:00, bot 10:00:02 → frt 2; resolved by the bot; CSAT 2 now, 5 two days later.
  acme({
    event_id: 'c1-1',
    conversation_id: 'c1',
    customer_id: '+52 55 1111 2222',
    use_case: 'order_status',
    occurred_at: '2024-03-01T10:00:00Z',
    sender: 'customer',
  }),
  acme({ event_id: 'c1-2', conversation_id: 'c1', occurred_at: '2024-03-01T10:00:02Z', sender: 'bot' }),
  acme({ event_id: 'c1-3', conversation_id: 'c1', occurred_at: '2024-03-01T10:05:00Z', type: 'resolved', resolved_by: 'bot' }),
  acme({ event_id: 'c1-4', conversation_id: 'c1', occurred_at: '2024-03-01T10:06:00Z', type: 'csat', score: 2 }),
  // c2 arrives out of order: the bot reply before the customer's message. frt 10.
  // Resolved by the bot at 11:00:30, then escalated at 11:01 with full context; agent at 11:03 → wait 120.
  acme({ event_id: 'c2-2', conversation_id: 'c2', use_case: 'returns', occurred_at: '2024-03-01T11:00:10Z', sender: 'bot' }),
  acme({ event_id: 'c2-1', conversation_id: 'c2', use_case: 'returns', occurred_at: '2024-03-01T11:00:00Z', sender: 'customer' }),
  acme({ event_id: 'c2-3', conversation_id: 'c2', occurred_at: '2024-03-01T11:00:30Z', type: 'resolved', resolved_by: 'bot' }),
  acme({ event_id: 'c2-4', conversation_id: 'c2', occurred_at: '2024-03-01T11:01:00Z', type: 'handoff', reason: 'bot_fallback', context: context(true) }),
  acme({ event_id: 'c2-5', conversation_id: 'c2', occurred_at: '2024-03-01T11:03:00Z', sender: 'agent', agent_id: 'ana' }),
  acme({ event_id: 'c2-6', conversation_id: 'c2', occurred_at: '2024-03-01T11:04:00Z', type: 'cost', amount: 1.5, currency: 'USD', component: 'agent' }),
  // c3: a proactive message never answered — a conversation without a first response time.
  acme({
    event_id: 'c3-1',
    conversation_id: 'c3',
    occurred_at: '2024-03-01T12:00:00Z',
    type: 'proactive_sent',
    template: 'order_shipped',
    category: 'utility',
  }),
  acme({ event_id: 'c3-2', conversation_id: 'c3', occurred_at: '2024-03-01T12:00:00Z', type: 'cost', amount: '0.5', currency: 'USD', component: 'whatsapp' }),
  // c4: 23:30 at UTC−06:00 is 05:30 UTC on 03-02 → it belongs to 03-02. frt 4.
  // Handoff without full context; agent 9 minutes later → wait 540.
  acme({ event_id: 'c4-1', conversation_id: 'c4', occurred_at: '2024-03-01T23:30:00-06:00', sender: 'customer' }),
  acme({ event_id: 'c4-2', conversation_id: 'c4', occurred_at: '2024-03-01T23:30:04-06:00', sender: 'bot' }),
  acme({
    event_id: 'c4-3',
    conversation_id: 'c4',
    occurred_at: '2024-03-01T23:31:00-06:00',
    type: 'handoff',
    reason: 'customer_request',
    context: context(false),
  }),
  acme({ event_id: 'c4-4', conversation_id: 'c4', occurred_at: '2024-03-01T23:40:00-06:00', sender: 'agent' }),
  // c5: 00:30 at UTC+02:00 on 03-02 is 22:30 UTC on 03-01 → it belongs to 03-01. frt 6.
  // Same customer as c1 (phone written differently), within 7 days of c1's resolution → c1 is not FCR.
  acme({ event_id: 'c5-1', conversation_id: 'c5', customer_id: '525511112222', occurred_at: '2024-03-02T00:30:00+02:00', sender: 'customer' }),
  acme({ event_id: 'c5-2', conversation_id: 'c5', occurred_at: '2024-03-01T22:30:06Z', sender: 'bot' }),
  acme({ event_id: 'c5-3', conversation_id: 'c5', occurred_at: '2024-03-01T22:40:00Z', type: 'resolved', resolved_by: 'agent' }),
  acme({ event_id: 'c5-4', conversation_id: 'c5', occurred_at: '2024-03-01T22:41:00Z', type: 'csat', score: 4 }),
]

// A later batch: c1's late CSAT, and redeliveries of events already stored.
const secondBatch = [
  acme({ event_id: 'c1-5', conversation_id: 'c1', occurred_at: '2024-03-03T09:00:00Z', type: 'csat', score: 5 }),
  firstBatch[0]!,
  firstBatch[3]!,
  firstBatch[0]!, // and repeated inside the batch
]

// globex uses the same conversation ids; its numbers must never mix with acme's.
const globexBatch = [
  event({ tenant_id: 'globex', event_id: 'c1-1', conversation_id: 'c1', occurred_at: '2024-03-01T10:00:00Z', sender: 'customer' }),
  event({ tenant_id: 'globex', event_id: 'c1-2', conversation_id: 'c1', occurred_at: '2024-03-01T10:01:40Z', sender: 'bot' }),
]

beforeAll(async () => {
  pulso = await openTestPulso()
  const first = await postEvents(pulso, TEST_KEYS.acmeIngest, ndjson(firstBatch))
  expect(first.body).toEqual({ accepted: 20, duplicates: 0, rejected: [] })
  const second = await postEvents(pulso, TEST_KEYS.acmeIngest, JSON.stringify(secondBatch), 'application/json')
  expect(second.body).toEqual({ accepted: 1, duplicates: 3, rejected: [] })
  const globex = await postEvents(pulso, TEST_KEYS.globexIngest, ndjson(globexBatch))
  expect(globex.body.accepted).toBe(2)
})

afterAll(() => pulso?.cleanup())

describe('GET /v1/kpis', () => {
  it('computes every KPI per day exactly as DESIGN.md defines them', async () => {
    const { status, body } = await getKpis(pulso, TEST_KEYS.acmeRead, 'from=2024-03-01&to=2024-03-02&grain=day')
    expect(status).toBe(200)
    expect(body).toMatchObject({ tenant_id: 'acme', timezone: 'UTC', currency: 'USD', grain: 'day', by: null })
    expect(Object.keys(body.rows[0])).toEqual(['period', ...KPI_FIELDS, 'provisional'])
    const [day1, day2] = body.rows
    // 03-01: c1, c2, c3, c5. frt [2, 6, 10] → p50 6, p90 6 + 0.8 × 4 = 9.2, mean 6.
    expect(day1).toEqual({
      period: '2024-03-01',
      conversations: 4,
      frt_p50_s: 6,
      frt_p90_s: expect.closeTo(9.2, 9),
      frt_avg_s: 6,
      bot_resolution_rate: 0.25, // c1 only: c2 was resolved by the bot but then escalated
      escalation_rate: 0.25, // c2
      handoff_wait_p50_s: 120,
      handoff_context_rate: 1, // c2's one handoff had transcript, profile and intent
      csat_score: 100, // c1's latest CSAT is 5 (the late one), c5's is 4 → both ≥ 4
      csat_avg: 4.5,
      csat_response_rate: 0.5, // 2 of 4
      cost_per_conversation: 0.5, // (1.5 + 0.5) / 4
      fcr_rate: expect.closeTo(2 / 3, 9), // c1, c2, c5 resolved; c1's customer came back (c5) within 7 days
      provisional: [], // 2024: every window has closed
    })
    // 03-02: c4 alone.
    expect(day2).toEqual({
      period: '2024-03-02',
      conversations: 1,
      frt_p50_s: 4,
      frt_p90_s: 4,
      frt_avg_s: 4,
      bot_resolution_rate: 0,
      escalation_rate: 1,
      handoff_wait_p50_s: 540,
      handoff_context_rate: 0,
      csat_score: null,
      csat_avg: null,
      csat_response_rate: 0,
      cost_per_conversation: 0,
      fcr_rate: null,
      provisional: [],
    })
  })

  it('answers one row per period: a day without conversations has 0 and null KPIs', async () => {
    const { body } = await getKpis(pulso, TEST_KEYS.acmeRead, 'from=2024-02-29&to=2024-03-03&grain=day')
    expect(body.rows.map((r: any) => [r.period, r.conversations])).toEqual([
      ['2024-02-29', 0],
      ['2024-03-01', 4],
      ['2024-03-02', 1],
      ['2024-03-03', 0],
    ])
    expect(body.rows[3]).toMatchObject({ frt_p50_s: null, bot_resolution_rate: null, cost_per_conversation: null })
    // weeks start on Monday: 2024-02-26 holds 02-29 … 03-03
    const weeks = await getKpis(pulso, TEST_KEYS.acmeRead, 'from=2024-02-20&to=2024-03-05&grain=week')
    expect(weeks.body.rows.map((r: any) => [r.period, r.conversations])).toEqual([
      ['2024-02-19', 0],
      ['2024-02-26', 5],
      ['2024-03-04', 0],
    ])
    const months = await getKpis(pulso, TEST_KEYS.acmeRead, 'from=2024-01-15&to=2024-03-05&grain=month')
    expect(months.body.rows.map((r: any) => [r.period, r.conversations])).toEqual([
      ['2024-01-01', 0],
      ['2024-02-01', 0],
      ['2024-03-01', 5],
    ])
    const nothing = await getKpis(pulso, TEST_KEYS.acmeRead, 'from=2023-01-01&to=2023-01-31&grain=all')
    expect(nothing.body.rows).toEqual([expect.objectContaining({ period: '2023-01-01', conversations: 0, csat_score: null })])
  })

  it('aggregates the whole range with grain=all', async () => {
    const { body } = await getKpis(pulso, TEST_KEYS.acmeRead, 'from=2024-03-01&to=2024-03-02&grain=all')
    // frt [2, 4, 6, 10] → p50 5, p90 rank 2.7 → 6 + 0.7 × 4 = 8.8; waits [120, 540] → p50 330.
    expect(body.rows).toHaveLength(1)
    expect(body.rows[0]).toMatchObject({
      period: '2024-03-01',
      conversations: 5,
      frt_p50_s: 5,
      frt_avg_s: 5.5,
      escalation_rate: 0.4,
      handoff_wait_p50_s: 330,
      handoff_context_rate: 0.5,
    })
    expect(body.rows[0].frt_p90_s).toBeCloseTo(8.8, 9)
  })

  it('splits by segment', async () => {
    const { body } = await getKpis(pulso, TEST_KEYS.acmeRead, 'from=2024-03-01&to=2024-03-02&grain=all&by=use_case')
    const bySegment = Object.fromEntries(body.rows.map((r: any) => [String(r.use_case), r.conversations]))
    expect(bySegment).toEqual({ order_status: 1, returns: 1, null: 3 })
  })

  it("shows only the key's tenant: the same conversation ids elsewhere do not mix", async () => {
    const { body } = await getKpis(pulso, TEST_KEYS.globexRead, 'from=2024-03-01&to=2024-03-02&grain=all')
    expect(body.rows).toEqual([expect.objectContaining({ conversations: 1, frt_p50_s: 100, escalation_rate: 0 })])
  })

  it('answers 400 naming the bad parameter', async () => {
    expect((await getKpis(pulso, TEST_KEYS.acmeRead, 'to=2024-03-02')).body.message).toBe('`from`: is required')
    expect((await getKpis(pulso, TEST_KEYS.acmeRead, 'from=2024-03-01&to=2024-03-02&grain=year')).status).toBe(400)
    expect((await getKpis(pulso, TEST_KEYS.acmeRead, 'from=2024-03-01&to=2024-03-02&by=city')).body.message).toMatch(/^`by`: expected one of use_case/)
    expect((await getKpis(pulso, TEST_KEYS.acmeRead, 'from=2024-03-05&to=2024-03-02')).body.message).toBe('`from`: from must not be after to')
  })

  it('refuses days that do not exist on every route that takes a date, naming the parameter', async () => {
    const get = async (url: string) => {
      const response = await pulso.app.request(url, { headers: { authorization: `Bearer ${TEST_KEYS.acmeRead}` } })
      return { status: response.status, body: (await response.json()) as { message: string } }
    }
    const range = (from: string, to: string) => `from=${from}&to=${to}`
    const cases: [string, string][] = [
      [`/v1/kpis?${range('2026-11-01', '2026-11-31')}`, 'to'],
      [`/v1/kpis?${range('2026-04-31', '2026-05-31')}`, 'from'], // answered 500 RangeError before
      [`/v1/kpis?${range('2026-02-29', '2026-03-01')}`, 'from'], // 2026 is not a leap year
      [`/v1/proactive?${range('2026-02-30', '2026-03-01')}`, 'from'],
      [`/v1/conversations?${range('2026-06-31', '2026-07-01')}`, 'from'],
      [`/v1/handoffs?${range('2026-06-01', '2026-09-31')}`, 'to'],
      [`/v1/use-cases/scorecard?${range('2026-11-31', '2026-12-01')}`, 'from'],
      [`/v1/use-cases/bot-kept-human-only?${range('2026-11-01', '2026-11-31')}`, 'to'],
      ['/v1/goals?as_of=2026-11-31', 'as_of'],
      ['/v1/goals/any-goal?as_of=2026-02-30', 'as_of'],
      ['/v1/regressions?as_of=2026-11-31', 'as_of'],
    ]
    for (const [url, parameter] of cases) {
      const { status, body } = await get(url)
      expect(status, url).toBe(400)
      expect(body.message, url).toMatch(new RegExp(`^\`${parameter}\`: not a calendar date: \\d{4}-\\d{2}-\\d{2} does not exist$`))
    }
    expect((await get('/v1/review?week=2026-W54')).body.message).toBe('`week`: that year has no such ISO week')
    expect((await get(`/v1/kpis?${range('1969-12-31', '1970-01-02')}`)).body.message).toBe('`from`: expected a date from 1970-01-01 to 2149-06-06')
    // and the real last days of months still work
    expect((await get(`/v1/kpis?${range('2024-02-29', '2026-04-30')}&grain=month`)).status).toBe(200)
  })

  it('needs a read key', async () => {
    expect((await getKpis(pulso, 'nope-nope-nope', 'from=2024-03-01&to=2024-03-02')).status).toBe(401)
    expect((await getKpis(pulso, TEST_KEYS.acmeIngest, 'from=2024-03-01&to=2024-03-02')).status).toBe(403)
    expect((await getKpis(pulso, TEST_KEYS.acmeAdmin, 'from=2024-03-01&to=2024-03-02')).status).toBe(200)
  })
})
