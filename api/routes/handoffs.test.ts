// Events in through POST /v1/events, the KPIs after the handoff out of GET /v1/handoffs/agents and
// /v1/handoffs/queues, on real chDB. acme reports in UTC; one agent has a display name in the
// configuration. Every expected number is computed by hand in the comments.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { handoff, message, resolved } from '../../tests/conversation-events.ts'
import { event, getJson, ndjson, openTestPulso, postEvents, TEST_KEYS, type TestPulso, writeTestConfig } from '../../tests/helpers.ts'

let pulso: TestPulso

const csat = (id: string, conversation: string, at: string, score: number) =>
  event({ event_id: id, conversation_id: conversation, occurred_at: at, type: 'csat', score })

const events = [
  // c1, queue billing, agent a1: handoff 10:01 → a1 10:03 (first reply 120 s); the customer's 10:04 turn → a1
  // 10:06 (reply 120 s); resolved 10:10 → resolution 10:00 → 10:10 = 600 s; CSAT 5
  message('c1-1', 'c1', '2024-03-01T10:00:00Z', 'customer', { customer_id: 'u1' }),
  handoff('c1-2', 'c1', '2024-03-01T10:01:00Z', 'billing'),
  message('c1-3', 'c1', '2024-03-01T10:03:00Z', 'agent', { agent_id: 'a1' }),
  message('c1-4', 'c1', '2024-03-01T10:04:00Z', 'customer'),
  message('c1-5', 'c1', '2024-03-01T10:06:00Z', 'agent', { agent_id: 'a1' }),
  resolved('c1-6', 'c1', '2024-03-01T10:10:00Z'),
  csat('c1-7', 'c1', '2024-03-01T10:11:00Z', 5),
  // c2, queue billing, agent a2: handoff 11:00 → a2 11:10 (first reply 600 s; that event arrives last, below);
  // the 11:12 turn → a2 11:42 (a late reply, 1800 s); resolved 11:50; the customer writes again 12:00:
  // reopened, open again → no resolution time; CSAT 2
  message('c2-1', 'c2', '2024-03-01T11:00:00Z', 'customer', { customer_id: 'u2' }),
  handoff('c2-2', 'c2', '2024-03-01T11:00:00Z', 'billing'),
  message('c2-4', 'c2', '2024-03-01T11:12:00Z', 'customer'),
  message('c2-5', 'c2', '2024-03-01T11:42:00Z', 'agent', { agent_id: 'a2' }),
  resolved('c2-6', 'c2', '2024-03-01T11:50:00Z'),
  csat('c2-7', 'c2', '2024-03-01T11:51:00Z', 2),
  message('c2-8', 'c2', '2024-03-01T12:00:00Z', 'customer'),
  // c3, queue returns: handed off, no agent has written yet
  message('c3-1', 'c3', '2024-03-01T13:00:00Z', 'customer', { customer_id: 'u3' }),
  handoff('c3-2', 'c3', '2024-03-01T13:00:00Z', 'returns'),
  // c4: the bot resolved it, no person involved → not counted
  message('c4-1', 'c4', '2024-03-01T14:00:00Z', 'customer', { customer_id: 'u4' }),
  message('c4-2', 'c4', '2024-03-01T14:00:02Z', 'bot'),
  event({ event_id: 'c4-3', conversation_id: 'c4', occurred_at: '2024-03-01T14:01:00Z', type: 'resolved', resolved_by: 'bot' }),
]
const lateAgentMessage = message('c2-3', 'c2', '2024-03-01T11:10:00Z', 'agent', { agent_id: 'a2' })

beforeAll(async () => {
  pulso = await openTestPulso({ PULSO_CONFIG: writeTestConfig('agents:\n  acme:\n    a1: Ana\n') })
  expect((await postEvents(pulso, TEST_KEYS.acmeIngest, ndjson(events))).body.accepted).toBe(events.length)
  expect((await postEvents(pulso, TEST_KEYS.acmeIngest, ndjson([lateAgentMessage]))).body.accepted).toBe(1)
  // another tenant's handoff on the same day never counts for acme
  const globex = [event({ tenant_id: 'globex', event_id: 'g1', conversation_id: 'c1', occurred_at: '2024-03-01T10:00:00Z', sender: 'agent', agent_id: 'a1' })]
  expect((await postEvents(pulso, TEST_KEYS.globexIngest, ndjson(globex))).body.accepted).toBe(1)
})
afterAll(async () => pulso?.cleanup())

const get = (url: string) => getJson(pulso, url)

