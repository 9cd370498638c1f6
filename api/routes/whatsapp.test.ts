// The WhatsApp webhook end to end on a real chDB: handshake, signatures, durable intake,
// redelivery and the conversations the staging model assigns.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashPhoneNumber } from '../../ingest/contract/pseudonymize.ts'
import { WebhookInbox, webhookInbox } from '../../ingest/webhook-inbox.ts'
import { inbound, messageOf, statuses } from '../../ingest/whatsapp/meta-payloads.ts'
import { signBody } from '../../ingest/whatsapp/signature.ts'
import { getKpis, openTestPulso, TEST_KEYS, type TestPulso } from '../../tests/helpers.ts'
import { queryRows } from '../../warehouse/client.ts'
import { countEvents } from '../../warehouse/repositories/events.ts'
import { countInbox, insertInboxRow } from '../../warehouse/repositories/webhook-inbox.ts'

let pulso: TestPulso
const SECRET = 'acme-app-secret'

beforeAll(async () => {
  // tenant 'hourly' comes from the config file, with its own 1 h inactivity gap
  const configFile = path.join(mkdtempSync(path.join(tmpdir(), 'pulso-wa-config-')), 'pulso.config.yaml')
  writeFileSync(configFile, 'whatsapp:\n  tenants:\n    hourly: { verify_token: hourly-verify, app_secret: hourly-secret, session_gap_hours: 1 }\n')
  pulso = await openTestPulso({ PULSO_CONFIG: configFile, PULSO_WHATSAPP_TENANTS: `acme:acme-verify:${SECRET},globex:globex-verify:globex-app-secret` })
})
afterAll(async () => {
  await inbox().whenIdle()
  await pulso?.cleanup()
})

const inbox = () => webhookInbox({ warehouse: pulso.warehouse, intake: pulso.intake, config: pulso.config })

async function post(tenant: string, body: string, signature: string | undefined) {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (signature !== undefined) headers['x-hub-signature-256'] = signature
  const response = await pulso.app.request(`/v1/webhooks/whatsapp/${tenant}`, { method: 'POST', headers, body })
  return { status: response.status, body: (await response.json()) as any }
}

const signed = (tenant: string, payload: object, secret = SECRET) => {
  const body = JSON.stringify(payload)
  return post(tenant, body, signBody(body, secret))
}

async function conversationsOf(tenant: string, customer: string) {
  const rows = await queryRows<{ conversation_id: string; n: number }>(
    pulso.warehouse,
    `SELECT conversation_id, count() AS n FROM ${pulso.warehouse.database}.stg_events
WHERE tenant_id = {tenant:String} AND customer_id = {customer:String} GROUP BY conversation_id ORDER BY conversation_id`,
    { tenant, customer: hashPhoneNumber(customer, 'test-hash-key') },
  )
  return rows.map((r) => [r.conversation_id.replace(/^auto:ph_[0-9a-f]+:/, ''), Number(r.n)])
}

const epochMs = (iso: string) => String(Date.parse(iso))

describe('GET /v1/webhooks/whatsapp/:tenant (verification)', () => {
  it("answers Meta's handshake with the challenge as plain text", async () => {
    const response = await pulso.app.request('/v1/webhooks/whatsapp/acme?hub.mode=subscribe&hub.verify_token=acme-verify&hub.challenge=1158201444')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/)
    expect(await response.text()).toBe('1158201444')
  })

  it.each([
    ['a wrong token', '/v1/webhooks/whatsapp/acme?hub.mode=subscribe&hub.verify_token=globex-verify&hub.challenge=1'],
    ['another mode', '/v1/webhooks/whatsapp/acme?hub.mode=unsubscribe&hub.verify_token=acme-verify&hub.challenge=1'],
    ['no token', '/v1/webhooks/whatsapp/acme?hub.mode=subscribe&hub.challenge=1'],
    ['an unknown tenant', '/v1/webhooks/whatsapp/nobody?hub.mode=subscribe&hub.verify_token=acme-verify&hub.challenge=1'],
  ])('answers 403 to %s', async (_, url) => {
    expect((await pulso.app.request(url)).status).toBe(403)
  })
})

