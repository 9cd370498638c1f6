// Test fixtures: Rasa tracker events as Rasa's Kafka event broker publishes them —
// `{"sender_id": …, **event.as_dict()}` (rasa/core/tracker_store.py, stream_events) with each
// event's as_dict() of rasa/shared/core/events.py, as the docs show them
// (rasa.com/docs/reference/integrations/event-brokers, "Format"; rasa.com/docs/reference/primitives/events).
// Since Rasa 3.5 every event's metadata carries the model_id and the config's assistant_id.

type Json = Record<string, unknown>

/** Epoch seconds with microseconds, as Rasa's time.time() writes them. */
export const epoch = (iso: string, micros = 0) => Date.parse(iso) / 1000 + micros / 1e6

export type Assistant = { model_id: string; assistant_id: string }
export const ASSISTANT: Assistant = { model_id: 'a8a5b0d2f1c94c3b9e5e4d7a6c3b2a10', assistant_id: 'acme_support_bot' }

const base = (event: string, senderId: string, at: number, assistant: Assistant | undefined): Json => ({
  sender_id: senderId,
  event,
  timestamp: at,
  ...(assistant ? { metadata: { ...assistant } } : {}),
})

/** UserUttered: text, parse_data (intent, entities, ranking, message_id, metadata), input_channel, message_id. */
export function userUttered(
  senderId: string,
  at: number,
  text: string,
  intent: { name: string; confidence: number },
  options: { messageId?: string; inputChannel?: string; assistant?: Assistant; metadata?: Json } = {},
): Json {
  const assistant = options.assistant ?? ASSISTANT
  const metadata = { ...assistant, ...options.metadata }
  const messageId = options.messageId ?? `${senderId.replace(/\W/g, '')}${Math.round(at * 1000).toString(16)}`
  return {
    sender_id: senderId,
    event: 'user',
    timestamp: at,
    metadata,
    text,
    parse_data: {
      intent,
      entities: [],
      text,
      message_id: messageId,
      metadata,
      intent_ranking: [intent, { name: 'greet', confidence: Math.max(0, 1 - intent.confidence - 0.01) }],
    },
    input_channel: options.inputChannel ?? 'rest',
    message_id: messageId,
  }
}

/** BotUttered: text, data (buttons, attachments…), metadata (utter_action). */
export function botUttered(senderId: string, at: number, text: string, utterAction = 'utter_answer', assistant: Assistant | undefined = ASSISTANT): Json {
  return {
    ...base('bot', senderId, at, assistant),
    text,
    data: { elements: null, quick_replies: null, buttons: null, attachment: null, image: null, custom: null },
    metadata: { utter_action: utterAction, ...assistant },
  }
}

/** ActionExecuted: name, policy, confidence, action_text, hide_rule_turn. */
export function actionExecuted(senderId: string, at: number, name: string, policy = 'RulePolicy', confidence = 1.0): Json {
  return { ...base('action', senderId, at, ASSISTANT), name, policy, confidence, action_text: null, hide_rule_turn: false }
}

export const sessionStarted = (senderId: string, at: number): Json => base('session_started', senderId, at, ASSISTANT)
export const slotSet = (senderId: string, at: number, name: string, value: unknown): Json => ({ ...base('slot', senderId, at, ASSISTANT), name, value })
export const userFeaturization = (senderId: string, at: number): Json => ({
  ...base('user_featurization', senderId, at, ASSISTANT),
  use_text_for_featurization: false,
})
export const actionRejected = (senderId: string, at: number, name: string): Json => ({
  ...base('action_execution_rejected', senderId, at, ASSISTANT),
  name,
  policy: null,
  confidence: null,
})

/** What Rasa logs when a message opens a session: action_session_start, session_started, action_listen. */
export function sessionStart(senderId: string, at: number): Json[] {
  return [actionExecuted(senderId, at, 'action_session_start'), sessionStarted(senderId, at + 0.001), actionExecuted(senderId, at + 0.002, 'action_listen')]
}

/** One turn: the user's message, the featurization marker, the bot's action and answer, action_listen. */
export function turn(senderId: string, at: number, text: string, intent: { name: string; confidence: number }, answer: { at: number; text: string }): Json[] {
  return [
    userUttered(senderId, at, text, intent),
    userFeaturization(senderId, at + 0.01),
    actionExecuted(senderId, answer.at - 0.01, 'utter_answer'),
    botUttered(senderId, answer.at, answer.text),
    actionExecuted(senderId, answer.at + 0.01, 'action_listen'),
  ]
}
