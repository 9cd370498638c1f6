// Rasa tracker events, in the shapes Rasa's Kafka event broker publishes, mapped onto v1 events.
import { describe, expect, it } from 'vitest'
import { validateEvent } from '../contract/validate.ts'
import { DEFAULT_RASA_MAPPING, mapRasaEvent, RASA_CONVERSATION, type RasaMapping, type RasaOutcome } from './map-event.ts'
import { ASSISTANT, actionExecuted, actionRejected, botUttered, epoch, sessionStarted, slotSet, userFeaturization, userUttered } from './rasa-payloads.ts'

const mapping: RasaMapping = { ...DEFAULT_RASA_MAPPING, tenantId: 'acme' }
const map = (message: object, with_: RasaMapping = mapping): RasaOutcome => {
  const raw = JSON.stringify(message)
  return mapRasaEvent(JSON.parse(raw), raw, with_)
}
const mapped = (message: object, with_?: RasaMapping) => {
  const outcome = map(message, with_)
  if (outcome.kind !== 'events') throw new Error(`expected events, got ${JSON.stringify(outcome)}`)
  // every event the mapping gives is one the contract accepts
  for (const event of outcome.events) expect(validateEvent(event)).toMatchObject({ ok: true })
  return outcome.events
}

const AT = epoch('2025-03-04T10:00:00Z', 617_099) // 10:00:00.617099 UTC

describe('a Rasa user event', () => {
  it('is the customer message, with its intent, the model as bot_version, the sender as customer, and the time to the millisecond', () => {
    const [message, ...rest] = mapped(userUttered('4f1c0e', AT, '¿Dónde está mi pedido?', { name: 'order_status', confidence: 0.97 }))
    expect(rest).toEqual([])
    expect(message).toMatchObject({
      tenant_id: 'acme',
      conversation_id: RASA_CONVERSATION,
      occurred_at: '2025-03-04T10:00:00.617Z',
      type: 'message',
      sender: 'customer',
      customer_id: '4f1c0e',
      intent: 'order_status',
      text: '¿Dónde está mi pedido?',
      channel: 'whatsapp',
      bot_version: ASSISTANT.model_id,
      rasa_assistant_id: ASSISTANT.assistant_id,
      rasa_input_channel: 'rest',
    })
    expect(message!.event_id).toMatch(/^rasa:user:[0-9a-f]{40}$/)
  })

  it("with Rasa's nlu_fallback intent, or a confidence below the threshold, is also a bot fallback asking its text", () => {
    const [, fallback] = mapped(userUttered('4f1c0e', AT, 'quiero hablar del asunto', { name: 'nlu_fallback', confidence: 0.3 }))
    expect(fallback).toMatchObject({ type: 'bot_fallback', question: 'quiero hablar del asunto', confidence: 0.3, intent: 'nlu_fallback' })
    expect(fallback!.event_id).toMatch(/^rasa:user:[0-9a-f]{40}:fallback$/)

    const low = mapped(userUttered('4f1c0e', AT, 'mmm', { name: 'greet', confidence: 0.29 }))
    expect(low.map((e) => e.type)).toEqual(['message', 'bot_fallback'])
    // at the threshold the NLU is trusted, as Rasa's FallbackClassifier does
    expect(mapped(userUttered('4f1c0e', AT, 'hola', { name: 'greet', confidence: 0.3 })).map((e) => e.type)).toEqual(['message'])
    // threshold 0: only the fallback intents count
    expect(mapped(userUttered('4f1c0e', AT, 'mmm', { name: 'greet', confidence: 0.01 }), { ...mapping, fallbackThreshold: 0 })).toHaveLength(1)
  })

  it('from a Twilio WhatsApp sender is the phone number, which the intake hashes like any other', () => {
    const [message] = mapped(userUttered('whatsapp:+5215512345678', AT, 'hola', { name: 'greet', confidence: 0.99 }))
    expect(message!.customer_id).toBe('+5215512345678')
  })

  it('triggered through the API (metadata.is_external) is no customer message', () => {
    expect(map(userUttered('4f1c0e', AT, 'EXTERNAL: reminder', { name: 'reminder', confidence: 1 }, { metadata: { is_external: true } }))).toEqual({
      kind: 'skipped',
    })
  })

  it('read twice is the same events; another message is other events', () => {
    const message = userUttered('4f1c0e', AT, 'hola', { name: 'greet', confidence: 0.99 })
    expect(mapped(message)).toEqual(mapped(JSON.parse(JSON.stringify(message))))
    const other = userUttered('4f1c0e', AT, 'hola otra vez', { name: 'greet', confidence: 0.99 })
    expect(mapped(other)[0]!.event_id).not.toBe(mapped(message)[0]!.event_id)
  })
})