describe('POST /v1/webhooks/whatsapp/:tenant (notifications)', () => {
  const payload = inbound('16505551234', [messageOf('text', { id: 'wamid.sig1', from: '16505551234', at: '2025-07-01T10:00:00Z' })])
  const body = JSON.stringify(payload)

  it('stores nothing and answers 401 for unsigned, forged or tampered notifications', async () => {
    expect((await post('acme', body, undefined)).status).toBe(401)
    expect((await post('acme', body, signBody(body, 'not-the-secret'))).status).toBe(401)
    expect((await post('acme', body, signBody(body, 'globex-app-secret'))).status).toBe(401) // another tenant's secret
    expect((await post('acme', body.replace('10', '11'), signBody(body, SECRET))).status).toBe(401) // body changed after signing
    expect((await post('acme', body, 'sha256=zz')).status).toBe(401)
    expect((await post('nobody', body, signBody(body, SECRET))).status).toBe(401) // unknown tenant
    const answer = await post('acme', body, undefined)
    expect(answer.body).toEqual({ error: 'unauthorized', message: expect.stringContaining('X-Hub-Signature-256') })
    await inbox().whenIdle()
    expect(await countInbox(pulso.warehouse, 'acme', 'whatsapp')).toBe(0)
    expect(await countEvents(pulso.warehouse, 'acme')).toBe(0)
  })

  it('stores a signed notification before answering 200, then maps it; a redelivery counts once', async () => {
    const first = await post('acme', body, signBody(body, SECRET))
    expect(first).toEqual({ status: 200, body: { received: true, notification_id: expect.stringMatching(/^[0-9a-f]{64}$/) } })
    // stored when the answer left, whatever the processing is doing
    expect(await countInbox(pulso.warehouse, 'acme', 'whatsapp')).toBe(1)
    expect((await post('acme', body, signBody(body, SECRET))).status).toBe(200) // Meta retries the same body
    // the same message in a differently batched notification
    const rebatched = inbound('16505551234', [
      messageOf('text', { id: 'wamid.sig1', from: '16505551234', at: '2025-07-01T10:00:00Z' }),
      messageOf('image', { id: 'wamid.sig2', from: '16505551234', at: '2025-07-01T10:00:30Z' }),
    ])
    expect((await signed('acme', rebatched)).status).toBe(200)
    await inbox().whenIdle()
    expect(await countInbox(pulso.warehouse, 'acme', 'whatsapp')).toBe(2)
    expect(await countEvents(pulso.warehouse, 'acme')).toBe(2) // wamid.sig1 once, wamid.sig2
    const [row] = await queryRows<{ customer_id: string; source: string; extra: string }>(
      pulso.warehouse,
      `SELECT customer_id, source, extra FROM ${pulso.warehouse.database}.events WHERE tenant_id = 'acme' AND event_id = 'wa:wamid.sig1'`,
    )
    expect(row?.customer_id).toBe(hashPhoneNumber('16505551234', 'test-hash-key'))
    expect(row?.source).toBe('whatsapp')
    expect(JSON.parse(row!.extra)).toMatchObject({ wa_type: 'text' })
  })

  it('processes at start-up what a crash left stored but unprocessed', async () => {
    const crashed = JSON.stringify(inbound('16505551234', [messageOf('audio', { id: 'wamid.crash', from: '16505551234', at: '2025-07-01T10:05:00Z' })]))
    // what the route had stored when the process died, before any processing
    await insertInboxRow(pulso.warehouse, { tenant: 'acme', source: 'whatsapp', notification_id: 'crash-1', body: crashed })
    const restarted = new WebhookInbox({ warehouse: pulso.warehouse, intake: pulso.intake, config: pulso.config })
    await restarted.whenIdle()
    const events = await queryRows<{ event_id: string }>(
      pulso.warehouse,
      `SELECT event_id FROM ${pulso.warehouse.database}.events WHERE tenant_id = 'acme' AND event_id = 'wa:wamid.crash'`,
    )
    expect(events).toHaveLength(1)
    // and a second start-up replays nothing
    // (its own start-up replay is awaited: left running, it could take the next test's notification)
    const restartedAgain = new WebhookInbox({ warehouse: pulso.warehouse, intake: pulso.intake, config: pulso.config })
    await restartedAgain.whenIdle()
    expect(await restartedAgain.recover()).toBe(0)
  })

  it('dead-letters a signed body that is not JSON instead of losing it', async () => {
    expect((await post('acme', 'not json', signBody('not json', SECRET))).status).toBe(200)
    await inbox().whenIdle()
    const letters = await queryRows<{ source: string; payload: string }>(
      pulso.warehouse,
      `SELECT source, payload FROM ${pulso.warehouse.database}.dead_letters WHERE tenant_id = 'acme'`,
    )
    expect(letters).toEqual([{ source: 'whatsapp', payload: 'not json' }])
  })

  it('records statuses once per message and status, however often they arrive', async () => {
    const delivery = statuses([
      { id: 'wamid.out9', status: 'sent', recipient: '16505551234', at: '2025-07-01T11:00:00Z', pricing: { billable: true, category: 'utility' } },
      { id: 'wamid.out9', status: 'delivered', recipient: '16505551234', at: '2025-07-01T11:00:02Z', pricing: { billable: true, category: 'utility' } },
    ])
    await signed('acme', delivery)
    await signed(
      'acme',
      statuses([
        { id: 'wamid.out9', status: 'delivered', recipient: '16505551234', at: '2025-07-01T11:00:02Z', pricing: { billable: true, category: 'utility' } },
      ]),
    )
    await inbox().whenIdle()
    const rows = await queryRows<{ status: string }>(
      pulso.warehouse,
      `SELECT status FROM ${pulso.warehouse.database}.whatsapp_statuses FINAL WHERE tenant_id = 'acme' AND message_id = 'wamid.out9' ORDER BY status`,
    )
    expect(rows.map((r) => r.status)).toEqual(['delivered', 'sent'])
    const costs = await queryRows<{ n: number }>(
      pulso.warehouse,
      `SELECT count() AS n FROM ${pulso.warehouse.database}.stg_events WHERE tenant_id = 'acme' AND type = 'cost'`,
    )
    expect(Number(costs[0]?.n)).toBe(1)
  })
})

