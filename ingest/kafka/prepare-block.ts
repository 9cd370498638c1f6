// Turns a block of event texts (Kafka message values, or lines of a file) into what is stored: the
// valid events as TabSeparated rows ready for ClickHouse (warehouse/event-row-encoder.ts), and dead letters for the
// rest. Pure and self-contained (no I/O, plain data in and out), so it can run on a worker thread.
import type { PulsoConfig } from '../../config/config.ts'
import { EVENT_COLUMNS, type RowValue } from '../../warehouse/event-columns.ts'
import { EventRowEncoder } from '../../warehouse/event-row-encoder.ts'
import { TouchedConversations, type TouchedEntries } from '../../warehouse/touched-conversations.ts'
import { type BatchItem, BatchPreparer, parseNdjsonLines } from '../intake.ts'
import { mapRasaEvent, type RasaMapping } from '../rasa/map-event.ts'
import type { PackedValues } from './packed-values.ts'

export type BlockDeadLetter = { index: number; tenant_id: string; event_id: string | null; reason: string; payload: string }

export type PreparedBlock = {
  /** The stored rows, encoded by EventRowEncoder, in block order. */
  encodedRows: Uint8Array
  rows: number
  /** Repeats of an event earlier in the same block. */
  duplicates: number
  /** Messages that carry nothing Pulso counts (a Rasa slot or action_listen event): neither stored nor dead letters. */
  skipped: number
  deadLetters: BlockDeadLetter[]
  /** The conversations and customers of the stored rows: what the stored facts must recompute. */
  touched: TouchedEntries
  /** With `identifyRows`: each row's identity and where it ends in `encodedRows`. */
  rowIdentities?: RowIdentities
}

/**
 * Which event each encoded row is, so a stored repeat can be cut out of the block (file loads look
 * up what is already stored; Kafka blocks rely on their insert token instead).
 */
export type RowIdentities = {
  tenants: string[]
  conversations: string[]
  events: string[]
  /** Where each row ends in `encodedRows`. */
  ends: Int32Array
  /** Each row's position in the block (its message or line). */
  indexes: Int32Array
}

export type PrepareConfig = Pick<PulsoConfig, 'hashKey' | 'tenants'>

export type PrepareOptions = {
  /** Where the events came from (stored with each row): kafka, file… */
  source: string
  /** When set, events of any other tenant are rejected (`pulso ingest --tenant`). */
  tenantId?: string
  /** Reject events of tenants the configuration does not name (a Kafka topic carries any tenant's). */
  configuredTenantsOnly: boolean
  /** Also return RowIdentities. */
  identifyRows: boolean
  /** Each message is a Rasa tracker event (Rasa's Kafka event broker), mapped onto v1 events first. */
  rasa?: RasaMapping
}

export const KAFKA_BLOCKS: PrepareOptions = { source: 'kafka', configuredTenantsOnly: true, identifyRows: false }

// One per thread, reused block after block: its buffer stays at the size blocks need.
let encoder: EventRowEncoder | undefined
// Customers write again and again: their pseudonyms (one HMAC each) are kept across blocks, up to
// a bound, for the hash key they were made with.
const pseudonyms = new Map<string, string>()
const MAX_PSEUDONYMS = 20_000
let pseudonymsKey: string | undefined
// Every stored event's row is written into this one array, then encoded (no row object per event).
const rowValues: RowValue[] = new Array<RowValue>(EVENT_COLUMNS.length).fill(null)
const TENANT = EVENT_COLUMNS.indexOf('tenant_id')
const CONVERSATION = EVENT_COLUMNS.indexOf('conversation_id')
const CUSTOMER = EVENT_COLUMNS.indexOf('customer_id')

