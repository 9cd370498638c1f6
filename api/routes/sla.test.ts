// SLA policies after the handoff, events in through POST /v1/events, numbers out of GET
// /v1/handoffs/sla, the conversations drill-down and a goal on sla_breach_rate, on real chDB. acme is
// in Mexico City (UTC−6), open Monday to Friday 09:00–18:00; 2024-03-01 is a Friday. Every expected
// number is computed by hand in the comments.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { conversationSla } from '../../domain/sla/sla-report.ts'
import { handoff, message, resolved } from '../../tests/conversation-events.ts'
import { getJson, ndjson, openTestPulso, postEvents, TEST_KEYS, type TestPulso, writeTestConfig } from '../../tests/helpers.ts'
import type { HandedOffConversation } from '../../warehouse/repositories/handoff-kpis.ts'

let pulso: TestPulso

const CONFIG = `tenants:
  acme: { timezone: America/Mexico_City }
sla:
  acme:
    business_hours: { days: [mon, tue, wed, thu, fri], from: '09:00', to: '18:00' }
    policies:
      - { queue: billing, first_reply_minutes: 30, resolution_minutes: 240 }
      - { first_reply_minutes: 60 }
goals:
  acme:
    - { id: sla, kpi: sla_breach_rate, target: 0.5, period: day }
`

const events = [
  // s1, billing, across the weekend: customer Fri 17:00, handoff Fri 17:50, agent Mon 09:15 → first reply
  // 10 min (Fri 17:50–18:00) + 15 min (Mon 09:00–09:15) = 25 ≤ 30, met, though 63 h passed. Resolved
  // Mon 11:00 → Fri 1 h + Mon 2 h = 180 min ≤ 240, met.
  message('s1-1', 's1', '2024-03-01T23:00:00Z', 'customer'),
  handoff('s1-2', 's1', '2024-03-01T23:50:00Z', 'billing'),
  message('s1-3', 's1', '2024-03-04T15:15:00Z', 'agent'),
  resolved('s1-4', 's1', '2024-03-04T17:00:00Z'),
  // s2, billing: handoff Fri 10:00, agent 10:45 → 45 min > 30: first reply breached; resolved 11:00 → 60 min, met
  message('s2-1', 's2', '2024-03-01T16:00:00Z', 'customer'),
  handoff('s2-2', 's2', '2024-03-01T16:00:00Z', 'billing'),
  message('s2-3', 's2', '2024-03-01T16:45:00Z', 'agent'),
  resolved('s2-4', 's2', '2024-03-01T17:00:00Z'),
  // s3, general (the policy without a queue: first reply 60 min): handed off Fri 17:30, no agent ever → its
  // clock runs to now, long past 60 business minutes: breached
  message('s3-1', 's3', '2024-03-01T23:30:00Z', 'customer'),
  handoff('s3-2', 's3', '2024-03-01T23:30:00Z', 'general'),
  // s4, billing, on Saturday: agent after 2 h of a closed Saturday → 0 min, met; resolved Mon 12:00 → 180 min, met
  message('s4-1', 's4', '2024-03-02T16:00:00Z', 'customer'),
  handoff('s4-2', 's4', '2024-03-02T16:00:00Z', 'billing'),
  message('s4-3', 's4', '2024-03-02T18:00:00Z', 'agent'),
  resolved('s4-4', 's4', '2024-03-04T18:00:00Z'),
  // s5: never handed off → no SLA
  message('s5-1', 's5', '2024-03-01T17:00:00Z', 'customer'),
  message('s5-2', 's5', '2024-03-01T17:00:01Z', 'bot'),
]

beforeAll(async () => {
  pulso = await openTestPulso({ PULSO_CONFIG: writeTestConfig(CONFIG) })
  expect((await postEvents(pulso, TEST_KEYS.acmeIngest, ndjson(events))).body.accepted).toBe(events.length)
})
afterAll(async () => pulso?.cleanup())

const get = (url: string) => getJson(pulso, url)