describe('conversations from WhatsApp messages (globex, default gap 24 h)', () => {
  const customer = '5215512345678'
  const msg = (id: string, at: string) => inbound(customer, [messageOf('text', { id, from: customer, at })])
  const secret = 'globex-app-secret'

  it('splits at the gap boundary: 24 h of silence opens a new conversation, a millisecond less does not', async () => {
    // WhatsApp timestamps are whole seconds: 23:59:59 later stays, 24:00:00 later opens a new one
    await signed('globex', msg('wamid.g1', '2025-08-01T10:00:00Z'), secret)
    await signed('globex', msg('wamid.g2', '2025-08-02T09:59:59Z'), secret)
    await signed('globex', msg('wamid.g3', '2025-08-03T09:59:59Z'), secret)
    await inbox().whenIdle()
    expect(await conversationsOf('globex', customer)).toEqual([
      [epochMs('2025-08-01T10:00:00Z'), 2],
      [epochMs('2025-08-03T09:59:59Z'), 1],
    ])
  })

  it('a late message that arrives after later ones joins the conversations around it; redelivery changes nothing', async () => {
    // g4 30 h after g3 (a third conversation) …
    await signed('globex', msg('wamid.g4', '2025-08-04T15:59:59Z'), secret)
    await inbox().whenIdle()
    expect((await conversationsOf('globex', customer)).length).toBe(3)
    // … until g5, sent 15 h after g3 but delivered last, bridges g3 and g4 (15 h and 15 h apart)
    await signed('globex', msg('wamid.g5', '2025-08-04T00:59:59Z'), secret)
    await signed('globex', msg('wamid.g5', '2025-08-04T00:59:59Z'), secret)
    await signed('globex', msg('wamid.g1', '2025-08-01T10:00:00Z'), secret)
    await inbox().whenIdle()
    expect(await conversationsOf('globex', customer)).toEqual([
      [epochMs('2025-08-01T10:00:00Z'), 2],
      [epochMs('2025-08-03T09:59:59Z'), 3],
    ])
    const kpis = await getKpis(pulso, TEST_KEYS.globexRead, 'from=2025-08-01&to=2025-08-07&grain=day')
    expect(kpis.body.rows.map((r: any) => [r.period, r.conversations])).toEqual([
      ['2025-08-01', 1],
      ['2025-08-02', 0],
      ['2025-08-03', 1],
      ['2025-08-04', 0],
      ['2025-08-05', 0],
      ['2025-08-06', 0],
      ['2025-08-07', 0],
    ])
  })
})

describe('a tenant with its own inactivity gap (1 h, from the config file)', () => {
  it('opens a new conversation after exactly 1 h of silence', async () => {
    const customer = '16505550000'
    const msg = (id: string, at: string) => inbound(customer, [messageOf('text', { id, from: customer, at })])
    expect((await signed('hourly', msg('wamid.h1', '2025-09-01T10:00:00Z'), 'hourly-secret')).status).toBe(200)
    await signed('hourly', msg('wamid.h2', '2025-09-01T10:59:59Z'), 'hourly-secret') // 59:59 later: same
    await signed('hourly', msg('wamid.h3', '2025-09-01T11:59:59Z'), 'hourly-secret') // 1 h later: new
    await inbox().whenIdle()
    expect(await conversationsOf('hourly', customer)).toEqual([
      [epochMs('2025-09-01T10:00:00Z'), 2],
      [epochMs('2025-09-01T11:59:59Z'), 1],
    ])
  })
})
