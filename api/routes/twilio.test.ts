// The Twilio WhatsApp webhook end to end on a real chDB: X-Twilio-Signature over the URL Twilio
// called (behind a proxy: the configured public URL), durable intake, redelivery, status facts,
// prices, dead letters and the replay of what a crash left unprocessed.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashPhoneNumber } from '../../ingest/contract/pseudonymize.ts'
import type { TwilioParams } from '../../ingest/twilio/signature.ts'
import { ACCOUNT_SID, formBody, incomingMessage, sid, signedRequest, statusCallback } from '../../ingest/twilio/twilio-payloads.ts'
import { WebhookInbox, webhookInbox } from '../../ingest/webhook-inbox.ts'
import { openTestPulso, type TestPulso } from '../../tests/helpers.ts'
import { queryRows } from '../../warehouse/client.ts'
import { countEvents } from '../../warehouse/repositories/events.ts'
import { countInbox, insertInboxRow } from '../../warehouse/repositories/webhook-inbox.ts'
import { errorResponse } from '../errors.ts'
import { twilioRoutes } from './twilio.ts'

let pulso: TestPulso
const ACME_TOKEN = 'acme-twilio-auth-token'
const GLOBEX_TOKEN = 'globex-twilio-auth-token'
const PUBLIC = 'https://pulso.example.com'
const BOT_URL = 'https://bot.example.com/twilio/incoming'
const ANA = '+5215512345678'

beforeAll(async () => {
  // globex: its bot receives Twilio's incoming-message webhook and forwards it; only its own account
  const configFile = path.join(mkdtempSync(path.join(tmpdir(), 'pulso-twilio-config-')), 'pulso.config.yaml')
  writeFileSync(configFile, `twilio:\n  tenants:\n    globex: { auth_token: ${GLOBEX_TOKEN}, account_sid: ${ACCOUNT_SID}, forwarded_from: '${BOT_URL}' }\n`)
  pulso = await openTestPulso({ PULSO_CONFIG: configFile, PULSO_TWILIO_TENANTS: `acme:${ACME_TOKEN}`, PULSO_TWILIO_PUBLIC_URL: PUBLIC })
})
afterAll(async () => {
  await inbox().whenIdle()
  await pulso?.cleanup()
})

const inbox = () => webhookInbox({ warehouse: pulso.warehouse, intake: pulso.intake, config: pulso.config })

async function post(tenant: string, body: string, signature: string | undefined, query = '') {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' }
  if (signature !== undefined) headers['x-twilio-signature'] = signature
  const response = await pulso.app.request(`/v1/webhooks/twilio/${tenant}${query}`, { method: 'POST', headers, body })
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() }
}

/** What Twilio sends: signed for the public URL it was configured with. */
const signed = (tenant: string, params: TwilioParams, token = ACME_TOKEN, query = '') => {
  const request = signedRequest(`${PUBLIC}/v1/webhooks/twilio/${tenant}${query}`, params, token)
  return post(tenant, request.body, request.signature, query)
}

async function eventsOf(tenant: string) {
  return queryRows<{ event_id: string; type: string; occurred_at: string; customer_id: string; amount: string; currency: string; extra: string }>(
    pulso.warehouse,
    `SELECT event_id, type, toString(occurred_at) AS occurred_at, customer_id, toString(amount) AS amount, currency, extra
FROM ${pulso.warehouse.database}.events WHERE tenant_id = {tenant:String} ORDER BY event_id`,
    { tenant },
  )
}

