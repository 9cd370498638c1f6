// GET /v1/proactive answers the same every time it is asked, however often. ClickHouse compiles an
// expression after seeing it three times, and its compiler failed on this route's query from the
// fourth call on (LOGICAL_ERROR "Invalid cast from LowCardinality(UInt8) to native type") until
// the process restarted; warehouse/client.ts turns that compiler off.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runAllTests } from '../../dbt-like-models/runner/test.ts'
import { ndjson, openTestPulso, postEvents, TEST_KEYS, type TestPulso } from '../../tests/helpers.ts'
import { insertWhatsAppStatuses } from '../../warehouse/repositories/whatsapp-statuses.ts'

let pulso: TestPulso

const send = {
  tenant_id: 'acme',
  conversation_id: 'c1',
  customer_id: 'p1',
  type: 'proactive_sent',
  template: 'order_update',
  category: 'utility',
  campaign: 'july',
}

beforeAll(async () => {
  pulso = await openTestPulso()
  // Two sends of one template: s1 delivered and read, charged 0.35 (utility), the customer answers 10
  // minutes later and buys the next day (30); s2 sent, and WhatsApp reported no status for it.
  const events = [
    { ...send, event_id: 's1', occurred_at: '2025-07-01T09:00:00Z', whatsapp_message_id: 'wamid.s1' },
    { ...send, event_id: 's2', customer_id: 'p2', conversation_id: 'c2', occurred_at: '2025-07-01T09:00:00Z', whatsapp_message_id: 'wamid.s2' },
    // s3: a promotion sent without a wamid: WhatsApp's statuses can never be joined to it
    { ...send, event_id: 's3', customer_id: 'p3', conversation_id: 'c3', template: 'promo', category: 'marketing', occurred_at: '2025-07-01T10:00:00Z' },
    {
      event_id: 'k1',
      tenant_id: 'acme',
      conversation_id: 'c1',
      customer_id: 'p1',
      occurred_at: '2025-07-01T09:00:01Z',
      type: 'cost',
      amount: '0.35',
      currency: 'USD',
      component: 'whatsapp',
      category: 'utility',
    },
    { event_id: 'm1', tenant_id: 'acme', conversation_id: 'c1', customer_id: 'p1', occurred_at: '2025-07-01T09:10:00Z', type: 'message', sender: 'customer' },
    {
      event_id: 'v1',
      tenant_id: 'acme',
      conversation_id: 'c1',
      customer_id: 'p1',
      occurred_at: '2025-07-02T09:10:00Z',
      type: 'conversion',
      value: '30',
      currency: 'USD',
      campaign: 'july',
    },
  ]
  expect((await postEvents(pulso, TEST_KEYS.acmeIngest, ndjson(events))).body.accepted).toBe(6)
  await insertWhatsAppStatuses(pulso.warehouse, [
    { tenant_id: 'acme', message_id: 'wamid.s1', status: 'delivered', occurred_at: '2025-07-01 09:00:03.000' },
    { tenant_id: 'acme', message_id: 'wamid.s1', status: 'read', occurred_at: '2025-07-01 09:00:04.000' },
  ])
  // `pulso start` runs the model tests before it serves; they query fct_proactive_kpis too.
  await runAllTests(pulso.warehouse, pulso.project)
})
afterAll(async () => pulso?.cleanup())

async function proactive(query: string) {
  const response = await pulso.app.request(`/v1/proactive?${query}`, { headers: { authorization: `Bearer ${TEST_KEYS.acmeRead}` } })
  return { status: response.status, body: (await response.json()) as any }
}

describe('GET /v1/proactive', () => {
  it('gives the same counts and rates on every call of the process, unknown delivery as null', async () => {
    // 2 sends, 1 with a status: of it, 1 delivered, 1 read, 0 failed (rates over 1, not 2: s2's
    // delivery is unknown); of both, 1 replied, 1 converted (30 USD); cost 0.35 (s1's charge)
    const expected = {
      template: 'order_update',
      campaign: 'july',
      sent: 2,
      with_status: 1,
      delivered: 1,
      delivered_rate: 1,
      read: 1,
      read_rate: 1,
      failed: 0,
      failed_rate: 0,
      replied: 1,
      reply_rate: 0.5,
      conversions: 1,
      conversion_rate: 0.5,
      conversion_value: 30,
      cost: 0.35,
    }
    // s3: no status is known, so delivered, read and failed are unknown (null), not 0
    const promo = {
      template: 'promo',
      campaign: 'july',
      sent: 1,
      with_status: 0,
      delivered: null,
      delivered_rate: null,
      read: null,
      read_rate: null,
      failed: null,
      failed_rate: null,
      replied: 0,
      reply_rate: 0,
      conversions: 0,
      conversion_rate: 0,
      conversion_value: 0,
      cost: 0,
    }
    for (let call = 1; call <= 6; call++) {
      const answer = await proactive('from=2025-07-01&to=2025-07-31')
      expect(answer.status, `call ${call}: ${JSON.stringify(answer.body)}`).toBe(200)
      expect(answer.body.rows, `call ${call}`).toEqual([expected, promo])
    }
  })

  it('answers fct_proactive_kpis through /v1/sql as often as asked', async () => {
    const statement = "SELECT template, sent FROM fct_proactive_kpis(timezone = 'UTC', date_from = '2025-07-01', date_to = '2025-07-31')"
    for (let call = 1; call <= 5; call++) {
      const response = await pulso.app.request('/v1/sql', {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_KEYS.acmeRead}`, 'content-type': 'application/json' },
        body: JSON.stringify({ sql: statement }),
      })
      const text = await response.text()
      expect(response.status, `call ${call}: ${text}`).toBe(200)
      expect(JSON.parse(text).data, `call ${call}`).toEqual([
        { template: 'order_update', sent: 2 },
        { template: 'promo', sent: 1 },
      ])
    }
  })

  it('drills from a template (and campaign) to the conversations that got it', async () => {
    const list = async (query: string) => {
      const response = await pulso.app.request(`/v1/conversations?from=2025-07-01&to=2025-07-31&${query}`, {
        headers: { authorization: `Bearer ${TEST_KEYS.acmeRead}` },
      })
      return { status: response.status, body: (await response.json()) as any }
    }
    const ids = (body: any) => body.rows.map((c: { conversation_id: string }) => c.conversation_id).sort()
    // s1 (c1) and s2 (c2) are order_update/july; s3 (c3) is promo/july
    expect(ids((await list('template=order_update')).body)).toEqual(['c1', 'c2'])
    expect(ids((await list('template=order_update&campaign=july')).body)).toEqual(['c1', 'c2'])
    expect(ids((await list('template=promo&campaign=july')).body)).toEqual(['c3'])
    // an empty campaign is a send without one: there is none
    expect((await list('template=promo&campaign=')).body.total).toBe(0)
    // outside the range of the sends, none
    const june = await pulso.app.request('/v1/conversations?from=2025-06-01&to=2025-06-30&template=order_update', {
      headers: { authorization: `Bearer ${TEST_KEYS.acmeRead}` },
    })
    expect(((await june.json()) as any).total).toBe(0)
    const bad = await list('campaign=july')
    expect(bad.status).toBe(400)
    expect(bad.body.message).toBe('`campaign`: only with `template`')
  })
})