export function prepareBlock({ bytes, ends, nulls }: PackedValues, config: PrepareConfig, options: PrepareOptions = KAFKA_BLOCKS): PreparedBlock {
  if (pseudonyms.size > MAX_PSEUDONYMS || pseudonymsKey !== config.hashKey) pseudonyms.clear()
  pseudonymsKey = config.hashKey
  const preparer = new BatchPreparer(config, { source: options.source, tenantId: options.tenantId }, pseudonyms)
  const identities = options.identifyRows
    ? { tenants: [] as string[], conversations: [] as string[], events: [] as string[], ends: [] as number[], indexes: [] as number[] }
    : undefined
  encoder ??= new EventRowEncoder()
  const rowEncoder = encoder
  rowEncoder.reset() // drops what a block that failed half-way left behind
  const deadLetters: BlockDeadLetter[] = []
  let duplicates = 0
  let skipped = 0
  const touched = new TouchedConversations()
  const accept = (item: BatchItem, index: number) => {
    const outcome = preparer.accept(item)
    if (outcome.kind === 'duplicate') {
      duplicates++
    } else if (outcome.kind === 'rejected') {
      deadLetters.push({ index, tenant_id: outcome.tenantId, event_id: outcome.eventId, reason: outcome.reason, payload: item.raw })
    } else if (options.configuredTenantsOnly && !config.tenants.has(outcome.event.tenant_id)) {
      // A worker reads every tenant's events, so it checks the tenant is one Pulso knows.
      const tenantId = outcome.event.tenant_id
      const reason = `\`tenant_id\`: '${tenantId}' is not a configured tenant (add it to the config file or PULSO_API_KEYS)`
      deadLetters.push({ index, tenant_id: tenantId, event_id: outcome.event.event_id, reason, payload: item.raw })
    } else {
      rowEncoder.addValues(preparer.writeRow(outcome.event, outcome.extra, rowValues))
      touched.add(rowValues[TENANT] as string, rowValues[CONVERSATION] as string, rowValues[CUSTOMER] as string | null)
      if (identities) {
        identities.tenants.push(outcome.event.tenant_id)
        identities.conversations.push(outcome.event.conversation_id)
        identities.events.push(outcome.event.event_id)
        identities.ends.push(rowEncoder.byteLength)
        identities.indexes.push(index)
      }
    }
  }
  for (let index = 0, start = 0; index < ends.length; start = ends[index++]!) {
    // Each message is parsed, checked, mapped and encoded before the next, so only the
    // encoded row outlives it: the block never holds a parsed copy of all its events.
    const item = parseMessage(nulls[index] ? null : bytes.subarray(start, ends[index]))
    if (!options.rasa || item.parseError) {
      accept(item, index)
      continue
    }
    // A Rasa message gives zero, one or two events; each keeps the message's text for its dead letter.
    const mapped = mapRasaEvent(item.value, item.raw, options.rasa)
    if (mapped.kind === 'skipped') skipped++
    else if (mapped.kind === 'rejected') accept({ raw: item.raw, parseError: mapped.reason }, index)
    else for (const event of mapped.events) accept({ raw: item.raw, value: event }, index)
  }
  const rows = rowEncoder.rows
  const rowIdentities = identities && { ...identities, ends: Int32Array.from(identities.ends), indexes: Int32Array.from(identities.indexes) }
  return { encodedRows: rowEncoder.finish(), rows, duplicates, skipped, deadLetters, touched: touched.toJSON(), rowIdentities }
}

const decoder = new TextDecoder()

/** One Kafka message is one event: JSON text, or a reason why it is not. */
export function parseMessage(value: Uint8Array | null): BatchItem {
  const raw = value ? decoder.decode(value) : ''
  try {
    return { raw, value: JSON.parse(raw) }
  } catch {
    // Only a message that does not parse pays for finding out why.
    const trimmed = raw.trim()
    if (trimmed === '') return { raw, parseError: 'not JSON: the message is empty; expected one JSON event per message' }
    if (/[\r\n]\s*\S/.test(trimmed)) return { raw, parseError: 'not JSON: the message holds more than one line; expected one JSON event per message' }
    return parseNdjsonLines([raw])[0]!
  }
}
