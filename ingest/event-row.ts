// Maps a valid event onto a row of the events table (one flat, typed row per event).
import type { PulsoEvent } from './contract/event-schema.ts'
import { parseTimestamp, toClickHouseTime } from './contract/timestamp.ts'


export type RowOptions = {
  /** Maps a customer id to the one stored (phone numbers hashed); callers cache it per batch. */
  pseudonymize: (customerId: string) => string
  storeText: boolean
  source: string
  /** When the batch arrived, already in ClickHouse's form (toClickHouseTime). */
  receivedAt: string
}

/** The events table's columns, in the order eventToRow writes them (a test holds the two together). */
export const EVENT_COLUMNS = [
  'tenant_id', 'event_id', 'conversation_id', 'type', 'occurred_at', 'occurred_offset_minutes', 'received_at', 'channel',
  'customer_id', 'use_case', 'intent', 'bot_version', 'sender', 'agent_id', 'text', 'question', 'confidence',
  'handoff_reason', 'context_transcript', 'context_customer_profile', 'context_intent', 'queue', 'resolved_by', 'score',
  'comment', 'amount', 'value', 'currency', 'component', 'category', 'template', 'campaign', 'source', 'extra',
] as const

/** One flat, typed row of the events table. */
export type EventRow = Record<(typeof EVENT_COLUMNS)[number], string | number | boolean | null>

/** The field's value when it is a string, else null. */
function textField(event: Record<string, unknown>, name: string): string | null {
  const value = event[name]
  return typeof value === 'string' ? value : null
}

// Runs for every stored event, so it builds the row in one literal and creates no closures.
export function eventToRow(event: PulsoEvent, extra: Record<string, unknown>, options: RowOptions): EventRow {
  const e = event as Record<string, unknown>
  const context = event.type === 'handoff' ? event.context : undefined
  const occurred = parseTimestamp(event.occurred_at)
  return {
    tenant_id: event.tenant_id,
    event_id: event.event_id,
    conversation_id: event.conversation_id,
    type: event.type,
    occurred_at: toClickHouseTime(occurred.epochMs),
    occurred_offset_minutes: occurred.offsetMinutes,
    received_at: options.receivedAt,
    channel: event.channel ?? 'whatsapp',
    customer_id: event.customer_id === undefined ? null : options.pseudonymize(event.customer_id),
    use_case: event.use_case ?? null,
    intent: event.intent ?? null,
    bot_version: event.bot_version ?? null,
    sender: textField(e, 'sender'),
    agent_id: textField(e, 'agent_id'),
    // Free text is personal data: stored only for tenants that enabled it.
    text: options.storeText ? textField(e, 'text') : null,
    question: textField(e, 'question'),
    confidence: typeof e.confidence === 'number' ? e.confidence : null,
    handoff_reason: event.type === 'handoff' ? event.reason : null,
    context_transcript: context ? context.transcript : null,
    context_customer_profile: context ? context.customer_profile : null,
    context_intent: context ? context.intent : null,
    queue: textField(e, 'queue'),
    resolved_by: textField(e, 'resolved_by'),
    score: event.type === 'csat' ? event.score : null,
    comment: options.storeText ? textField(e, 'comment') : null,
    amount: event.type === 'cost' ? event.amount : null,
    value: event.type === 'conversion' ? event.value : null,
    currency: textField(e, 'currency'),
    component: textField(e, 'component'),
    category: textField(e, 'category'),
    template: textField(e, 'template'),
    campaign: textField(e, 'campaign'),
    source: options.source,
    extra: hasKeys(extra) ? JSON.stringify(extra) : '{}',
  }
}

function hasKeys(value: Record<string, unknown>): boolean {
  for (const _ in value) return true
  return false
}
