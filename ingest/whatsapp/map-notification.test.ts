import { describe, expect, it } from 'vitest'
import { DEFAULT_PRICES } from '../../config/whatsapp.ts'
import { validateEvent } from '../contract/validate.ts'
import { AUTO_CONVERSATION, mapNotification } from './map-notification.ts'
import { BUSINESS, inbound, MESSAGE_TYPES, messageOf, notification, statuses } from './meta-payloads.ts'

const options = { tenantId: 'acme', hashKey: 'k', prices: DEFAULT_PRICES }
const CUSTOMER = '16505551234'

describe('WhatsApp messages → v1 message events', () => {
  it.each(MESSAGE_TYPES)('maps a %s message to a valid customer message event', (name, type) => {
    const payload = inbound(CUSTOMER, [messageOf(name, { id: `wamid.${name}`, from: CUSTOMER, at: '2025-06-08T20:59:43Z' })])
    const { events, unused } = mapNotification(payload, options)
    expect(unused).toEqual([])
    expect(events).toHaveLength(1)
    const event = events[0]!
    expect(event).toMatchObject({
      event_id: `wamid.${name}`.replace(/^/, 'wa:'),
      tenant_id: 'acme',
      conversation_id: AUTO_CONVERSATION,
      type: 'message',
      sender: 'customer',
      channel: 'whatsapp',
      customer_id: CUSTOMER,
      occurred_at: '2025-06-08T20:59:43.000Z',
      wa_type: type,
      wa_phone_number_id: BUSINESS.phoneNumberId,
    })
    const validation = validateEvent(event)
    expect(validation.ok, validation.ok ? '' : validation.reason).toBe(true)
  })

  it('keeps the words where a message has them, and reply ids for analysis', () => {
    const at = '2025-06-08T20:59:43Z'
    const map = (name: string) => mapNotification(inbound(CUSTOMER, [messageOf(name, { id: 'wamid.x', from: CUSTOMER, at })]), options).events[0]!
    expect(map('text').text).toBe('Does it come in another color?')
    expect(map('image').text).toBe('This is a caption')
    expect(map('interactive_button_reply')).toMatchObject({
      text: 'Change',
      wa_reply_id: 'change-button',
      wa_interactive_type: 'button_reply',
      wa_context_id: expect.stringMatching(/^wamid\./),
    })
    expect(map('interactive_list_reply')).toMatchObject({ text: 'Priority Mail Express', wa_reply_id: 'priority_express' })
    expect(map('button')).toMatchObject({ text: 'Track my order', wa_reply_id: 'Track my order' })
    expect(map('reaction')).toMatchObject({ wa_reacted_message_id: expect.stringMatching(/^wamid\./), wa_emoji: '\u{1F600}' })
    expect(map('order')).toMatchObject({ wa_order_items: 1, text: 'Here is my order' })
    expect(map('unsupported')).toMatchObject({ wa_error_code: 131051 })
    // location and shared contacts are personal data: no text, no coordinates
    expect(map('location').text).toBeUndefined()
    expect(JSON.stringify(map('contacts'))).not.toContain('555-1234')
  })

  it('keeps what it does not use instead of rejecting it', () => {
    const system = {
      from: CUSTOMER,
      id: 'wamid.sys',
      timestamp: '1749416383',
      type: 'system',
      system: { body: 'changed number', wa_id: '16505550000', type: 'user_changed_number' },
    }
    const mixed = {
      object: 'whatsapp_business_account',
      entry: [
        { id: BUSINESS.wabaId, changes: [{ field: 'message_template_status_update', value: { event: 'APPROVED', message_template_name: 'order_update' } }] },
        ...(notification({ messages: [system], errors: [{ code: 131000 }] }).entry as object[]),
      ],
    }
    const { events, statuses: rows, unused } = mapNotification(mixed, options)
    expect(events).toEqual([])
    expect(rows).toEqual([])
    expect(unused).toEqual(["change field 'message_template_status_update'", 'system message wamid.sys (user_changed_number)', 'value.errors'])
  })
})

