// Builders for the events of a conversation that reaches a person (a message, the handoff, the
// resolution), for tests that write a few conversations by hand; defaults from event().
import { event } from './helpers.ts'

/** A message by `sender` (customer, bot or agent); `more` adds fields such as agent_id. */
export const message = (id: string, conversation: string, at: string, sender: string, more: Record<string, unknown> = {}) =>
  event({ event_id: id, conversation_id: conversation, occurred_at: at, sender, ...more })

/** The bot hands the conversation to a person, in `queue` when given, with the context an agent needs. */
export const handoff = (id: string, conversation: string, at: string, queue?: string) =>
  event({
    event_id: id,
    conversation_id: conversation,
    occurred_at: at,
    type: 'handoff',
    reason: 'customer_request',
    context: { transcript: true, customer_profile: true, intent: 'billing' },
    ...(queue ? { queue } : {}),
  })

/** An agent resolves the conversation. */
export const resolved = (id: string, conversation: string, at: string) =>
  event({ event_id: id, conversation_id: conversation, occurred_at: at, type: 'resolved', resolved_by: 'agent' })
