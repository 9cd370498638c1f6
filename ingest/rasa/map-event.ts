// Maps one Rasa tracker event, as Rasa's Kafka event broker publishes it, onto v1 events.
// Rasa publishes `{"sender_id": …, **event.as_dict()}` for every event its tracker store saves
// (rasa/core/tracker_store.py, stream_events; docs: rasa.com/docs/reference/integrations/event-brokers):
// `event` is the type name (`user`, `bot`, `action`, `slot`, `session_started`, …), `timestamp`
// epoch seconds as a float, and since Rasa 3.5 `metadata` holds the `model_id` and `assistant_id`.
//
// Pure: the same message always gives the same events (ids included), so a message read again
// after a crash or a rebalance is a repeat that counts once. That is also why conversations are
// not cut here: Rasa's `session_started` is not repeated on the events of its session, and a
// worker that remembered it would forget it at a restart. The events carry conversation_id
// 'auto:rasa' and the sender as customer_id; stg_events cuts the sender's conversations by the
// tenant's inactivity gap (docs/integrations.md, "Rasa").
import { createHash } from 'node:crypto'
import { looksLikePhoneNumber } from '../contract/pseudonymize.ts'

/** The conversation id that leaves the conversation to Pulso's sessionization (stg_events). */
export const RASA_CONVERSATION = 'auto:rasa'

export const HANDOFF_REASONS = ['customer_request', 'bot_fallback', 'policy', 'sentiment', 'other'] as const
export type HandoffReason = (typeof HANDOFF_REASONS)[number]

/** How a tenant's Rasa assistant is read: which actions hand off, what counts as a fallback. */
export type RasaMapping = {
  tenantId: string
  /** The channel of every event (the contract's `channel`); Rasa's own `input_channel` is kept in `extra`. */
  channel: string
  /** Action names that hand the conversation to a human, each with the handoff's reason. */
  handoffActions: Record<string, HandoffReason>
  /** What the handoff action passes to the agent: Rasa's event does not say, the tenant does. */
  handoffContext: { transcript: boolean; customer_profile: boolean }
  /** Intents that mean the NLU did not understand (Rasa's FallbackClassifier predicts `nlu_fallback`). */
  fallbackIntents: string[]
  /** A user message whose top intent's confidence is below this is a fallback too (0: never). */
  fallbackThreshold: number
}

export const DEFAULT_RASA_MAPPING: Omit<RasaMapping, 'tenantId'> = {
  channel: 'whatsapp',
  handoffActions: { action_handoff: 'customer_request', action_human_handoff: 'customer_request' },
  handoffContext: { transcript: false, customer_profile: false },
  fallbackIntents: ['nlu_fallback'],
  // the default threshold of Rasa's FallbackClassifier
  fallbackThreshold: 0.3,
}

/** Events to store, nothing Pulso counts (a slot, an action_listen…), or why the message is not a Rasa event. */
export type RasaOutcome = { kind: 'events'; events: Record<string, unknown>[] } | { kind: 'skipped' } | { kind: 'rejected'; reason: string }

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const nonEmpty = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined)
const SKIPPED: RasaOutcome = { kind: 'skipped' }

export function mapRasaEvent(value: unknown, raw: string, mapping: RasaMapping): RasaOutcome {
  if (!isObject(value)) return rejected('expected a JSON object (a Rasa tracker event)')
  const senderId = nonEmpty(value.sender_id)
  if (!senderId) return rejected('`sender_id`: expected the conversation id Rasa gives every event (a non-empty string)')
  const type = nonEmpty(value.event)
  if (!type) return rejected('`event`: expected the Rasa event type, such as user, bot or action')
  const timestamp = value.timestamp
  // (a time Date cannot hold would throw; the contract refuses what lies outside 1900–2299)
  if (typeof timestamp !== 'number' || !(timestamp > 0 && timestamp * 1000 <= 8.64e15))
    return rejected(`\`timestamp\`: expected epoch seconds (a number), got ${JSON.stringify(timestamp) ?? 'nothing'}`)

  if (type === 'user') return mapUser(value, common(value, senderId, timestamp, raw, type, mapping), mapping)
  if (type === 'bot') return events({ ...common(value, senderId, timestamp, raw, type, mapping), type: 'message', sender: 'bot', ...textOf(value.text) })
  if (type === 'action') {
    const reason = mapping.handoffActions[nonEmpty(value.name) ?? '']
    if (!reason) return SKIPPED
    return events({
      ...common(value, senderId, timestamp, raw, type, mapping),
      type: 'handoff',
      reason,
      // Rasa's action event does not name the intent that led to it
      context: { ...mapping.handoffContext, intent: null },
      rasa_action: value.name,
    })
  }
  // session_started, slot, action_execution_rejected, user_featurization, active_loop, restart…:
  // nothing a KPI counts (docs/integrations.md says why each is left out)
  return SKIPPED
}