describe('POST /v1/webhooks/twilio/:tenant (signature)', () => {
  const params = incomingMessage({ sid: sid('SM', 'sig1'), from: ANA, body: 'hola' })
  const url = `${PUBLIC}/v1/webhooks/twilio/acme`
  const body = formBody(params)

  it('refuses with 403, and stores nothing, what Twilio did not sign for this URL and tenant', async () => {
    const tampered = formBody({ ...params, Body: 'adiós' })
    for (const [signature, requestBody, tenant] of [
      [undefined, body, 'acme'], // unsigned
      [signedRequest(url, params, 'not-the-token').signature, body, 'acme'],
      [signedRequest(url, params, GLOBEX_TOKEN).signature, body, 'acme'], // another tenant's token
      [signedRequest(url, params, ACME_TOKEN).signature, tampered, 'acme'], // changed after signing
      // signed for the URL the server sees behind the proxy, not the one configured in Twilio
      [signedRequest('http://localhost/v1/webhooks/twilio/acme', params, ACME_TOKEN).signature, body, 'acme'],
      [signedRequest(`${PUBLIC}/v1/webhooks/twilio/nobody`, params, ACME_TOKEN).signature, body, 'nobody'], // unknown tenant
    ] as const) {
      expect((await post(tenant, requestBody, signature)).status).toBe(403)
    }
    const answer = await post('acme', body, undefined)
    expect(JSON.parse(answer.text)).toEqual({
      error: 'forbidden',
      message: expect.stringContaining(
        `X-Twilio-Signature is missing or is not the signature of this request under the tenant's Twilio auth token (checked against ${url}`,
      ),
    })
    await inbox().whenIdle()
    expect(await countInbox(pulso.warehouse, 'acme', 'twilio')).toBe(0)
    expect(await countEvents(pulso.warehouse, 'acme')).toBe(0)
  })

  it('accepts a signed request with an empty TwiML answer, and signs the query string too', async () => {
    const answer = await signed('acme', params)
    expect(answer).toEqual({ status: 200, type: 'text/xml; charset=utf-8', text: '<?xml version="1.0" encoding="UTF-8"?><Response></Response>' })
    // stored when the answer left, whatever the processing is doing
    expect(await countInbox(pulso.warehouse, 'acme', 'twilio')).toBe(1)
    const withQuery = incomingMessage({ sid: sid('SM', 'sig2'), from: ANA, body: 'otra' })
    expect((await signed('acme', withQuery, ACME_TOKEN, '?source=wa')).status).toBe(200)
    const request = signedRequest(`${PUBLIC}/v1/webhooks/twilio/acme`, withQuery, ACME_TOKEN) // signed without the query
    expect((await post('acme', request.body, request.signature, '?source=wa')).status).toBe(403)
    await inbox().whenIdle()
    expect((await eventsOf('acme')).map((e) => e.event_id)).toEqual([`tw:${sid('SM', 'sig1')}`, `tw:${sid('SM', 'sig2')}`])
  })

  it("accepts a request signed for the tenant's forwarding bot, and refuses another account's", async () => {
    const forwarded = incomingMessage({ sid: sid('SM', 'fw1'), from: ANA, body: 'via bot' })
    const request = signedRequest(BOT_URL, forwarded, GLOBEX_TOKEN)
    expect((await post('globex', request.body, request.signature)).status).toBe(200)
    const otherAccount = { ...forwarded, AccountSid: 'ACffffffffffffffffffffffffffffffff' }
    const answer = await signed('globex', otherAccount, GLOBEX_TOKEN)
    expect(answer.status).toBe(403)
    expect(JSON.parse(answer.text).message).toBe(`AccountSid is not the tenant's Twilio account (${ACCOUNT_SID})`)
    await inbox().whenIdle()
    expect((await eventsOf('globex')).map((e) => e.event_id)).toEqual([`tw:${sid('SM', 'fw1')}`])
  })
})

