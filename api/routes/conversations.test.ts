// Drill-down: events in through POST /v1/events; the conversations behind a number, one
// conversation's timeline, the handoff breakdown and the tenant settings out, on real chDB.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { event, getJson, getKpis, ndjson, openTestPulso, postEvents, TEST_KEYS, type TestPulso, writeTestConfig } from '../../tests/helpers.ts'

let pulso: TestPulso

const acme = (fields: Record<string, unknown>) => event({ tenant_id: 'acme', ...fields })

// acme reports in Mexico City time (UTC−06:00 all year): a day runs 06:00Z to 06:00Z.
const events = [
  // c1: local 03-01 04:00; order_status; frt 5; resolved by the bot; CSAT 5.
  acme({
    event_id: 'c1-1',
    conversation_id: 'c1',
    use_case: 'order_status',
    intent: 'where_is_my_order',
    bot_version: 'v1',
    occurred_at: '2024-03-01T10:00:00Z',
    sender: 'customer',
  }),
  acme({ event_id: 'c1-2', conversation_id: 'c1', occurred_at: '2024-03-01T10:00:05Z', sender: 'bot', text: 'Tu pedido llega mañana' }),
  acme({ event_id: 'c1-3', conversation_id: 'c1', occurred_at: '2024-03-01T10:01:00Z', type: 'resolved', resolved_by: 'bot' }),
  acme({ event_id: 'c1-4', conversation_id: 'c1', occurred_at: '2024-03-01T10:02:00Z', type: 'csat', score: 5 }),
  // c2: 03:00Z on 03-02 is 21:00 on 03-01 in Mexico City → local date 03-01. returns; frt 10;
  // handoff (customer_request, no customer profile → not full context) at 03:01, agent at 03:03 → wait 120;
  // resolved by the agent; CSAT 2. Events arrive out of order.
  acme({ event_id: 'c2-4', conversation_id: 'c2', occurred_at: '2024-03-02T03:03:00Z', sender: 'agent', agent_id: 'ana' }),
  acme({
    event_id: 'c2-1',
    conversation_id: 'c2',
    use_case: 'returns',
    intent: 'start_return',
    bot_version: 'v2',
    occurred_at: '2024-03-02T03:00:00Z',
    sender: 'customer',
  }),
  acme({ event_id: 'c2-2', conversation_id: 'c2', occurred_at: '2024-03-02T03:00:10Z', sender: 'bot' }),
  acme({
    event_id: 'c2-3',
    conversation_id: 'c2',
    occurred_at: '2024-03-02T03:01:00Z',
    type: 'handoff',
    reason: 'customer_request',
    context: { transcript: true, customer_profile: false, intent: 'start_return' },
  }),
  acme({ event_id: 'c2-5', conversation_id: 'c2', occurred_at: '2024-03-02T03:10:00Z', type: 'resolved', resolved_by: 'agent' }),
  acme({ event_id: 'c2-6', conversation_id: 'c2', occurred_at: '2024-03-02T03:12:00Z', type: 'csat', score: 2 }),
  // c3: local 03-02 06:00; order_status; a fallback, then a handoff with full context and no agent yet.
  acme({
    event_id: 'c3-1',
    conversation_id: 'c3',
    use_case: 'order_status',
    intent: 'change_address',
    bot_version: 'v2',
    occurred_at: '2024-03-02T12:00:00Z',
    sender: 'customer',
  }),
  acme({ event_id: 'c3-2', conversation_id: 'c3', occurred_at: '2024-03-02T12:00:30Z', type: 'bot_fallback', question: '¿Puedo cambiar la dirección?' }),
  acme({
    event_id: 'c3-3',
    conversation_id: 'c3',
    occurred_at: '2024-03-02T12:01:00Z',
    type: 'handoff',
    reason: 'bot_fallback',
    context: { transcript: true, customer_profile: true, intent: 'change_address' },
  }),
]

// globex: same conversation id, same day; never visible with an acme key and vice versa.
const globex = [event({ tenant_id: 'globex', event_id: 'g1', conversation_id: 'c1', occurred_at: '2024-03-01T10:00:00Z', sender: 'customer' })]

const get = (pathAndQuery: string, key?: string) => getJson(pulso, pathAndQuery, key)
const ids = (body: any) => body.rows.map((r: any) => r.conversation_id)

beforeAll(async () => {
  pulso = await openTestPulso({
    PULSO_CONFIG: writeTestConfig('tenants:\n  acme:\n    name: Acme Retail\n    timezone: America/Mexico_City\n    currency: MXN\n'),
  })
  expect((await postEvents(pulso, TEST_KEYS.acmeIngest, ndjson(events))).body.accepted).toBe(events.length)
  expect((await postEvents(pulso, TEST_KEYS.globexIngest, ndjson(globex))).body.accepted).toBe(1)
})
afterAll(async () => {
  await pulso?.cleanup()
})

