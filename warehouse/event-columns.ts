// The shape of a row of the events table (migrations create it): its columns in the order every
// writer sends them, and the values they hold. Ingest maps events onto it (ingest/event-row.ts);
// storage encodes and inserts it (event-row-encoder.ts, repositories/events.ts).

/** The events table's columns, in the order rows are written. */
export const EVENT_COLUMNS = [
  'tenant_id',
  'event_id',
  'conversation_id',
  'type',
  'occurred_at',
  'occurred_offset_minutes',
  'received_at',
  'channel',
  'customer_id',
  'use_case',
  'intent',
  'bot_version',
  'sender',
  'agent_id',
  'text',
  'question',
  'confidence',
  'handoff_reason',
  'context_transcript',
  'context_customer_profile',
  'context_intent',
  'queue',
  'resolved_by',
  'score',
  'comment',
  'amount',
  'value',
  'currency',
  'component',
  'category',
  'template',
  'campaign',
  'source',
  'extra',
] as const

/** A value of one column: text, a number, a boolean, or NULL. */
export type RowValue = string | number | boolean | null

/** One flat, typed row of the events table. */
export type EventRow = Record<(typeof EVENT_COLUMNS)[number], RowValue>
