// Maps a valid event onto a row of the events table (one flat, typed row per event).
import type { PulsoEvent } from './contract/event-schema.ts'

export type EventRow = Record<string, string | number | boolean | null>

export type RowOptions = {
  /** Maps a customer id to the one stored (phone numbers hashed); callers cache it per batch. */
  pseudonymize: (customerId: string) => string
  storeText: boolean
  source: string
  /** When the batch arrived, already in ClickHouse's form (toClickHouseTime). */
  receivedAt: string
}

/** 'YYYY-MM-DD HH:MM:SS.mmm' in UTC, the form ClickHouse's DateTime64(3, 'UTC') reads exactly. */
export function toClickHouseTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace('T', ' ').replace('Z', '')
}

function offsetMinutes(timestamp: string): number {
  const match = /([+-])(\d{2}):(\d{2})$/.exec(timestamp)
  if (!match) return 0
  const minutes = Number(match[2]) * 60 + Number(match[3])
  return match[1] === '-' ? -minutes : minutes
}

export function eventToRow(event: PulsoEvent, extra: Record<string, unknown>, options: RowOptions): EventRow {
  const e = event as Record<string, unknown>
  const text = (name: string) => (typeof e[name] === 'string' ? (e[name] as string) : null)
  const context = event.type === 'handoff' ? event.context : undefined
  return {
    tenant_id: event.tenant_id,
    event_id: event.event_id,
    conversation_id: event.conversation_id,
    type: event.type,
    occurred_at: toClickHouseTime(Date.parse(event.occurred_at.replace(' ', 'T'))),
    occurred_offset_minutes: offsetMinutes(event.occurred_at),
    received_at: options.receivedAt,
    channel: event.channel ?? 'whatsapp',
    customer_id: event.customer_id === undefined ? null : options.pseudonymize(event.customer_id),
    use_case: event.use_case ?? null,
    intent: event.intent ?? null,
    bot_version: event.bot_version ?? null,
    sender: text('sender'),
    agent_id: text('agent_id'),
    // Free text is personal data: stored only for tenants that enabled it.
    text: options.storeText ? text('text') : null,
    question: text('question'),
    confidence: typeof e.confidence === 'number' ? e.confidence : null,
    handoff_reason: event.type === 'handoff' ? event.reason : null,
    context_transcript: context ? context.transcript : null,
    context_customer_profile: context ? context.customer_profile : null,
    context_intent: context ? context.intent : null,
    queue: text('queue'),
    resolved_by: text('resolved_by'),
    score: event.type === 'csat' ? event.score : null,
    comment: options.storeText ? text('comment') : null,
    amount: event.type === 'cost' ? event.amount : null,
    value: event.type === 'conversion' ? event.value : null,
    currency: text('currency'),
    component: text('component'),
    category: text('category'),
    template: text('template'),
    campaign: text('campaign'),
    source: options.source,
    extra: Object.keys(extra).length === 0 ? '{}' : JSON.stringify(extra),
  }
}