function mapUser(value: Json, base: Json, mapping: RasaMapping): RasaOutcome {
  const metadata = isObject(value.metadata) ? value.metadata : {}
  // an intent triggered through Rasa's API (/trigger_intent, reminders) is not the customer writing
  if (metadata.is_external === true) return SKIPPED
  const parse = isObject(value.parse_data) ? value.parse_data : {}
  const intent = isObject(parse.intent) ? parse.intent : {}
  const intentName = nonEmpty(intent.name)
  const confidence = typeof intent.confidence === 'number' && intent.confidence >= 0 && intent.confidence <= 1 ? intent.confidence : undefined
  const message = {
    ...base,
    type: 'message',
    sender: 'customer',
    ...(intentName ? { intent: intentName } : {}),
    ...textOf(value.text),
    ...(nonEmpty(value.message_id) ? { rasa_message_id: value.message_id } : {}),
    ...(nonEmpty(value.input_channel) ? { rasa_input_channel: value.input_channel } : {}),
  }
  const question = nonEmpty(value.text)
  const fellBack =
    (intentName !== undefined && mapping.fallbackIntents.includes(intentName)) || (confidence !== undefined && confidence < mapping.fallbackThreshold)
  if (!fellBack || !question) return events(message)
  const fallback = {
    ...base,
    event_id: `${base.event_id}:fallback`,
    type: 'bot_fallback',
    question,
    ...(confidence !== undefined ? { confidence } : {}),
    ...(intentName ? { intent: intentName } : {}),
  }
  return events(message, fallback)
}

/** What every mapped event carries: identity, time, the sender as customer, the bot version. */
function common(value: Json, senderId: string, timestamp: number, raw: string, type: string, mapping: RasaMapping): Json {
  const metadata = isObject(value.metadata) ? value.metadata : {}
  const modelId = nonEmpty(metadata.model_id) ?? nonEmpty(value.model_id)
  const assistantId = nonEmpty(metadata.assistant_id) ?? nonEmpty(value.assistant_id)
  const botVersion = modelId ?? assistantId
  return {
    // The message's own bytes name it: a copy read again is the same event, and two events of one
    // sender at the same instant are still two.
    event_id: `rasa:${type}:${createHash('sha256').update(raw).digest('hex').slice(0, 40)}`,
    tenant_id: mapping.tenantId,
    conversation_id: RASA_CONVERSATION,
    occurred_at: new Date(timestamp * 1000).toISOString(),
    channel: mapping.channel,
    customer_id: customerOf(senderId),
    ...(botVersion ? { bot_version: botVersion.slice(0, 128) } : {}),
    ...(assistantId ? { rasa_assistant_id: assistantId } : {}),
  }
}

/**
 * The customer: Rasa's sender_id. Rasa's Twilio connector names a WhatsApp sender
 * 'whatsapp:+14155238886'; without its channel prefix that is a phone number, which the intake
 * hashes (and joins with the same customer's WhatsApp webhooks). Any other id is kept as it is.
 */
export function customerOf(senderId: string): string {
  const prefixed = /^[a-z_]+:(.+)$/i.exec(senderId)
  if (prefixed && looksLikePhoneNumber(prefixed[1]!)) return prefixed[1]!
  return senderId
}

const textOf = (text: unknown) => (typeof text === 'string' ? { text } : {})
const events = (...list: Json[]): RasaOutcome => ({ kind: 'events', events: list })
const rejected = (reason: string): RasaOutcome => ({ kind: 'rejected', reason: `Rasa event: ${reason}` })