describe('POST /v1/webhooks/twilio/:tenant (mapping)', () => {
  // Twilio sends no time: a route with a clock that the test sets stands for the time of receipt
  let clock = new Date('2025-07-01T10:00:00.000Z')
  const timed = new Hono()
  timed.onError((error, c) => errorResponse(error, c))
  beforeAll(() => {
    timed.route('/v1/webhooks/twilio', twilioRoutes({ config: pulso.config, inbox, now: () => clock }))
  })
  const receive = async (at: string, tenant: string, params: TwilioParams) => {
    clock = new Date(at)
    const request = signedRequest(`${PUBLIC}/v1/webhooks/twilio/${tenant}`, params, ACME_TOKEN)
    const headers = { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': request.signature }
    const response = await timed.request(`/v1/webhooks/twilio/${tenant}`, { method: 'POST', headers, body: request.body })
    expect(response.status).toBe(200)
  }

  it('the same MessageSid received again counts once, at the time it was first received', async () => {
    const message = incomingMessage({ sid: sid('SM', 'dup1'), from: ANA, body: '¿hay envío gratis?' })
    await receive('2025-07-02T09:00:00.000Z', 'acme', message)
    await receive('2025-07-02T09:00:00.000Z', 'acme', message) // the same request again
    await receive('2025-07-02T09:30:00.000Z', 'acme', message) // and once more, half an hour later
    await inbox().whenIdle()
    const events = (await eventsOf('acme')).filter((e) => e.event_id === `tw:${sid('SM', 'dup1')}`)
    expect(events.map((e) => [e.type, e.occurred_at, e.customer_id])).toEqual([['message', '2025-07-02 09:00:00.000', hashPhoneNumber(ANA, 'test-hash-key')]])
  })

  it('records each status once per message and status, and a price once per message', async () => {
    const template = sid('SM', 'tpl1')
    await receive('2025-07-02T11:00:01.000Z', 'acme', statusCallback({ sid: template, to: ANA, status: 'sent', price: { price: '-0.02500', unit: 'USD' } }))
    await receive(
      '2025-07-02T11:00:03.000Z',
      'acme',
      statusCallback({ sid: template, to: ANA, status: 'delivered', price: { price: '-0.02500', unit: 'USD' } }),
    )
    await receive('2025-07-02T11:00:04.000Z', 'acme', statusCallback({ sid: template, to: ANA, status: 'delivered' }))
    await receive('2025-07-02T11:05:00.000Z', 'acme', statusCallback({ sid: template, to: ANA, status: 'read' }))
    await receive('2025-07-02T11:06:00.000Z', 'acme', statusCallback({ sid: sid('SM', 'tpl2'), to: ANA, status: 'undelivered', errorCode: '63024' }))
    await inbox().whenIdle()
    const statuses = await queryRows<{ message_id: string; status: string; occurred_at: string; recipient_id: string; error_code: number | null }>(
      pulso.warehouse,
      `SELECT message_id, status, toString(min(occurred_at)) AS occurred_at, any(recipient_id) AS recipient_id, any(error_code) AS error_code
FROM ${pulso.warehouse.database}.whatsapp_statuses WHERE tenant_id = 'acme' GROUP BY message_id, status ORDER BY message_id, occurred_at`,
    )
    const ana = hashPhoneNumber(ANA, 'test-hash-key')
    expect(statuses).toEqual([
      { message_id: template, status: 'sent', occurred_at: '2025-07-02 11:00:01.000', recipient_id: ana, error_code: null },
      { message_id: template, status: 'delivered', occurred_at: '2025-07-02 11:00:03.000', recipient_id: ana, error_code: null },
      { message_id: template, status: 'read', occurred_at: '2025-07-02 11:05:00.000', recipient_id: ana, error_code: null },
      { message_id: sid('SM', 'tpl2'), status: 'failed', occurred_at: '2025-07-02 11:06:00.000', recipient_id: ana, error_code: 63024 },
    ])
    const costs = (await eventsOf('acme')).filter((e) => e.type === 'cost')
    expect(costs.map((e) => [e.event_id, e.amount, e.currency, e.occurred_at])).toEqual([[`tw:cost:${template}`, '0.025', 'USD', '2025-07-02 11:00:01.000']])
  })

  it('dead-letters a signed request it cannot map (an SMS) instead of losing it', async () => {
    const sms: TwilioParams = { ...incomingMessage({ sid: sid('SM', 'sms1'), from: ANA, body: 'by SMS' }), From: ANA, To: '+14155238886' }
    delete sms.WaId
    await receive('2025-07-02T12:00:00.000Z', 'acme', sms)
    await inbox().whenIdle()
    const letters = await queryRows<{ source: string; reason: string; payload: string }>(
      pulso.warehouse,
      `SELECT source, reason, payload FROM ${pulso.warehouse.database}.dead_letters WHERE tenant_id = 'acme'`,
    )
    expect(letters).toEqual([{ source: 'twilio', reason: expect.stringMatching(/not a whatsapp: address .*SMS is not mapped/), payload: formBody(sms) }])
  })

  it('processes at start-up what a crash left stored, at the time it was received', async () => {
    const body = formBody(incomingMessage({ sid: sid('SM', 'crash1'), from: ANA, body: 'antes del corte' }))
    await insertInboxRow(pulso.warehouse, { tenant: 'acme', source: 'twilio', notification_id: 'crash-1', body, received_at: '2025-07-03 08:00:00.500' })
    const restarted = new WebhookInbox({ warehouse: pulso.warehouse, intake: pulso.intake, config: pulso.config })
    await restarted.whenIdle()
    const event = (await eventsOf('acme')).find((e) => e.event_id === `tw:${sid('SM', 'crash1')}`)
    expect(event?.occurred_at).toBe('2025-07-03 08:00:00.500')
  })
})
