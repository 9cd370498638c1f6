import { describe, expect, it } from 'vitest'
import { hashPhoneNumber, pseudonymizeCustomerId } from '../contract/pseudonymize.ts'
import { validateEvent } from '../contract/validate.ts'
import { type Contact, csatSubmitted, messageCreated, statusChanged } from './chatwoot-payloads.ts'
import { chatwootTime, mapChatwootWebhook } from './map-webhook.ts'

const ana: Contact = { id: 14, name: 'Ana', phone: '+52 1 55 1234 5678' }
const webVisitor: Contact = { id: 15, name: 'little-haze-776' }

const only = (payload: object) => {
  const { events, unused } = mapChatwootWebhook(payload, 'acme')
  expect(unused).toEqual([])
  expect(events).toHaveLength(1)
  const v = validateEvent(events[0])
  expect(v.ok, v.ok ? '' : v.reason).toBe(true)
  return events[0]!
}

describe('Chatwoot webhooks → v1 events', () => {
  it('maps agent and bot messages of a WhatsApp contact onto the customer thread', () => {
    const agent = only(messageCreated({ id: 200, conversationId: 10, contact: ana, from: 'agent', at: '2025-07-01T10:03:00.000Z' }))
    expect(agent).toMatchObject({
      event_id: 'cw:1:msg:200',
      type: 'message',
      sender: 'agent',
      agent_id: 'cw:7',
      conversation_id: 'auto:wa',
      customer_id: ana.phone,
      channel: 'whatsapp',
      occurred_at: '2025-07-01T10:03:00.000Z',
    })
    expect(only(messageCreated({ id: 201, conversationId: 10, contact: ana, from: 'bot', at: '2025-07-01T10:00:05Z' }))).toMatchObject({ sender: 'bot' })
  })

  it('gives the customer the same pseudonym as the WhatsApp wa_id', () => {
    const event = only(messageCreated({ id: 202, conversationId: 10, contact: ana, from: 'bot', at: '2025-07-01T10:00:05Z' }))
    expect(pseudonymizeCustomerId(event.customer_id as string, 'k')).toBe(hashPhoneNumber('5215512345678', 'k'))
  })

  it('gives an incoming WhatsApp message the event id the WhatsApp webhook gives it', () => {
    const event = only(
      messageCreated({
        id: 203,
        conversationId: 10,
        contact: ana,
        from: 'customer',
        at: '2025-07-01T10:00:00Z',
        sourceId: 'wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFjNFQjBDNzE',
      }),
    )
    expect(event).toMatchObject({ event_id: 'wa:wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFjNFQjBDNzE', sender: 'customer' })
  })

  it('keeps a contact without a phone in its own Chatwoot conversation', () => {
    expect(only(messageCreated({ id: 204, conversationId: 11, contact: webVisitor, from: 'agent', at: '2025-07-01T10:00:00Z' }))).toMatchObject({
      conversation_id: 'cw:1:11',
      customer_id: 'cw:1:contact:15',
    })
  })

  it('turns pending → open into a handoff with context, and resolved into a resolution', () => {
    const handoff = only(
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
    )
    expect(handoff).toMatchObject({
      type: 'handoff',
      reason: 'bot_fallback',
      context: { transcript: true, customer_profile: true, intent: 'returns' },
      intent: 'returns',
      conversation_id: 'auto:wa',
    })
    expect(only(statusChanged({ conversationId: 10, contact: ana, from: 'open', to: 'resolved', at: '2025-07-01T10:10:00Z', assignee: true }))).toMatchObject({
      type: 'resolved',
      resolved_by: 'agent',
    })
    expect(
      only(statusChanged({ conversationId: 10, contact: ana, from: 'pending', to: 'resolved', at: '2025-07-01T10:10:00Z', assignee: false })),
    ).toMatchObject({ resolved_by: 'bot' })
    // reopening a resolved conversation is not a handoff
    const reopened = mapChatwootWebhook(
      statusChanged({ conversationId: 10, contact: ana, from: 'resolved', to: 'open', at: '2025-07-02T10:00:00Z', assignee: true }),
      'acme',
    )
    expect(reopened.events).toEqual([])
  })

  it('maps a submitted CSAT survey to a csat event', () => {
    expect(only(csatSubmitted({ messageId: 300, conversationId: 10, contact: ana, rating: 4, at: '2025-07-01T10:12:00Z', feedback: 'quick' }))).toMatchObject({
      type: 'csat',
      score: 4,
      comment: 'quick',
    })
  })

  it('keeps private notes and other events out of the KPIs', () => {
    const note = mapChatwootWebhook(
      messageCreated({ id: 205, conversationId: 10, contact: ana, from: 'agent', at: '2025-07-01T10:00:00Z', private: true }),
      'acme',
    )
    expect(note.events).toEqual([])
    expect(mapChatwootWebhook({ event: 'contact_updated', id: 1 }, 'acme').unused).toEqual(["event 'contact_updated'"])
  })

  it('reads the time formats Chatwoot writes', () => {
    expect(chatwootTime(1627063369)).toBe('2021-07-23T18:02:49.000Z')
    expect(chatwootTime('2021-07-23T18:02:48.000Z')).toBe('2021-07-23T18:02:48.000Z')
    expect(chatwootTime('2020-03-03 13:05:57 UTC')).toBe('2020-03-03T13:05:57.000Z')
  })
})