describe('GET /v1/conversations', () => {
  it('lists the conversations of local dates in the tenant time zone, newest first', async () => {
    const { status, body } = await get('/v1/conversations?from=2024-03-01&to=2024-03-01')
    expect(status).toBe(200)
    // c2 started 03:00Z on 03-02, which is 21:00 on 03-01 in Mexico City.
    expect(ids(body)).toEqual(['c2', 'c1'])
    expect(body.total).toBe(2)
    expect(body.rows.map((r: any) => r.started_on)).toEqual(['2024-03-01', '2024-03-01'])
    expect(body.rows[0].started_at).toBe('2024-03-02T03:00:00.000Z')
    expect(body).toMatchObject({ timezone: 'America/Mexico_City', currency: 'MXN' })
  })

  it('carries the per-conversation facts: frt, wait, resolution, csat', async () => {
    const { body } = await get('/v1/conversations?from=2024-03-01&to=2024-03-02')
    const byId = Object.fromEntries(body.rows.map((r: any) => [r.conversation_id, r]))
    expect(byId.c1).toMatchObject({ frt_s: 5, escalated: false, bot_resolved: true, resolved_by: 'bot', csat: 5, use_case: 'order_status' })
    expect(byId.c2).toMatchObject({ frt_s: 10, escalated: true, handoff_reason: 'customer_request', handoff_wait_s: 120, resolved_by: 'agent', csat: 2 })
    expect(byId.c3).toMatchObject({ frt_s: null, escalated: true, handoff_wait_s: null, fallbacks: 1, handoffs: 1, handoffs_with_context: 1 })
  })

  it('drills into the number: escalated conversations are as many as conversations × escalation_rate', async () => {
    const kpis = await getKpis(pulso, TEST_KEYS.acmeRead, 'from=2024-03-01&to=2024-03-02&grain=all')
    const { conversations, escalation_rate } = kpis.body.rows[0]
    // 3 conversations, 2 escalated (c2, c3)
    expect(conversations * escalation_rate).toBeCloseTo(2)
    const { body } = await get('/v1/conversations?from=2024-03-01&to=2024-03-02&flag=escalated')
    expect(body.total).toBe(2)
    expect(ids(body).sort()).toEqual(['c2', 'c3'])
  })

  it('filters by segment, handoff reason and combined flags', async () => {
    expect(ids((await get('/v1/conversations?from=2024-03-01&to=2024-03-02&use_case=order_status&flag=escalated')).body)).toEqual(['c3'])
    expect(ids((await get('/v1/conversations?from=2024-03-01&to=2024-03-02&bot_version=v2')).body)).toEqual(['c3', 'c2'])
    expect(ids((await get('/v1/conversations?from=2024-03-01&to=2024-03-02&handoff_reason=bot_fallback')).body)).toEqual(['c3'])
    expect(ids((await get('/v1/conversations?from=2024-03-01&to=2024-03-02&flag=csat_unsatisfied')).body)).toEqual(['c2'])
    expect(ids((await get('/v1/conversations?from=2024-03-01&to=2024-03-02&flag=with_csat,csat_satisfied')).body)).toEqual(['c1'])
    expect(ids((await get('/v1/conversations?from=2024-03-01&to=2024-03-02&flag=handoff_without_context')).body)).toEqual(['c2'])
    expect(ids((await get('/v1/conversations?from=2024-03-01&to=2024-03-02&flag=with_fallback')).body)).toEqual(['c3'])
  })

  it("lists a breakdown's (none) row: missing=use_case holds as many conversations as /v1/kpis?by=use_case's null row", async () => {
    // April: n1 carries no use case and no intent, n2 is an FAQ
    const april = [
      acme({ event_id: 'n1-1', conversation_id: 'n1', occurred_at: '2024-04-10T15:00:00Z', sender: 'customer' }),
      acme({ event_id: 'n2-1', conversation_id: 'n2', occurred_at: '2024-04-10T16:00:00Z', sender: 'customer', use_case: 'faq', intent: 'store_hours' }),
    ]
    expect((await postEvents(pulso, TEST_KEYS.acmeIngest, ndjson(april))).body.accepted).toBe(2)
    const range = 'from=2024-04-01&to=2024-04-30'
    const kpis = await getKpis(pulso, TEST_KEYS.acmeRead, `${range}&grain=all&by=use_case`)
    const none = kpis.body.rows.find((row: { use_case: string | null }) => row.use_case === null)
    const missing = (await get(`/v1/conversations?${range}&missing=use_case`)).body
    expect([none.conversations, missing.total, ids(missing)]).toEqual([1, 1, ['n1']])
    expect(ids((await get(`/v1/conversations?${range}&missing=use_case,intent`)).body)).toEqual(['n1'])
    expect((await get(`/v1/conversations?${range}&missing=channel`)).body.total).toBe(0)
    const bad = await get(`/v1/conversations?${range}&missing=colour`)
    expect([bad.status, bad.body.message]).toEqual([400, '`missing`: expected segments among use_case, intent, bot_version, channel'])
  })

  it('pages with limit and offset and keeps the total', async () => {
    const { body } = await get('/v1/conversations?from=2024-03-01&to=2024-03-02&limit=1&offset=1')
    expect(ids(body)).toEqual(['c2'])
    expect(body.total).toBe(3)
    const past = await get('/v1/conversations?from=2024-03-01&to=2024-03-02&limit=1&offset=5')
    expect(past.body).toMatchObject({ total: 3, rows: [] })
  })

  it('sorts by the slowest first response', async () => {
    expect(ids((await get('/v1/conversations?from=2024-03-01&to=2024-03-02&sort=frt')).body)).toEqual(['c2', 'c1', 'c3'])
  })

  it("never shows another tenant's conversations", async () => {
    const { body } = await get('/v1/conversations?from=2024-03-01&to=2024-03-02', TEST_KEYS.globexRead)
    expect(body.total).toBe(1)
    expect(body.rows[0]).toMatchObject({ conversation_id: 'c1', use_case: null, frt_s: null })
  })

  it('rejects bad input with a reason that names the field', async () => {
    const bad = await get('/v1/conversations?from=2024-03-01&to=2024-03-02&flag=escalated,happy')
    expect(bad.status).toBe(400)
    expect(bad.body.message).toMatch(/`flag/)
    expect((await get('/v1/conversations?from=2024-03-01&to=2024-03-02&limit=100000')).body.message).toMatch(/`limit`: at most 500/)
    expect((await get('/v1/conversations?to=2024-03-02')).body.message).toBe('`from`: is required')
  })

  it('needs a read key', async () => {
    expect((await get('/v1/conversations?from=2024-03-01&to=2024-03-02', TEST_KEYS.acmeIngest)).status).toBe(403)
    expect((await pulso.app.request('/v1/conversations?from=2024-03-01&to=2024-03-02')).status).toBe(401)
  })
})

describe('GET /v1/conversations/:id', () => {
  it("returns one conversation's events in time order with their own fields", async () => {
    const { status, body } = await get('/v1/conversations/c2')
    expect(status).toBe(200)
    expect(body.conversation).toMatchObject({ conversation_id: 'c2', started_on: '2024-03-01', handoff_wait_s: 120 })
    expect(body.events.map((e: any) => e.event_id)).toEqual(['c2-1', 'c2-2', 'c2-3', 'c2-4', 'c2-5', 'c2-6'])
    expect(body.events.map((e: any) => e.type)).toEqual(['message', 'message', 'handoff', 'message', 'resolved', 'csat'])
    expect(body.events[2]).toMatchObject({
      occurred_at: '2024-03-02T03:01:00.000Z',
      fields: { handoff_reason: 'customer_request', context_transcript: true, context_customer_profile: false, context_intent: 'start_return' },
    })
    expect(body.events[3].fields).toMatchObject({ sender: 'agent', agent_id: 'ana' })
    expect(body.events[5].fields).toMatchObject({ score: 2 })
    // fields the event does not have are left out
    expect(body.events[5].fields).not.toHaveProperty('sender')
  })

  it('is 404 for an unknown id and for the same id under another tenant', async () => {
    expect((await get('/v1/conversations/nope')).status).toBe(404)
    expect((await get('/v1/conversations/c2', TEST_KEYS.globexRead)).status).toBe(404)
    const other = await get('/v1/conversations/c1', TEST_KEYS.globexRead)
    expect(other.body.events.map((e: any) => e.event_id)).toEqual(['g1'])
  })
})

describe('GET /v1/handoffs', () => {
  it('counts handoffs by reason with their context, and escalated conversations by wait', async () => {
    const { status, body } = await get('/v1/handoffs?from=2024-03-01&to=2024-03-02')
    expect(status).toBe(200)
    expect(body.reasons).toEqual([
      { reason: 'bot_fallback', handoffs: 1, with_context: 1, conversations: 1 },
      { reason: 'customer_request', handoffs: 1, with_context: 0, conversations: 1 },
    ])
    const wait = Object.fromEntries(body.wait.map((b: any) => [b.bucket, b.conversations]))
    // c2 waited 120 s (1–5 min bucket); c3 has no agent reply yet
    expect(wait).toEqual({ '0-60': 0, '60-300': 1, '300-900': 0, '900-1800': 0, '1800-3600': 0, '3600+': 0, no_agent: 1 })
  })

  it('follows the segment filter', async () => {
    const { body } = await get('/v1/handoffs?from=2024-03-01&to=2024-03-02&use_case=returns')
    expect(body.reasons.map((r: any) => r.reason)).toEqual(['customer_request'])
  })
})

describe('GET /v1/tenant', () => {
  it("tells the key's tenant name, time zone and currency", async () => {
    expect((await get('/v1/tenant')).body).toEqual({ id: 'acme', name: 'Acme Retail', timezone: 'America/Mexico_City', currency: 'MXN', role: 'read' })
    expect((await get('/v1/tenant', TEST_KEYS.globexRead)).body).toMatchObject({ id: 'globex', timezone: 'UTC', currency: 'USD' })
  })
})
