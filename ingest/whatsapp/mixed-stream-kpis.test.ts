// DESIGN.md's KPIs, cost per conversation included, from a mixed stream: Meta-shaped WhatsApp
// webhooks (customer messages, statuses with pricing), Chatwoot webhooks (bot and agent messages,
// handoff, resolutions, CSAT) and events a campaign tool posts (template send, conversion) —
// delivered out of order, then all over again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getKpis, ndjson, openTestPulso, postEvents, TEST_KEYS, type TestPulso } from '../../tests/helpers.ts'
import { type Contact, csatSubmitted, messageCreated, statusChanged } from '../chatwoot/chatwoot-payloads.ts'
import { webhookInbox } from '../webhook-inbox.ts'
import { BUSINESS, inbound, messageOf, statuses } from './meta-payloads.ts'
import { signBody } from './signature.ts'

let pulso: TestPulso
const SECRET = 'acme-app-secret'
const CW_TOKEN = 'chatwoot-token-0123456789'

beforeAll(async () => {
  pulso = await openTestPulso({ PULSO_WHATSAPP_TENANTS: `acme:acme-verify:${SECRET}`, PULSO_CHATWOOT_TENANTS: `acme:${CW_TOKEN}` })
})
afterAll(async () => {
  await webhookInbox({ warehouse: pulso.warehouse, intake: pulso.intake, config: pulso.config }).whenIdle()
  await pulso?.cleanup()
})

const ana: Contact = { id: 14, name: 'Ana', phone: '+52 1 55 1234 5678' } // WhatsApp 5215512345678 (MX)
const bob: Contact = { id: 15, name: 'Bob', phone: '+1 650-555-1234' } // WhatsApp 16505551234 (US)
const ANA = '5215512345678'
const BOB = '16505551234'
const CARLA = '447700900123' // GB: not in the default price table → the default market's prices

type Delivery = { to: 'whatsapp' | 'chatwoot'; payload: object }
const wa = (payload: object): Delivery => ({ to: 'whatsapp', payload })
const cw = (payload: object): Delivery => ({ to: 'chatwoot', payload })
const withContext = (message: Record<string, unknown>, id: string) => ({ ...message, context: { from: BUSINESS.displayPhoneNumber, id } })

const deliveries: Delivery[] = [
  // Ana writes, the bot answers 5 s later, hands off with full context, an agent answers 120 s after the handoff
  wa(inbound(ANA, [messageOf('text', { id: 'wamid.a1', from: ANA, at: '2025-07-01T10:00:00Z' })], 'Ana')),
  cw(messageCreated({ id: 100, conversationId: 10, contact: ana, from: 'customer', at: '2025-07-01T10:00:00Z', sourceId: 'wamid.a1' })), // the same message, seen by Chatwoot
  cw(messageCreated({ id: 101, conversationId: 10, contact: ana, from: 'bot', at: '2025-07-01T10:00:05Z' })),
  cw(
    statusChanged({
      conversationId: 10,
      contact: ana,
      from: 'pending',
      to: 'open',
      at: '2025-07-01T10:01:00Z',
      assignee: false,
      intent: 'returns',
      handoffReason: 'bot_fallback',
    }),
  ),
  cw(messageCreated({ id: 102, conversationId: 10, contact: ana, from: 'agent', at: '2025-07-01T10:03:00Z' })),
  // the agent's reply is a free service message
  wa(
    statuses([
      { id: 'wamid.a-out', status: 'sent', recipient: ANA, at: '2025-07-01T10:03:01Z', pricing: { billable: false, category: 'service' } },
      { id: 'wamid.a-out', status: 'delivered', recipient: ANA, at: '2025-07-01T10:03:02Z', pricing: { billable: false, category: 'service' } },
    ]),
  ),
  wa(statuses([{ id: 'wamid.a-out', status: 'read', recipient: ANA, at: '2025-07-01T10:04:00Z' }])),
  cw(statusChanged({ conversationId: 10, contact: ana, from: 'open', to: 'resolved', at: '2025-07-01T10:10:00Z', assignee: true })),
  cw(csatSubmitted({ messageId: 103, conversationId: 10, contact: ana, rating: 5, at: '2025-07-01T10:12:00Z' })),
  // Bob gets an order update template (utility, billable), answers its button, the bot resolves
  wa(
    statuses([
      { id: 'wamid.t1', status: 'sent', recipient: BOB, at: '2025-07-01T09:00:01Z', pricing: { billable: true, category: 'utility' } },
      { id: 'wamid.t1', status: 'delivered', recipient: BOB, at: '2025-07-01T09:00:03Z', pricing: { billable: true, category: 'utility' } },
    ]),
  ),
  wa(statuses([{ id: 'wamid.t1', status: 'read', recipient: BOB, at: '2025-07-01T09:05:00Z' }])),
  wa(inbound(BOB, [withContext(messageOf('button', { id: 'wamid.b1', from: BOB, at: '2025-07-01T09:10:00Z' }), 'wamid.t1')], 'Bob')),
  cw(messageCreated({ id: 201, conversationId: 20, contact: bob, from: 'bot', at: '2025-07-01T09:10:30Z' })),
  cw(statusChanged({ conversationId: 20, contact: bob, from: 'pending', to: 'resolved', at: '2025-07-01T09:15:00Z', assignee: false })),
  // Carla writes and gets a marketing message (billable); nobody answers her
  wa(inbound(CARLA, [messageOf('text', { id: 'wamid.c1', from: CARLA, at: '2025-07-01T12:00:00Z' })], 'Carla')),
  wa(statuses([{ id: 'wamid.c-out', status: 'sent', recipient: CARLA, at: '2025-07-01T12:05:00Z', pricing: { billable: true, category: 'marketing' } }])),
]

