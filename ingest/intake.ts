// The intake: validate a batch of events, drop repeats, store the valid ones and dead-letter the rest.
// It works without the HTTP server, so the API, the CLI, the demo and the Kafka worker share it.
import type { PulsoConfig } from '../config/config.ts'
import type { Warehouse } from '../warehouse/client.ts'
import type { EventRow, RowValue } from '../warehouse/event-columns.ts'
import { insertAroundRefusals, type RefusedRow } from '../warehouse/refused-rows.ts'
import { type DeadLetterRow, findStoredPositions, insertDeadLetters, insertEventRows, storedEventKey } from '../warehouse/repositories/events.ts'
import { TouchedConversations } from '../warehouse/touched-conversations.ts'
import type { PulsoEvent } from './contract/event-schema.ts'
import { jsonArrayElementTexts, MAX_EXTRA_DEPTH, nestsDeeperThan } from './contract/nesting.ts'
import { pseudonymizeCustomerId } from './contract/pseudonymize.ts'
import { toClickHouseTime } from './contract/timestamp.ts'
import { validateEvent } from './contract/validate.ts'
import { eventToRow, type RowOptions, writeEventRow } from './event-row.ts'

/** One element of a batch: its raw text (kept for dead letters) and its parsed value, or why it did not parse. */
export type BatchItem = { raw: string; value?: unknown; parseError?: string }

export type Rejection = { index: number; event_id: string | null; reason: string }

export type IntakeResult = { accepted: number; duplicates: number; rejected: Rejection[] }

/** Stores a parsed batch for a tenant: straight into ClickHouse, or through Kafka when configured. */
export type EventSink = (items: BatchItem[], tenantId: string) => Promise<IntakeResult>

export type IntakeOptions = {
  /** Where the events came from: http, file, kafka, demo, whatsapp… */
  source: string
  /** When set, events of any other tenant are rejected (an API key belongs to one tenant). */
  tenantId?: string
}

/** A batch sorted into rows to store and rejections, before any look-up of what is stored. */
export type PreparedBatch = {
  rows: EventRow[]
  /** Batch index of each row, parallel to `rows`. */
  rowIndexes: number[]
  rejected: Rejection[]
  deadLetters: DeadLetterRow[]
  /** Repeats of an event_id earlier in the same batch. */
  duplicatesInBatch: number
}

export class BodyError extends Error {
  override name = 'BodyError'
}

/**
 * How a body holds its events: NDJSON (one per line), or either, told by its first character (a
 * JSON array starts with '['). An NDJSON body whose first line is an array (a bad event) is not
 * a JSON array, so a body said to be NDJSON is always read line by line.
 */
export type BatchFormat = 'ndjson' | 'sniff'

/**
 * Splits a request body into batch items: a JSON array, or NDJSON (one event per line).
 * A body that is not JSON at all is an error; in NDJSON, single bad lines become rejections.
 */
export function parseBatchBody(body: string, format: BatchFormat = 'sniff'): BatchItem[] {
  const trimmed = body.trim()
  if (trimmed === '') throw new BodyError('the body is empty: send a JSON array of events or NDJSON, one event per line')
  if (format === 'sniff' && trimmed.startsWith('[')) {
    let parsed: unknown
    try {
      parsed = JSON.parse(trimmed)
    } catch (error) {
      throw new BodyError(`the body is not valid JSON: ${(error as Error).message}`)
    }
    // An element nested too deep for JSON.stringify (it recurses) keeps its text as written.
    let texts: string[] | undefined
    return (parsed as unknown[]).map((value, index) => ({
      raw: nestsDeeperThan(value, 2 * MAX_EXTRA_DEPTH) ? (texts ??= jsonArrayElementTexts(trimmed))[index]! : JSON.stringify(value),
      value,
    }))
  }
  const items = parseNdjsonLines(trimmed.split('\n'))
  if (items.every((item) => item.parseError)) {
    throw new BodyError(`the body is not JSON or NDJSON: line 1: ${items[0]?.parseError}`)
  }
  return items
}

/** Parses NDJSON lines; blank lines are skipped, a line that is not JSON is kept with its error. */
export function parseNdjsonLines(lines: string[]): BatchItem[] {
  const items: BatchItem[] = []
  for (const line of lines) {
    const raw = line.trim()
    if (raw === '') continue
    try {
      items.push({ raw, value: JSON.parse(raw) })
    } catch (error) {
      items.push({ raw, parseError: `not JSON: ${(error as Error).message}` })
    }
  }
  return items
}

/** What one batch item is: a valid event to store, a rejection, or a repeat of an earlier item. */
export type AcceptedItem =
  | { kind: 'event'; event: PulsoEvent; extra: Record<string, unknown> }
  | { kind: 'rejected'; reason: string; eventId: string | null; tenantId: string }
  | { kind: 'duplicate' }

