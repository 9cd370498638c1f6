// Queries about raw events and dead letters: what is already stored, and writing new rows.
import { createHash } from 'node:crypto'
import { rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { Readable } from 'node:stream'
import { toWellFormedText } from '../../definitions/text.ts'
import { insertRows, queryRows, type Warehouse } from '../client.ts'
import { EVENT_COLUMNS, type EventRow } from '../event-columns.ts'
import { encodeRows } from '../event-row-encoder.ts'
import { sqlString } from '../sql-literals.ts'
import { stringSet, stringSetParam } from '../string-set.ts'

export type DeadLetterRow = {
  tenant_id: string
  source: string
  batch_index: number
  event_id: string | null
  reason: string
  payload: string
  received_at?: string
}

/**
 * The events of `events` (conversation and event id) already stored for this tenant, as
 * `conversation_id + '\u0000' + event_id`. Looked up by conversation: the events table is sorted
 * by (tenant, conversation, …, event), so each conversation is one range of the primary key.
 */
export async function findStoredEvents(warehouse: Warehouse, tenantId: string, events: { conversation_id: string; event_id: string }[]): Promise<Set<string>> {
  if (events.length === 0) return new Set()
  const rows = await queryRows<{ conversation_id: string; event_id: string }>(
    warehouse,
    `SELECT DISTINCT conversation_id, event_id FROM ${warehouse.database}.events
WHERE tenant_id = {tenant_id:String}
  AND conversation_id IN ${stringSet('conversation_ids')}
  AND event_id IN ${stringSet('event_ids')}`,
    {
      tenant_id: tenantId,
      conversation_ids: stringSetParam(new Set(events.map((e) => e.conversation_id))),
      event_ids: stringSetParam(events.map((e) => e.event_id)),
    },
  )
  return new Set(rows.map((r) => storedEventKey(r.conversation_id, r.event_id)))
}

/** Which of `events` (of any tenants) are already stored: their positions in the array, looked up tenant by tenant. */
export async function findStoredPositions(
  warehouse: Warehouse,
  events: { tenant_id: string; conversation_id: string; event_id: string }[],
): Promise<Set<number>> {
  const positionsByTenant = new Map<string, number[]>()
  events.forEach((event, position) => {
    const positions = positionsByTenant.get(event.tenant_id)
    if (positions) positions.push(position)
    else positionsByTenant.set(event.tenant_id, [position])
  })
  const storedPositions = new Set<number>()
  for (const [tenantId, positions] of positionsByTenant) {
    const stored = await findStoredEvents(
      warehouse,
      tenantId,
      positions.map((position) => events[position]!),
    )
    if (stored.size === 0) continue
    for (const position of positions)
      if (stored.has(storedEventKey(events[position]!.conversation_id, events[position]!.event_id))) storedPositions.add(position)
  }
  return storedPositions
}

export function storedEventKey(conversationId: string, eventId: string): string {
  return `${conversationId}\u0000${eventId}`
}

/**
 * Stores rows made by eventToRow. The token is always sent, empty when there is none: embedded
 * chDB applies per-query settings with SET on its one session, so a token given to one insert
 * would otherwise stick to the next ones and make ClickHouse drop them as repeats (events keep
 * insert hashes, migration 5).
 */
export async function insertEventRows(warehouse: Warehouse, rows: EventRow[], dedupToken?: string): Promise<void> {
  if (rows.length === 0) return
  await insertEncodedEventRows(warehouse, encodeRows(rows), dedupToken)
}

/**
 * Stores rows already encoded by EventRowEncoder (the Kafka worker encodes them off the main thread).
 * The one insert not through insertRows: its rows are TabSeparated bytes, from a file on embedded chDB.
 */
export async function insertEncodedEventRows(warehouse: Warehouse, encodedRows: Uint8Array, dedupToken?: string): Promise<void> {
  if (encodedRows.length === 0) return
  const clickhouse_settings = { insert_deduplication_token: dedupToken ?? '' }
  const columns = EVENT_COLUMNS.join(', ')
  if (warehouse.scratchDir) return insertFromFile(warehouse, warehouse.scratchDir, columns, encodedRows, clickhouse_settings)
  // A raw-format insert takes a byte stream (not an object-mode one, which the client refuses);
  // the rows are sent as they are.
  const values = Readable.from([encodedRows], { objectMode: false })
  await warehouse.client.insert({ table: `${warehouse.database}.events`, columns: [...EVENT_COLUMNS], values, format: 'TabSeparated', clickhouse_settings })
}

let scratchFiles = 0

/**
 * Embedded chDB reads a block about twice as fast from a file as from the body of the INSERT
 * statement, which chdb/connection hands over as one SQL string. And it parses the file ~2.5×
 * faster when the rows are read into plain columns and converted to the table's
 * LowCardinality columns in bulk (INSERT … SELECT FROM file()) than when each value is parsed
 * straight into a LowCardinality column (INSERT … FROM INFILE): ~6 against ~15 µs of CPU per event
 * (see BENCHMARKS.md). The file lives in the data folder only for the duration of the insert.
 */
async function insertFromFile(
  warehouse: Warehouse,
  scratchDir: string,
  columns: string,
  encodedRows: Uint8Array,
  clickhouse_settings: Record<string, string>,
): Promise<void> {
  const file = path.join(scratchDir, `events-${process.pid}-${++scratchFiles}.tsv`)
  await writeFile(file, encodedRows)
  try {
    const structure = await plainEventStructure(warehouse)
    await warehouse.client.command({
      // One parsing thread: a block file is a few MB, and the worker's other threads already keep
      // the cores busy (37–38 against 40–41 µs of CPU per event, BENCHMARKS.md). Set in the
      // statement: a per-query setting would stick to chDB's one session.
      query: `INSERT INTO ${warehouse.database}.events (${columns}) SELECT * FROM file(${sqlString(file)}, 'TabSeparated', ${sqlString(structure)}) SETTINGS input_format_parallel_parsing = 0`,
      clickhouse_settings,
    })
  } finally {
    await rm(file, { force: true })
  }
}

const plainStructures = new WeakMap<Warehouse, Promise<string>>()

/** The events table's columns in EVENT_COLUMNS order, typed as in the table minus LowCardinality. */
export function plainEventStructure(warehouse: Warehouse): Promise<string> {
  let structure = plainStructures.get(warehouse)
  if (!structure) {
    structure = queryRows<{ name: string; type: string }>(
      warehouse,
      'SELECT name, type FROM system.columns WHERE database = {db:String} AND table = {table:String}',
      { db: warehouse.database, table: 'events' },
    ).then((rows) => {
      const types = new Map(rows.map((r) => [r.name, r.type.replace(/^LowCardinality\((.*)\)$/, '$1')]))
      return EVENT_COLUMNS.map((column) => {
        const type = types.get(column)
        if (!type) throw new Error(`the events table has no column ${column}: run the migrations`)
        return `${column} ${type}`
      }).join(', ')
    })
    // A failed look-up is not cached: the next insert asks again.
    structure.catch(() => plainStructures.delete(warehouse))
    plainStructures.set(warehouse, structure)
  }
  return structure
}

/**
 * A dead letter's identity: its tenant, source and raw payload. The same rejected input sent again
 * (a batch retried after a failure or a lost answer, a Kafka block read again after a crash) is
 * the same dead letter. Migration 8 names older rows the same way, in SQL.
 */
export function deadLetterId(row: Pick<DeadLetterRow, 'tenant_id' | 'source' | 'payload'>): string {
  return createHash('sha256').update(`${row.tenant_id}\u0000${row.source}\u0000${row.payload}`).digest('hex')
}

/**
 * Stores the dead letters not stored yet, each once. Two processes storing the same letter at the
 * same moment may both write it; the table folds such copies in its merges (ReplacingMergeTree by
 * identity, migration 8), and listDeadLetters reads it with FINAL. The token is always sent, empty:
 * a token of an earlier insert would otherwise stick to chDB's one session (see insertEventRows).
 */
export async function insertDeadLetters(warehouse: Warehouse, rows: DeadLetterRow[]): Promise<void> {
  if (rows.length === 0) return
  const letters = new Map<string, DeadLetterRow & { letter_id: string }>()
  for (const row of rows) {
    const letter = wellFormedDeadLetter(row)
    const id = deadLetterId(letter)
    if (!letters.has(id)) letters.set(id, { ...letter, letter_id: id })
  }
  const stored = await findStoredDeadLetters(warehouse, [...letters.values()])
  const fresh = [...letters.values()].filter((letter) => !stored.has(letter.letter_id))
  if (fresh.length === 0) return
  await insertRows(warehouse, `${warehouse.database}.dead_letters`, fresh, { dedupToken: '' })
}

/**
 * The dead letter with every text well-formed. What was rejected may hold a lone UTF-16 surrogate
 * (an event id, a tenant id: that is why it was rejected), which ClickHouse's JSON reader refuses
 * ("missing second part of surrogate pair"), failing the whole batch, and UTF-8 cannot hold: it is
 * kept as U+FFFD. A payload is text as received, which a lone surrogate never reaches (a body is
 * decoded from UTF-8, and JSON.stringify writes one as its escape).
 */
function wellFormedDeadLetter(row: DeadLetterRow): DeadLetterRow {
  const { tenant_id, source, event_id, reason, payload } = row
  return {
    ...row,
    tenant_id: toWellFormedText(tenant_id),
    source: toWellFormedText(source),
    event_id: event_id === null ? null : toWellFormedText(event_id),
    reason: toWellFormedText(reason),
    payload: toWellFormedText(payload),
  }
}

/** The ids of `letters` already stored, looked up by tenant and source (the table's sort key). */
async function findStoredDeadLetters(warehouse: Warehouse, letters: { tenant_id: string; source: string; letter_id: string }[]): Promise<Set<string>> {
  const groups = new Map<string, { tenant_id: string; source: string; ids: string[] }>()
  for (const { tenant_id, source, letter_id } of letters) {
    const key = `${tenant_id}\u0000${source}`
    const group = groups.get(key) ?? { tenant_id, source, ids: [] }
    group.ids.push(letter_id)
    groups.set(key, group)
  }
  const stored = new Set<string>()
  for (const { tenant_id, source, ids } of groups.values()) {
    const rows = await queryRows<{ letter_id: string }>(
      warehouse,
      `SELECT letter_id FROM ${warehouse.database}.dead_letters
WHERE tenant_id = {tenant_id:String} AND source = {source:String} AND letter_id IN ${stringSet('ids')}`,
      { tenant_id, source, ids: stringSetParam(ids) },
    )
    for (const row of rows) stored.add(row.letter_id)
  }
  return stored
}

export async function countEvents(warehouse: Warehouse, tenantId: string): Promise<number> {
  const [row] = await queryRows<{ n: number }>(
    warehouse,
    `SELECT uniqExact(event_id) AS n FROM ${warehouse.database}.events WHERE tenant_id = {tenant_id:String}`,
    { tenant_id: tenantId },
  )
  return Number(row?.n ?? 0)
}

export async function listDeadLetters(warehouse: Warehouse, tenantId: string, limit = 100): Promise<DeadLetterRow[]> {
  return queryRows<DeadLetterRow>(
    warehouse,
    `SELECT received_at, tenant_id, source, batch_index, event_id, reason, payload
FROM ${warehouse.database}.dead_letters FINAL WHERE tenant_id = {tenant_id:String}
ORDER BY received_at DESC LIMIT {limit:UInt32}`,
    { tenant_id: tenantId, limit },
  )
}