describe('Rasa bot and action events', () => {
  it('a bot event is the bot message', () => {
    const [message] = mapped(botUttered('4f1c0e', AT + 2, 'Tu pedido llega mañana.'))
    expect(message).toMatchObject({ type: 'message', sender: 'bot', text: 'Tu pedido llega mañana.', bot_version: ASSISTANT.model_id, customer_id: '4f1c0e' })
    expect(message!.event_id).toMatch(/^rasa:bot:/)
  })

  it("the event broker docs' example (no model metadata) is a bot message without a version", () => {
    const example = {
      sender_id: 'default',
      timestamp: 1528402837.617099,
      event: 'bot',
      text: 'what your bot said',
      data: 'some data about e.g. attachments',
      metadata: { 'a key': 'a value' },
    }
    const [message] = mapped(example)
    expect(message).toMatchObject({ type: 'message', sender: 'bot', occurred_at: '2018-06-07T20:20:37.617Z', customer_id: 'default' })
    expect(message).not.toHaveProperty('bot_version')
  })

  it('a handoff action is the handoff, with the reason and context the tenant configured', () => {
    const [handoff] = mapped(actionExecuted('4f1c0e', AT + 5, 'action_human_handoff'))
    expect(handoff).toMatchObject({
      type: 'handoff',
      reason: 'customer_request',
      context: { transcript: false, customer_profile: false, intent: null },
      rasa_action: 'action_human_handoff',
    })
    const configured: RasaMapping = {
      ...mapping,
      handoffActions: { action_escalate: 'bot_fallback' },
      handoffContext: { transcript: true, customer_profile: true },
    }
    expect(mapped(actionExecuted('4f1c0e', AT, 'action_escalate'), configured)[0]).toMatchObject({
      reason: 'bot_fallback',
      context: { transcript: true, customer_profile: true, intent: null },
    })
    expect(map(actionExecuted('4f1c0e', AT, 'action_human_handoff'), configured)).toEqual({ kind: 'skipped' })
  })

  it('what no KPI counts is skipped: other actions, session starts, slots, featurization markers, rejected actions, unknown types', () => {
    for (const event of [
      actionExecuted('4f1c0e', AT, 'action_listen'),
      actionExecuted('4f1c0e', AT, 'action_default_fallback'),
      sessionStarted('4f1c0e', AT),
      slotSet('4f1c0e', AT, 'order_id', 'A-1001'),
      userFeaturization('4f1c0e', AT),
      actionRejected('4f1c0e', AT, 'order_form'),
      { sender_id: '4f1c0e', event: 'flow_started', timestamp: AT, flow_id: 'check_order' },
    ]) {
      expect(map(event)).toEqual({ kind: 'skipped' })
    }
  })
})

describe('a message that is not a Rasa event', () => {
  it('is rejected with a reason naming the field', () => {
    expect(map([1, 2])).toEqual({ kind: 'rejected', reason: 'Rasa event: expected a JSON object (a Rasa tracker event)' })
    expect(map({ event: 'bot', timestamp: AT })).toMatchObject({ reason: expect.stringContaining('`sender_id`') })
    expect(map({ sender_id: 'x', timestamp: AT })).toMatchObject({ reason: expect.stringContaining('`event`') })
    expect(map({ sender_id: 'x', event: 'bot', timestamp: '2025-03-04' })).toMatchObject({
      reason: 'Rasa event: `timestamp`: expected epoch seconds (a number), got "2025-03-04"',
    })
    expect(map({ sender_id: 'x', event: 'bot', timestamp: 1e300 })).toMatchObject({ kind: 'rejected' })
  })
})
