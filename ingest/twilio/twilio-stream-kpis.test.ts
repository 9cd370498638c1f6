// A Twilio webhook stream gives the same KPIs as the contract-v1 events it maps to. Tenant acme
// receives three WhatsApp conversations through Twilio (incoming messages, status callbacks, a
// price) beside the bot, agent and campaign side its other systems post to /v1/events; tenant
// globex is sent the same conversations as v1 events only, the Twilio side written by hand as
// docs/integrations.md maps it. Both must give the same /v1/kpis, equal to the hand-computed values;
// a redelivery of every webhook later on changes nothing; /v1/proactive reads Twilio's statuses.
import { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { errorResponse } from '../../api/errors.ts'
import { twilioRoutes } from '../../api/routes/twilio.ts'
import { getKpis, ndjson, openTestPulso, postEvents, TEST_KEYS, type TestPulso } from '../../tests/helpers.ts'
import { webhookInbox } from '../webhook-inbox.ts'
import type { TwilioParams } from './signature.ts'
import { incomingMessage, sid, signedRequest, statusCallback } from './twilio-payloads.ts'

let pulso: TestPulso
const AUTH_TOKEN = 'acme-twilio-auth-token'
const ANA = '+5215512345678'
const BOB = '+16505551234'
const CARLA = '+447700900123'
const TEMPLATE = sid('SM', 'bob-template')
const PROMO = sid('SM', 'carla-promo')

const inbox = () => webhookInbox({ warehouse: pulso.warehouse, intake: pulso.intake, config: pulso.config })
// Twilio sends no time: the route's clock, set by the test, is the time of receipt
let clock = new Date(0)
const twilio = new Hono()
twilio.onError((error, c) => errorResponse(error, c))

beforeAll(async () => {
  pulso = await openTestPulso({ PULSO_TWILIO_TENANTS: `acme:${AUTH_TOKEN}` })
  twilio.route('/v1/webhooks/twilio', twilioRoutes({ config: pulso.config, inbox, now: () => clock }))
})
afterAll(async () => {
  await inbox().whenIdle()
  await pulso?.cleanup()
})

type Webhook = { at: string; params: TwilioParams }

// What Twilio posts, in the order it arrives (the time of each is the time Pulso receives it)
const webhooks: Webhook[] = [
  // Bob's order-update template: sent, delivered (Twilio's price with it), read; he taps its button
  { at: '2025-07-01T09:00:01Z', params: statusCallback({ sid: TEMPLATE, to: BOB, status: 'sent' }) },
  { at: '2025-07-01T09:00:03Z', params: statusCallback({ sid: TEMPLATE, to: BOB, status: 'delivered', price: { price: '-0.00400', unit: 'USD' } }) },
  { at: '2025-07-01T09:05:00Z', params: statusCallback({ sid: TEMPLATE, to: BOB, status: 'read' }) },
  {
    at: '2025-07-01T09:10:00Z',
    params: incomingMessage({ sid: sid('SM', 'bob-1'), from: BOB, button: { text: 'Track my order', payload: 'track' }, repliedTo: TEMPLATE }),
  },
  // Ana writes twice; between them the bot answers, falls back and hands off (posted by the bot)
  { at: '2025-07-01T10:00:00Z', params: incomingMessage({ sid: sid('SM', 'ana-1'), from: ANA, body: '¿Puedo devolver un pedido?' }) },
  { at: '2025-07-01T10:02:00Z', params: incomingMessage({ sid: sid('SM', 'ana-2'), from: ANA, body: 'Quiero hablar con alguien' }) },
  // Carla writes and gets a promotion Twilio priced
  { at: '2025-07-01T12:00:00Z', params: incomingMessage({ sid: sid('SM', 'carla-1'), from: CARLA, body: 'Hi' }) },
  { at: '2025-07-01T12:05:00Z', params: statusCallback({ sid: PROMO, to: CARLA, status: 'sent', price: { price: '-0.06040', unit: 'USD' } }) },
  { at: '2025-07-01T12:05:02Z', params: statusCallback({ sid: PROMO, to: CARLA, status: 'delivered', price: { price: '-0.06040', unit: 'USD' } }) },
]

/** The contract-v1 events the Twilio webhooks above map to (docs/integrations.md), written by hand. */
const twilioAsEvents = (tenant: string) =>
  [
    {
      event_id: `tw:${sid('SM', 'bob-1')}`,
      occurred_at: '2025-07-01T09:10:00Z',
      type: 'message',
      sender: 'customer',
      customer_id: BOB,
      wa_context_id: TEMPLATE,
    },
    {
      event_id: `tw:cost:${TEMPLATE}`,
      occurred_at: '2025-07-01T09:00:03Z',
      type: 'cost',
      customer_id: BOB,
      amount: 0.004,
      currency: 'USD',
      component: 'whatsapp',
    },
    { event_id: `tw:${sid('SM', 'ana-1')}`, occurred_at: '2025-07-01T10:00:00Z', type: 'message', sender: 'customer', customer_id: ANA },
    { event_id: `tw:${sid('SM', 'ana-2')}`, occurred_at: '2025-07-01T10:02:00Z', type: 'message', sender: 'customer', customer_id: ANA },
    { event_id: `tw:${sid('SM', 'carla-1')}`, occurred_at: '2025-07-01T12:00:00Z', type: 'message', sender: 'customer', customer_id: CARLA },
    {
      event_id: `tw:cost:${PROMO}`,
      occurred_at: '2025-07-01T12:05:00Z',
      type: 'cost',
      customer_id: CARLA,
      amount: 0.0604,
      currency: 'USD',
      component: 'whatsapp',
    },
  ].map((e) => ({ tenant_id: tenant, conversation_id: 'auto', channel: 'whatsapp', ...e }))

/** What the bot, the agent desk and the campaign tool post to /v1/events, for either tenant. */
const otherSystems = (tenant: string) =>
  [
    // the campaign tool: Bob's template, with the MessageSid Twilio's API returned
    {
      event_id: 'send-b1',
      customer_id: BOB,
      occurred_at: '2025-07-01T09:00:00Z',
      type: 'proactive_sent',
      template: 'order_update',
      category: 'utility',
      campaign: 'july',
      whatsapp_message_id: TEMPLATE,
    },
    { event_id: 'bot-b1', customer_id: BOB, occurred_at: '2025-07-01T09:10:30Z', type: 'message', sender: 'bot', bot_version: 'v3' },
    { event_id: 'res-b1', customer_id: BOB, occurred_at: '2025-07-01T09:15:00Z', type: 'resolved', resolved_by: 'bot' },
    // the bot answers Ana after 5 s, then cannot help and hands off with full context; an agent answers 2 min later
    { event_id: 'bot-a1', customer_id: ANA, occurred_at: '2025-07-01T10:00:05Z', type: 'message', sender: 'bot', bot_version: 'v3' },
    { event_id: 'fb-a1', customer_id: ANA, occurred_at: '2025-07-01T10:02:05Z', type: 'bot_fallback', question: 'Quiero hablar con alguien', confidence: 0.2 },
    {
      event_id: 'ho-a1',
      customer_id: ANA,
      occurred_at: '2025-07-01T10:02:10Z',
      type: 'handoff',
      reason: 'customer_request',
      context: { transcript: true, customer_profile: true, intent: 'returns' },
      queue: 'returns',
    },
    { event_id: 'ag-a1', customer_id: ANA, occurred_at: '2025-07-01T10:04:10Z', type: 'message', sender: 'agent', agent_id: 'ag-7' },
    { event_id: 'res-a1', customer_id: ANA, occurred_at: '2025-07-01T10:20:00Z', type: 'resolved', resolved_by: 'agent' },
    { event_id: 'csat-a1', customer_id: ANA, occurred_at: '2025-07-01T10:25:00Z', type: 'csat', score: 4 },
  ].map((e) => ({ tenant_id: tenant, conversation_id: 'auto', channel: 'whatsapp', ...e }))

async function receive(webhook: Webhook, at = webhook.at) {
  clock = new Date(at)
  const request = signedRequest('http://localhost/v1/webhooks/twilio/acme', webhook.params, AUTH_TOKEN)
  const headers = { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': request.signature }
  const response = await twilio.request('/v1/webhooks/twilio/acme', { method: 'POST', headers, body: request.body })
  expect(response.status).toBe(200)
}

// Hand-computed for 2025-07-01 (UTC): three conversations (Bob, Ana, Carla).
const EXPECTED = {
  conversations: 3,
  frt_p50_s: 17.5, // Bob 30 s (button 09:10:00 → bot 09:10:30), Ana 5 s; Carla got no reply: (5 + 30) / 2
  frt_p90_s: 27.5, // 5 + 0.9 × (30 − 5)
  frt_avg_s: 17.5,
  bot_resolution_rate: 1 / 3, // Bob
  escalation_rate: 1 / 3, // Ana
  handoff_wait_p50_s: 120, // handoff 10:02:10 → agent 10:04:10
  handoff_context_rate: 1,
  csat_score: 100, // Ana: 4, a satisfied answer
  csat_avg: 4,
  csat_response_rate: 1 / 3,
  cost_per_conversation: (0.004 + 0.0604) / 3, // the two prices Twilio gave, once each
  fcr_rate: 1, // Ana and Bob resolved, neither came back within 7 days
}

async function kpisOf(key: string) {
  const response = await getKpis(pulso, key, 'from=2025-07-01&to=2025-07-01&grain=day')
  expect(response.status).toBe(200)
  expect(response.body.rows).toHaveLength(1)
  return response.body.rows[0] as Record<string, unknown>
}

describe('KPIs of a Twilio webhook stream', () => {
  it('equal those of the contract-v1 events it maps to, and the hand-computed values', async () => {
    for (const webhook of webhooks) await receive(webhook)
    expect((await postEvents(pulso, TEST_KEYS.acmeIngest, ndjson(otherSystems('acme')))).status).toBe(200)
    expect((await postEvents(pulso, TEST_KEYS.globexIngest, ndjson([...twilioAsEvents('globex'), ...otherSystems('globex')]))).status).toBe(200)
    await inbox().whenIdle()
    const fromTwilio = await kpisOf(TEST_KEYS.acmeRead)
    const fromEvents = await kpisOf(TEST_KEYS.globexRead)
    for (const [field, value] of Object.entries(fromEvents)) {
      if (typeof value === 'number') expect(fromTwilio[field], field).toBeCloseTo(value, 9)
      else expect(fromTwilio[field], field).toEqual(value)
    }
    for (const [field, value] of Object.entries(EXPECTED)) expect(fromTwilio[field], field).toBeCloseTo(value, 9)
  })

  it('do not change when every webhook is delivered again a day later', async () => {
    const before = await kpisOf(TEST_KEYS.acmeRead)
    for (const webhook of webhooks) await receive(webhook, '2025-07-02T08:00:00Z')
    await inbox().whenIdle()
    expect(await kpisOf(TEST_KEYS.acmeRead)).toEqual(before)
    const nextDay = await getKpis(pulso, TEST_KEYS.acmeRead, 'from=2025-07-02&to=2025-07-02&grain=day')
    expect(nextDay.body.rows[0].conversations).toBe(0)
  })

  it("report the Twilio-sent template as delivered, read and replied from Twilio's statuses", async () => {
    const response = await pulso.app.request('/v1/proactive?from=2025-07-01&to=2025-07-31', { headers: { authorization: `Bearer ${TEST_KEYS.acmeRead}` } })
    expect(response.status).toBe(200)
    const [row] = ((await response.json()) as any).rows
    expect(row).toMatchObject({ template: 'order_update', campaign: 'july', sent: 1, with_status: 1, delivered: 1, read: 1, failed: 0, replied: 1 })
  })
})