describe('GET /v1/handoffs/queues', () => {
  it('gives each queue its conversations, times, reopened, CSAT and FCR', async () => {
    const { status, body } = await get('/v1/handoffs/queues?from=2024-03-01&to=2024-03-01')
    expect(status).toBe(200)
    expect(body).toMatchObject({ tenant_id: 'acme', grain: 'all', by: 'queue', from: '2024-03-01', to: '2024-03-01' })
    expect(body.rows).toEqual([
      // billing: c1, c2. Resolution [600] (c2 is open again); first replies [120, 600] → 360; replies
      // [120, 1800] → 960; reopened 1 of 2; CSAT 5, 2 → score 100 × 1/2, avg 3.5; both resolved, neither
      // customer came back → FCR 1
      {
        period: '2024-03-01',
        queue: 'billing',
        conversations: 2,
        handed_off: 2,
        resolved_conversations: 2,
        resolution_p50_s: 600,
        agent_first_reply_p50_s: 360,
        agent_reply_p50_s: 960,
        reopened_conversations: 1,
        reopen_rate: 0.5,
        csat_score: 50,
        csat_avg: 3.5,
        fcr_rate: 1,
      },
      // returns: c3, waiting for an agent — nothing to time yet
      {
        period: '2024-03-01',
        queue: 'returns',
        conversations: 1,
        handed_off: 1,
        resolved_conversations: 0,
        resolution_p50_s: null,
        agent_first_reply_p50_s: null,
        agent_reply_p50_s: null,
        reopened_conversations: 0,
        reopen_rate: 0,
        csat_score: null,
        csat_avg: null,
        fcr_rate: null,
      },
    ])
  })

  it('lists the conversations behind a row with /v1/conversations?queue=', async () => {
    const billing = await get('/v1/conversations?from=2024-03-01&to=2024-03-01&queue=billing&sort=resolution')
    expect(billing.body.rows.map((c: any) => c.conversation_id)).toEqual(['c1', 'c2'])
    const reopened = await get('/v1/conversations?from=2024-03-01&to=2024-03-01&queue=billing&flag=reopened')
    expect(reopened.body.rows.map((c: any) => c.conversation_id)).toEqual(['c2'])
  })
})

describe('GET /v1/handoffs/agents', () => {
  it('gives each agent who holds a conversation its numbers, with the display name the tenant configured', async () => {
    const { status, body } = await get('/v1/handoffs/agents?from=2024-03-01&to=2024-03-01')
    expect(status).toBe(200)
    expect(body.by).toBe('agent')
    const row = (agent: string | null) => body.rows.find((r: any) => r.agent === agent)
    expect(body.rows.map((r: any) => [r.agent, r.agent_name, r.conversations])).toEqual([
      ['a1', 'Ana', 1],
      // no name configured: the pseudonymous id only
      ['a2', null, 1],
      // c3: handed off, no agent has written yet
      [null, null, 1],
    ])
    // a1 holds c1: resolution 600, first reply 120, reply 120, CSAT 5 → score 100
    expect(row('a1')).toMatchObject({
      resolution_p50_s: 600,
      agent_first_reply_p50_s: 120,
      agent_reply_p50_s: 120,
      reopen_rate: 0,
      csat_score: 100,
      csat_avg: 5,
    })
    // a2 holds c2: the late first reply 600, the reply 1800, reopened, CSAT 2 → score 0
    expect(row('a2')).toMatchObject({
      resolution_p50_s: null,
      agent_first_reply_p50_s: 600,
      agent_reply_p50_s: 1800,
      reopened_conversations: 1,
      reopen_rate: 1,
    })
    expect(row('a2')).toMatchObject({ csat_score: 0, csat_avg: 2, fcr_rate: 1 })
    // the null row's conversations are the ones that reached a person without an agent
    const none = await get('/v1/conversations?from=2024-03-01&to=2024-03-01&flag=reached_person,no_agent')
    expect(none.body.rows.map((c: any) => c.conversation_id)).toEqual(['c3'])
    const a2 = await get('/v1/conversations?from=2024-03-01&to=2024-03-01&agent=a2')
    expect(a2.body.total).toBe(1)
  })

  it('cuts per day and refuses a bad grain', async () => {
    const { body } = await get('/v1/handoffs/agents?from=2024-02-29&to=2024-03-02&grain=day')
    expect(body.rows.map((r: any) => `${r.period} ${r.agent}`)).toEqual(['2024-03-01 a1', '2024-03-01 a2', '2024-03-01 null'])
    const bad = await get('/v1/handoffs/queues?from=2024-03-01&to=2024-03-01&grain=year')
    expect(bad.status).toBe(400)
    expect(bad.body.message).toContain('`grain`: expected one of day, week, month, all')
  })
})
