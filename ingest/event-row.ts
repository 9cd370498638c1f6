// Maps a valid event onto a row of the events table (one flat, typed row per event).

import { EVENT_COLUMNS, type EventRow, type RowValue } from '../warehouse/event-columns.ts'
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

/** Each column's place in EVENT_COLUMNS. */
const at = Object.fromEntries(EVENT_COLUMNS.map((column, index) => [column, index])) as Record<(typeof EVENT_COLUMNS)[number], number>

// The columns only some event types fill: sender … campaign, one range in EVENT_COLUMNS.
const FIRST_TYPE_COLUMN = at.sender
const END_OF_TYPE_COLUMNS = at.campaign + 1

/**
 * Writes the row of a valid event into `values`, in EVENT_COLUMNS order, and returns it. The Kafka
 * worker passes the same array for every event of a block, so mapping allocates no row per event.
 * A valid event holds only its own type's fields (validateEvent leaves any other out), so each
 * type's columns are read from events of that type and are NULL for the rest.
 */
export function writeEventRow(event: PulsoEvent, extra: Record<string, unknown>, options: RowOptions, values: RowValue[]): RowValue[] {
  const occurred = parseTimestamp(event.occurred_at)
  values[at.tenant_id] = event.tenant_id
  values[at.event_id] = event.event_id
  values[at.conversation_id] = event.conversation_id
  values[at.type] = event.type
  values[at.occurred_at] = toClickHouseTime(occurred.epochMs)
  values[at.occurred_offset_minutes] = occurred.offsetMinutes
  values[at.received_at] = options.receivedAt
  values[at.channel] = event.channel ?? 'whatsapp'
  values[at.customer_id] = event.customer_id === undefined ? null : options.pseudonymize(event.customer_id)
  values[at.use_case] = event.use_case ?? null
  values[at.intent] = event.intent ?? null
  values[at.bot_version] = event.bot_version ?? null
  values.fill(null, FIRST_TYPE_COLUMN, END_OF_TYPE_COLUMNS)
  switch (event.type) {
    case 'message':
      values[at.sender] = event.sender
      values[at.agent_id] = event.agent_id ?? null
      // Free text is personal data: stored only for tenants that enabled it.
      values[at.text] = options.storeText ? (event.text ?? null) : null
      break
    case 'bot_fallback':
      values[at.question] = event.question
      values[at.confidence] = event.confidence ?? null
      break
    case 'handoff':
      values[at.handoff_reason] = event.reason
      values[at.context_transcript] = event.context.transcript
      values[at.context_customer_profile] = event.context.customer_profile
      values[at.context_intent] = event.context.intent
      values[at.queue] = event.queue ?? null
      break
    case 'resolved':
      values[at.resolved_by] = event.resolved_by
      break
    case 'closed':
      break
    case 'csat':
      values[at.score] = event.score
      values[at.comment] = options.storeText ? (event.comment ?? null) : null
      break
    case 'cost':
      values[at.amount] = event.amount
      values[at.currency] = event.currency
      values[at.component] = event.component
      values[at.category] = event.category ?? null
      break
    case 'proactive_sent':
      values[at.template] = event.template
      values[at.category] = event.category
      values[at.campaign] = event.campaign ?? null
      break
    case 'conversion':
      values[at.value] = event.value
      values[at.currency] = event.currency
      values[at.campaign] = event.campaign ?? null
      break
  }
  values[at.source] = options.source
  values[at.extra] = hasKeys(extra) ? JSON.stringify(extra) : '{}'
  return values
}

/** The row of a valid event as an object, one property per column in EVENT_COLUMNS order. */
export function eventToRow(event: PulsoEvent, extra: Record<string, unknown>, options: RowOptions): EventRow {
  const values = writeEventRow(event, extra, options, new Array<RowValue>(EVENT_COLUMNS.length))
  const row = {} as EventRow
  for (let column = 0; column < EVENT_COLUMNS.length; column++) row[EVENT_COLUMNS[column]!] = values[column]!
  return row
}

function hasKeys(value: Record<string, unknown>): boolean {
  for (const _ in value) return true
  return false
}