/** What one batch item became: a row to store, a rejection, or a repeat of an earlier item. */
export type PreparedItem = { kind: 'row'; row: EventRow } | Exclude<AcceptedItem, { kind: 'event' }>

/**
 * Validates and maps the items of one batch, one at a time. It holds what a batch shares: the
 * events already seen (repeats within the batch), the pseudonyms already computed (a batch holds many
 * events per customer: each phone number is hashed once) and the arrival time.
 * Runs for every event of every Kafka block, so it creates no closure per event.
 */
export class BatchPreparer {
  /** The events seen in this batch (storedEventKey: conversation and event id), by tenant. */
  private readonly seen = new Map<string, Set<string>>()
  private readonly rowOptions: RowOptions

  /** `pseudonyms` may outlive the batch (a Kafka preparing thread keeps one): the hash key does not change. */
  constructor(
    private readonly config: Pick<PulsoConfig, 'hashKey' | 'tenants'>,
    private readonly options: IntakeOptions,
    private readonly pseudonyms = new Map<string, string>(),
  ) {
    this.rowOptions = { storeText: false, source: options.source, receivedAt: toClickHouseTime(Date.now()), pseudonymize: (id) => this.pseudonymize(id) }
  }

  /** Validates an item and drops repeats of an earlier one; `writeRow` maps what it accepts. */
  accept(item: BatchItem): AcceptedItem {
    const ownTenant = this.options.tenantId
    if (item.parseError) return { kind: 'rejected', reason: item.parseError, eventId: null, tenantId: ownTenant ?? '' }
    const validation = validateEvent(item.value)
    if (!validation.ok)
      return { kind: 'rejected', reason: validation.reason, eventId: validation.eventId ?? null, tenantId: ownTenant ?? validation.tenantId ?? '' }
    const { event, extra } = validation
    if (ownTenant !== undefined && event.tenant_id !== ownTenant) {
      const reason = `\`tenant_id\`: '${event.tenant_id}' is not the tenant of this API key ('${ownTenant}')`
      return { kind: 'rejected', reason, eventId: event.event_id, tenantId: ownTenant }
    }
    // a repeat is the same event of the same conversation (DESIGN.md), as for events already stored
    let seenEvents = this.seen.get(event.tenant_id)
    if (!seenEvents) this.seen.set(event.tenant_id, (seenEvents = new Set()))
    const key = storedEventKey(event.conversation_id, event.event_id)
    if (seenEvents.has(key)) return { kind: 'duplicate' }
    seenEvents.add(key)
    return { kind: 'event', event, extra }
  }

  /** Writes an accepted event's row into `values` (see writeEventRow), with its tenant's settings. */
  writeRow(event: PulsoEvent, extra: Record<string, unknown>, values: RowValue[]): RowValue[] {
    return writeEventRow(event, extra, this.rowOptionsFor(event), values)
  }

  prepare(item: BatchItem): PreparedItem {
    const accepted = this.accept(item)
    if (accepted.kind !== 'event') return accepted
    return { kind: 'row', row: eventToRow(accepted.event, accepted.extra, this.rowOptionsFor(accepted.event)) }
  }

  private rowOptionsFor(event: PulsoEvent): RowOptions {
    // only the tenants and the hash key reach a preparing thread: read the one setting from them
    // (a tenant without settings keeps no text, as tenantSettings' defaults say)
    this.rowOptions.storeText = this.config.tenants.get(event.tenant_id)?.storeText ?? false
    return this.rowOptions
  }

  private pseudonymize(customerId: string): string {
    let pseudonym = this.pseudonyms.get(customerId)
    if (pseudonym === undefined) {
      pseudonym = pseudonymizeCustomerId(customerId, this.config.hashKey)!
      this.pseudonyms.set(customerId, pseudonym)
    }
    return pseudonym
  }
}

/** Validates and maps a batch. Pure apart from the clock: no I/O. */
export function prepareBatch(items: BatchItem[], config: Pick<PulsoConfig, 'hashKey' | 'tenants'>, options: IntakeOptions): PreparedBatch {
  const prepared: PreparedBatch = { rows: [], rowIndexes: [], rejected: [], deadLetters: [], duplicatesInBatch: 0 }
  const preparer = new BatchPreparer(config, options)
  for (let index = 0; index < items.length; index++) {
    const item = items[index]!
    const outcome = preparer.prepare(item)
    if (outcome.kind === 'row') {
      prepared.rows.push(outcome.row)
      prepared.rowIndexes.push(index)
    } else if (outcome.kind === 'duplicate') {
      prepared.duplicatesInBatch++
    } else {
      const { reason, eventId, tenantId } = outcome
      prepared.rejected.push({ index, event_id: eventId, reason })
      prepared.deadLetters.push({ tenant_id: tenantId, source: options.source, batch_index: index, event_id: eventId, reason, payload: item.raw })
    }
  }
  return prepared
}

