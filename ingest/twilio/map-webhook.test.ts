// Twilio WhatsApp webhooks (incoming messages, status callbacks) → v1 events and delivery facts.
import { describe, expect, it } from 'vitest'
import { hashPhoneNumber } from '../contract/pseudonymize.ts'
import { validateEvent } from '../contract/validate.ts'
import { mapTwilioWebhook } from './map-webhook.ts'
import { parseForm, type TwilioParams } from './signature.ts'
import { formBody, incomingMessage, sid, statusCallback } from './twilio-payloads.ts'

const options = { tenantId: 'acme', hashKey: 'k', receivedAt: '2025-07-01T10:00:00.250Z' }
const ANA = '+5215512345678'

describe('incoming messages', () => {
  it('a text message is a customer message of the WhatsApp conversation Pulso assigns, at the time Pulso received it', () => {
    const mapped = mapTwilioWebhook(incomingMessage({ sid: sid('SM', 'a1'), from: ANA, body: 'Hola, ¿dónde está mi pedido?' }), options)
    expect(mapped.problems).toEqual([])
    expect(mapped.statuses).toEqual([])
    expect(mapped.events).toEqual([
      {
        event_id: `tw:${sid('SM', 'a1')}`,
        tenant_id: 'acme',
        conversation_id: 'auto:wa',
        occurred_at: '2025-07-01T10:00:00.250Z',
        type: 'message',
        sender: 'customer',
        channel: 'whatsapp',
        // WaId; the intake hashes it like any phone number, so it joins Chatwoot's '+52 1 55 1234 5678'
        customer_id: '5215512345678',
        text: 'Hola, ¿dónde está mi pedido?',
        tw_message_type: 'text',
        tw_num_media: 0,
        tw_business_number: '+14155238886',
      },
    ])
    const validation = validateEvent(mapped.events[0])
    expect(validation.ok).toBe(true)
    // personal data and media links are not copied; they stay in the raw inbox body only
    expect(mapped.unused).toEqual(expect.arrayContaining(['ProfileName', 'ReferralNumMedia']))
  })

  it('survives the form encoding Twilio uses (+ for spaces, percent escapes)', () => {
    const params = parseForm(formBody(incomingMessage({ sid: sid('SM', 'a2'), from: ANA, body: 'a+b & c = ñ' })))
    expect(mapTwilioWebhook(params, options).events[0]).toMatchObject({ text: 'a+b & c = ñ', customer_id: '5215512345678' })
  })

  it('keeps the template a button reply answers and the button payload, so the reply joins the send', () => {
    const template = sid('SM', 'tpl')
    const mapped = mapTwilioWebhook(
      incomingMessage({ sid: sid('SM', 'b1'), from: ANA, button: { text: 'Track my order', payload: 'track' }, repliedTo: template }),
      options,
    )
    expect(mapped.events[0]).toMatchObject({ text: 'Track my order', tw_message_type: 'button', wa_context_id: template, wa_reply_id: 'track' })
  })

  it('a photo without a caption is a message with its media type and no text', () => {
    const mapped = mapTwilioWebhook(
      incomingMessage({
        sid: sid('MM', 'p1'),
        from: ANA,
        media: { contentType: 'image/jpeg', url: 'https://api.twilio.com/2010-04-01/Accounts/AC/Messages/MM/Media/ME' },
      }),
      options,
    )
    const [event] = mapped.events
    expect(event).toMatchObject({ tw_message_type: 'image', tw_num_media: 1, wa_mime_type: 'image/jpeg' })
    expect(event).not.toHaveProperty('text')
    expect(mapped.unused).toContain('MediaUrl0')
  })

  it('without WaId, the number comes from From', () => {
    const params = incomingMessage({ sid: sid('SM', 'a3'), from: ANA })
    delete params.WaId
    expect(mapTwilioWebhook(params, options).events[0]).toMatchObject({ customer_id: ANA })
  })
})