describe('GET /v1/handoffs/sla', () => {
  it('checks each handed-off conversation against its queue’s policy in business hours, per day', async () => {
    const { status, body } = await get('/v1/handoffs/sla?from=2024-03-01&to=2024-03-03&grain=day')
    expect(status).toBe(200)
    expect(body.policies).toEqual([
      {
        queue: 'billing',
        first_reply_minutes: 30,
        resolution_minutes: 240,
        business_hours: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '18:00' },
      },
      {
        queue: null,
        first_reply_minutes: 60,
        resolution_minutes: null,
        business_hours: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '18:00' },
      },
    ])
    expect(body.rows).toEqual([
      // Friday: s1 met, s2 and s3 breached (both on first reply) → 2 / 3
      { period: '2024-03-01', conversations: 3, met: 1, breached: 2, pending: 0, first_reply_breached: 2, resolution_breached: 0, sla_breach_rate: 2 / 3 },
      // Saturday: s4 met
      { period: '2024-03-02', conversations: 1, met: 1, breached: 0, pending: 0, first_reply_breached: 0, resolution_breached: 0, sla_breach_rate: 0 },
      // Sunday: nothing handed off
      { period: '2024-03-03', conversations: 0, met: 0, breached: 0, pending: 0, first_reply_breached: 0, resolution_breached: 0, sla_breach_rate: null },
    ])
    // the breached conversations, with their clocks: s2 waited 2700 business seconds for a 1800 s target
    expect(body.breached.total).toBe(2)
    expect(body.breached.conversations.map((c: any) => c.conversation_id)).toEqual(['s2', 's3'])
    expect(body.breached.conversations[0]).toMatchObject({
      queue: 'billing',
      status: 'breached',
      first_reply: { status: 'breached', business_seconds: 2700, limit_seconds: 1800 },
      resolution: { status: 'met', business_seconds: 3600, limit_seconds: 14400 },
    })
    expect(body.breached.conversations[1]).toMatchObject({ queue: 'general', first_reply: { status: 'breached' }, resolution: null })
  })

  it('splits per queue, and lists the breached conversations through /v1/conversations', async () => {
    const { body } = await get('/v1/handoffs/sla?from=2024-03-01&to=2024-03-03&by=queue')
    // billing: s1, s2, s4 → 1 breached of 3; general: s3 → 1 of 1
    expect(body.rows.map((r: any) => [r.queue, r.conversations, r.breached, r.sla_breach_rate])).toEqual([
      ['billing', 3, 1, 1 / 3],
      ['general', 1, 1, 1],
    ])
    const ids = async (query: string) =>
      (await get(`/v1/conversations?from=2024-03-01&to=2024-03-03&${query}`)).body.rows.map((r: any) => r.conversation_id).sort()
    expect(await ids('flag=sla_breached')).toEqual(['s2', 's3'])
    expect(await ids('flag=sla_breached&queue=billing')).toEqual(['s2'])
    expect(await ids('flag=sla_first_reply_breached,resolved')).toEqual(['s2'])
    expect(await ids('flag=sla_resolution_breached')).toEqual([])
    const bad = await get('/v1/conversations?from=2024-03-01&to=2024-03-03&flag=sla_late')
    expect(bad.status).toBe(400)
  })

  it('reads running clocks at as_of, counting a pending clock out of the rate', async () => {
    // Friday 17:55 local (23:55Z): s1 handed off 5 min ago, s3 25 min ago, both within target → pending;
    // s2's first reply (45 min) already breached; s2 is the only decided one → rate 1
    const { body } = await get('/v1/handoffs/sla?from=2024-03-01&to=2024-03-01&as_of=2024-03-01T23:55:00Z')
    expect(body.as_of).toBe('2024-03-01T23:55:00.000Z')
    expect(body.rows).toEqual([
      { period: '2024-03-01', conversations: 3, met: 0, breached: 1, pending: 2, first_reply_breached: 1, resolution_breached: 0, sla_breach_rate: 1 },
    ])
    const bad = await get('/v1/handoffs/sla?from=2024-03-01&to=2024-03-01&as_of=friday')
    expect(bad.status).toBe(400)
    expect(bad.body.message).toContain('`as_of`: expected an RFC 3339 instant')
  })

  it('gives a goal on sla_breach_rate its value per day', async () => {
    const { body } = await get('/v1/goals?as_of=2024-03-02&history=2')
    const goal = body.goals.find((g: any) => g.id === 'sla')
    expect(goal).toMatchObject({ kpi: 'sla_breach_rate', direction: 'at_most', target: 0.5 })
    // Friday 2/3 > 0.5 (off track: more than 10 % over); Saturday 0 ≤ 0.5 (on track)
    expect(goal.history.map((h: any) => [h.period_start, h.value, h.status])).toEqual([
      ['2024-03-01', 2 / 3, 'off_track'],
      ['2024-03-02', 0, 'on_track'],
    ])
  })
})

describe('a conversation’s SLA clock', () => {
  const policy = [
    {
      queue: null,
      firstReplyMinutes: 30,
      resolutionMinutes: 120,
      businessHours: { days: ['mon' as const, 'tue' as const, 'wed' as const, 'thu' as const, 'fri' as const], from: '09:00', to: '18:00' },
    },
  ]
  const waiting: HandedOffConversation = {
    conversation_id: 'c',
    started_on: '2024-03-01',
    queue: null,
    agent_id: null,
    first_customer_at: '2024-03-01T23:40:00Z',
    handoff_at: '2024-03-01T23:45:00Z',
    first_agent_after_handoff_at: null,
    resolution_at: null,
  }
  it('is pending while it runs within its limit, and breached once past it, across the weekend', () => {
    // handed off Fri 17:45 local; as of Mon 09:05 local (15:05Z): 15 + 5 = 20 min of 30 → pending
    expect(conversationSla(waiting, policy, 'America/Mexico_City', new Date('2024-03-04T15:05:00Z'))).toMatchObject({
      status: 'pending',
      first_reply: { status: 'pending', business_seconds: 1200 },
      resolution: { status: 'pending', business_seconds: 1500 },
    })
    // as of Mon 09:20 local: 15 + 20 = 35 min > 30 → breached; resolution 20 + 20 = 40 min of 120, still running
    expect(conversationSla(waiting, policy, 'America/Mexico_City', new Date('2024-03-04T15:20:00Z'))).toMatchObject({
      status: 'breached',
      first_reply: { status: 'breached', business_seconds: 2100 },
      resolution: { status: 'pending', business_seconds: 2400 },
    })
  })
})