// what the campaign tool posts to /v1/events: the send (with the wamid the Graph API returned) and the sale
const campaignEvents = [
  {
    event_id: 'send-b1',
    tenant_id: 'acme',
    conversation_id: 'auto',
    customer_id: '+16505551234',
    occurred_at: '2025-07-01T09:00:00Z',
    type: 'proactive_sent',
    template: 'order_update',
    category: 'utility',
    campaign: 'july',
    whatsapp_message_id: 'wamid.t1',
  },
  {
    event_id: 'sale-b1',
    tenant_id: 'acme',
    conversation_id: 'auto',
    customer_id: '+16505551234',
    occurred_at: '2025-07-02T12:00:00Z',
    type: 'conversion',
    value: 30,
    currency: 'USD',
    campaign: 'july',
  },
]

async function deliver(d: Delivery) {
  const body = JSON.stringify(d.payload)
  const response =
    d.to === 'whatsapp'
      ? await pulso.app.request('/v1/webhooks/whatsapp/acme', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-hub-signature-256': signBody(body, SECRET) },
          body,
        })
      : await pulso.app.request(`/v1/webhooks/chatwoot/acme/${CW_TOKEN}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
  expect(response.status).toBe(200)
}

async function deliverAll(order: Delivery[]) {
  for (const d of order) await deliver(d)
  expect((await postEvents(pulso, TEST_KEYS.acmeIngest, ndjson(campaignEvents))).status).toBe(200)
  await webhookInbox({ warehouse: pulso.warehouse, intake: pulso.intake, config: pulso.config }).whenIdle()
}

// Hand-computed for 2025-07-01 (UTC): three conversations (Ana, Bob, Carla).
const EXPECTED = {
  period: '2025-07-01',
  conversations: 3,
  frt_p50_s: 17.5, // Ana 5 s, Bob 30 s (Carla got no reply): median (5 + 30) / 2
  frt_p90_s: 27.5, // 5 + 0.9 × (30 − 5)
  frt_avg_s: 17.5,
  bot_resolution_rate: 1 / 3, // Bob
  escalation_rate: 1 / 3, // Ana
  handoff_wait_p50_s: 120, // handoff 10:01:00 → agent 10:03:00
  handoff_context_rate: 1, // transcript, profile (phone) and intent 'returns'
  csat_score: 100, // Ana: 5
  csat_avg: 5,
  csat_response_rate: 1 / 3,
  cost_per_conversation: (0.004 + 0.0604) / 3, // Bob's utility template in US + Carla's marketing message at the default price
  fcr_rate: 1, // Ana and Bob resolved, neither came back within 7 days
}

function expectKpis(row: Record<string, number | string>) {
  for (const [field, value] of Object.entries(EXPECTED)) {
    if (typeof value === 'number') expect(row[field], field).toBeCloseTo(value, 9)
    else expect(row[field], field).toBe(value)
  }
}

describe('KPIs from a mixed WhatsApp + Chatwoot stream', () => {
  it('computes every KPI, cost per conversation included, whatever the arrival order', async () => {
    await deliverAll([...deliveries].reverse())
    const kpis = await getKpis(pulso, TEST_KEYS.acmeRead, 'from=2025-07-01&to=2025-07-07&grain=day')
    expect(kpis.status).toBe(200)
    // the sale on 07-02 joins Bob's conversation; it opens none (every other day has 0)
    const days = kpis.body.rows.filter((r: any) => r.conversations > 0)
    expect(days.map((r: any) => r.period)).toEqual(['2025-07-01'])
    expect(kpis.body.rows).toHaveLength(7)
    expectKpis(days[0])
  })

  it('gives the same KPIs when every webhook is delivered again', async () => {
    await deliverAll(deliveries)
    const kpis = await getKpis(pulso, TEST_KEYS.acmeRead, 'from=2025-07-01&to=2025-07-07&grain=day')
    const days = kpis.body.rows.filter((r: any) => r.conversations > 0)
    expect(days.map((r: any) => r.period)).toEqual(['2025-07-01'])
    expectKpis(days[0])
  })

  it('reports the template send as delivered, read, replied and converted', async () => {
    const response = await pulso.app.request('/v1/proactive?from=2025-07-01&to=2025-07-31', { headers: { authorization: `Bearer ${TEST_KEYS.acmeRead}` } })
    expect(response.status).toBe(200)
    const body = (await response.json()) as any
    expect(body.rows).toEqual([
      {
        template: 'order_update',
        campaign: 'july',
        sent: 1,
        with_status: 1,
        delivered: 1,
        delivered_rate: 1,
        read: 1,
        read_rate: 1,
        failed: 0,
        failed_rate: 0,
        replied: 1,
        reply_rate: 1,
        conversions: 1,
        conversion_rate: 1,
        conversion_value: 30,
        // the template's one charge: WhatsApp priced it utility, and a US number's utility price is 0.004 USD
        cost: 0.004,
      },
    ])
  })

  it('refuses a Chatwoot webhook with a wrong token and stores nothing from it', async () => {
    const body = JSON.stringify(messageCreated({ id: 999, conversationId: 10, contact: ana, from: 'agent', at: '2025-07-01T11:00:00Z' }))
    const response = await pulso.app.request('/v1/webhooks/chatwoot/acme/not-the-token-at-all', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    })
    expect(response.status).toBe(401)
    const kpis = await getKpis(pulso, TEST_KEYS.acmeRead, 'from=2025-07-01&to=2025-07-07&grain=day')
    expectKpis(kpis.body.rows[0])
  })
})