/** What keeps derived data current after events are stored: the stored conversation facts. */
export type StoredEventsListener = {
  refresh(touched: TouchedConversations): Promise<void>
}

/** The conversations and customers of a batch's rows. */
export function touchedByRows(rows: EventRow[]): TouchedConversations {
  const touched = new TouchedConversations()
  for (const row of rows) touched.add(row.tenant_id as string, row.conversation_id as string, row.customer_id as string | null)
  return touched
}

/**
 * Stores batches. Within one process, the look-up of already stored ids and the insert run one
 * batch at a time, so the duplicate counts it answers are exact. Across processes (API replicas,
 * Kafka workers) a race can store a repeat twice; the staging model deduplicates by
 * (tenant_id, event_id), so KPIs never count it twice either way.
 */
export class Intake {
  private queue: Promise<unknown> = Promise.resolve()

  constructor(
    private readonly warehouse: Warehouse,
    private readonly config: Pick<PulsoConfig, 'hashKey' | 'tenants'>,
    private readonly facts?: StoredEventsListener,
  ) {}

  /**
   * Validates the batch at once (on the calling thread, while the engine may still be storing an
   * earlier batch), then stores it after the batches before it.
   */
  ingest(items: BatchItem[], options: IntakeOptions): Promise<IntakeResult> {
    const prepared = prepareBatch(items, this.config, options)
    const stored = this.queue.then(() => this.store(items, prepared, options))
    this.queue = stored.catch(() => undefined)
    // The facts are refreshed outside the queue: the next batch's look-up and insert go on
    // meanwhile, and batches stored during one refresh share the next.
    return stored.then(async (result) => {
      await this.facts?.refresh(touchedByRows(prepared.rows))
      return result
    })
  }

  /** Looks up and drops stored repeats, then stores. The facts of every row, repeats too, are
   * refreshed after (ingest()): a batch sent again after a crash between its insert and the
   * refresh (so never acknowledged) refreshes what the first attempt stored. */
  private async store(items: BatchItem[], prepared: PreparedBatch, options: IntakeOptions): Promise<IntakeResult> {
    const fresh = await this.freshRows(prepared)
    // Dead letters first: if storing the valid rows fails, the caller retries the whole batch
    // and nothing valid was acknowledged.
    await insertDeadLetters(this.warehouse, prepared.deadLetters)
    const refused = refusedItems(
      await insertAroundRefusals(fresh.rows.length, (from, to) => insertEventRows(this.warehouse, fresh.rows.slice(from, to))),
      fresh,
      items,
      options.source,
    )
    await insertDeadLetters(this.warehouse, refused.deadLetters)
    return {
      accepted: fresh.rows.length - refused.rejected.length,
      duplicates: prepared.duplicatesInBatch + (prepared.rows.length - fresh.rows.length),
      rejected: refused.rejected.length ? [...prepared.rejected, ...refused.rejected].sort((a, b) => a.index - b.index) : prepared.rejected,
    }
  }

  /** The batch's rows whose (tenant_id, conversation_id, event_id) is not stored yet. */
  private async freshRows({ rows, rowIndexes }: PreparedBatch): Promise<FreshRows> {
    const stored = await findStoredPositions(
      this.warehouse,
      rows.map((row) => ({ tenant_id: row.tenant_id as string, conversation_id: row.conversation_id as string, event_id: row.event_id as string })),
    )
    const fresh: FreshRows = { rows: [], indexes: [] }
    rows.forEach((row, position) => {
      if (stored.has(position)) return
      fresh.rows.push(row)
      fresh.indexes.push(rowIndexes[position]!)
    })
    return fresh
  }
}

/** Rows to store, and the batch index of each. */
type FreshRows = { rows: EventRow[]; indexes: number[] }

/**
 * The rows the engine refused (insertAroundRefusals; rare, as the contract accepts only what the
 * columns hold) as rejections of their batch items, and their dead letters.
 */
function refusedItems(refused: RefusedRow[], fresh: FreshRows, items: BatchItem[], source: string): { rejected: Rejection[]; deadLetters: DeadLetterRow[] } {
  const rejected: Rejection[] = []
  const deadLetters: DeadLetterRow[] = []
  for (const { index, reason } of refused) {
    const row = fresh.rows[index]!
    const batchIndex = fresh.indexes[index]!
    const eventId = row.event_id as string
    rejected.push({ index: batchIndex, event_id: eventId, reason })
    deadLetters.push({ tenant_id: row.tenant_id as string, source, batch_index: batchIndex, event_id: eventId, reason, payload: items[batchIndex]!.raw })
  }
  return { rejected, deadLetters }
}