describe('WhatsApp statuses → delivery facts and cost events', () => {
  it('records sent, delivered, read and failed with errors, recipients pseudonymized', () => {
    const payload = statuses([
      { id: 'wamid.out1', status: 'sent', recipient: CUSTOMER, at: '2025-07-02T10:00:00Z', pricing: { billable: true, category: 'utility' } },
      { id: 'wamid.out1', status: 'delivered', recipient: CUSTOMER, at: '2025-07-02T10:00:02Z', pricing: { billable: true, category: 'utility' } },
      { id: 'wamid.out1', status: 'read', recipient: CUSTOMER, at: '2025-07-02T10:01:00Z' },
      { id: 'wamid.out2', status: 'failed', recipient: CUSTOMER, at: '2025-07-02T10:02:00Z' },
    ])
    const { statuses: rows, events } = mapNotification(payload, options)
    expect(rows.map((r) => [r.message_id, r.status, r.error_code])).toEqual([
      ['wamid.out1', 'sent', null],
      ['wamid.out1', 'delivered', null],
      ['wamid.out1', 'read', null],
      ['wamid.out2', 'failed', 131050],
    ])
    expect(rows[0]!.recipient_id).toMatch(/^ph_[0-9a-f]{32}$/)
    expect(rows.map((r) => r.raw).join('')).not.toContain(CUSTOMER)
    // sent and delivered both carry the pricing of one billable message: one cost event id
    expect(events.map((e) => e.event_id)).toEqual(['wa:cost:wamid.out1', 'wa:cost:wamid.out1'])
    // a US number (+1) at the default table's US utility price
    expect(events[0]).toMatchObject({
      type: 'cost',
      amount: 0.004,
      currency: 'USD',
      component: 'whatsapp',
      category: 'utility',
      wa_market: 'US',
      customer_id: CUSTOMER,
    })
    expect(validateEvent(events[0]).ok).toBe(true)
  })

  it('prices by market and category from the configured table; free messages cost nothing', () => {
    const prices = { currency: 'MXN', markets: { default: { marketing: 1, utility: 0.5, authentication: 0.5, service: 0 }, MX: { marketing: 0.8 } } }
    const payload = statuses([
      { id: 'wamid.mx', status: 'sent', recipient: '5215512345678', at: '2025-07-02T10:00:00Z', pricing: { billable: true, category: 'marketing' } },
      { id: 'wamid.mxu', status: 'sent', recipient: '5215512345678', at: '2025-07-02T10:00:00Z', pricing: { billable: true, category: 'utility' } },
      { id: 'wamid.free', status: 'sent', recipient: '5215512345678', at: '2025-07-02T10:00:00Z', pricing: { billable: false, category: 'service' } },
      {
        id: 'wamid.auth',
        status: 'sent',
        recipient: '447700900123',
        at: '2025-07-02T10:00:00Z',
        pricing: { billable: true, category: 'authentication_international' },
      },
    ])
    const { events } = mapNotification(payload, { ...options, prices })
    expect(events.map((e) => [e.event_id, e.amount, e.currency, e.category, e.wa_market])).toEqual([
      ['wa:cost:wamid.mx', 0.8, 'MXN', 'marketing', 'MX'],
      ['wa:cost:wamid.mxu', 0.5, 'MXN', 'utility', 'MX'], // MX has no utility price: the default market's
      ['wa:cost:wamid.auth', 0.5, 'MXN', 'authentication', 'GB'],
    ])
  })

  it('charges per-conversation pricing (CBP) once per Meta conversation', () => {
    const conversation = { id: 'f9b4c3e2a1d0', origin: 'marketing', expiresAt: '2025-06-02T10:00:00Z' }
    const payload = statuses([
      {
        id: 'wamid.a',
        status: 'sent',
        recipient: CUSTOMER,
        at: '2025-06-01T10:00:00Z',
        pricing: { billable: true, category: 'marketing', pricing_model: 'CBP' },
        conversation,
      },
      {
        id: 'wamid.b',
        status: 'sent',
        recipient: CUSTOMER,
        at: '2025-06-01T11:00:00Z',
        pricing: { billable: true, category: 'marketing', pricing_model: 'CBP' },
        conversation,
      },
    ])
    const { events, statuses: rows } = mapNotification(payload, options)
    expect(new Set(events.map((e) => e.event_id))).toEqual(new Set(['wa:cost:conv:f9b4c3e2a1d0']))
    expect(rows[0]).toMatchObject({ meta_conversation_id: 'f9b4c3e2a1d0', pricing_model: 'CBP', billable: true })
  })
})