describe('status callbacks', () => {
  it('a status is a delivery fact keyed by the MessageSid, with the recipient pseudonymized and no price', () => {
    const mapped = mapTwilioWebhook(statusCallback({ sid: sid('SM', 't1'), to: ANA, status: 'read' }), options)
    expect(mapped.events).toEqual([])
    expect(mapped.problems).toEqual([])
    const pseudonym = hashPhoneNumber(ANA, 'k')
    expect(mapped.statuses).toEqual([
      {
        tenant_id: 'acme',
        message_id: sid('SM', 't1'),
        status: 'read',
        occurred_at: '2025-07-01 10:00:00.250',
        recipient_id: pseudonym,
        phone_number_id: '+14155238886',
        billable: null,
        pricing_model: null,
        pricing_category: null,
        meta_conversation_id: null,
        error_code: null,
        error_title: null,
        raw: expect.any(String),
      },
    ])
    const raw = JSON.parse(mapped.statuses[0]!.raw)
    expect(raw).toMatchObject({ MessageStatus: 'read', EventType: 'READ', To: pseudonym, ChannelToAddress: pseudonym })
    expect(mapped.statuses[0]!.raw).not.toContain('5512345678')
  })

  it("Twilio's undelivered is WhatsApp's failed, with its error code", () => {
    const [row] = mapTwilioWebhook(statusCallback({ sid: sid('SM', 't2'), to: ANA, status: 'undelivered', errorCode: '63016' }), options).statuses
    expect(row).toMatchObject({ status: 'failed', error_code: 63016, error_title: 'Unknown error' })
    expect(JSON.parse(row!.raw).MessageStatus).toBe('undelivered')
  })

  it('a price Twilio gives becomes one cost event per message, in its currency, with no category', () => {
    const priced = statusCallback({ sid: sid('SM', 't3'), to: ANA, status: 'delivered', price: { price: '-0.02550', unit: 'USD' } })
    const mapped = mapTwilioWebhook(priced, options)
    expect(mapped.events).toEqual([
      {
        event_id: `tw:cost:${sid('SM', 't3')}`,
        tenant_id: 'acme',
        conversation_id: 'auto:wa',
        occurred_at: '2025-07-01T10:00:00.250Z',
        type: 'cost',
        channel: 'whatsapp',
        customer_id: ANA,
        amount: '0.02550',
        currency: 'USD',
        component: 'whatsapp',
        tw_message_sid: sid('SM', 't3'),
      },
    ])
    expect(validateEvent(mapped.events[0]).ok).toBe(true)
  })

  it('a zero or unreadable price is no cost', () => {
    for (const price of [
      { price: '0.00000', unit: 'USD' },
      { price: 'n/a', unit: 'USD' },
      { price: '-0.005', unit: 'usd' },
    ]) {
      const mapped = mapTwilioWebhook(statusCallback({ sid: sid('SM', 't4'), to: ANA, status: 'sent', price }), options)
      expect(mapped.events).toEqual([])
      expect(mapped.statuses).toHaveLength(1)
    }
  })
})

describe('what cannot be mapped', () => {
  it('a request without MessageSid, an SMS, or an unknown status is a problem to dead-letter', () => {
    expect(mapTwilioWebhook({ Body: 'hi' }, options).problems).toEqual(['no MessageSid: not a Twilio Programmable Messaging webhook'])
    const sms: TwilioParams = { ...incomingMessage({ sid: sid('SM', 's1'), from: ANA }), From: ANA }
    delete sms.WaId // an SMS has none
    expect(mapTwilioWebhook(sms, options).problems[0]).toMatch(/not a whatsapp: address/)
    const smsStatus = { ...statusCallback({ sid: sid('SM', 's2'), to: ANA, status: 'sent' }), To: ANA, ChannelPrefix: 'sms' }
    expect(mapTwilioWebhook(smsStatus, options).problems[0]).toMatch(/not a whatsapp: address/)
    const odd = { ...statusCallback({ sid: sid('SM', 's3'), to: ANA, status: 'sent' }), MessageStatus: 'teleported', SmsStatus: 'teleported' }
    expect(mapTwilioWebhook(odd, options).problems[0]).toMatch(/'teleported' is neither/)
  })
})
