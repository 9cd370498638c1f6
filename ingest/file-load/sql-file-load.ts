// A bulk load on embedded chDB (`pulso ingest FILE`, POST /v1/events/bulk): ClickHouse reads the
// input, parses and checks each line (surely-valid-sql.ts) and stores the events, at the engine's
// speed; Node only handles the lines the SQL cannot vouch for, through the intake's own
// validation (BlockLoad), so a rejection reads exactly as anywhere else and no valid event is lost.
//
// 1. Every piece of the input (file-pieces.ts) is read into a staging table: each line's number,
//    whether it is surely valid, its events columns (the customer id as written), and its text
//    when it is not surely valid.
// 2. Each distinct customer id's stored form (a phone number's keyed hash) is computed once.
// 3. The surely valid events that are neither stored already nor repeated earlier in the file
//    (by the events' identity: tenant, conversation, event) are inserted, in parts by conversation.
// 4. The other lines go through BlockLoad in blocks, as the Kafka worker's and intake's events do.
// 5. The stored conversation facts are refreshed once for everything the load touched; a tenant the
//    load touched much of (or brought in whole) is recomputed whole.
import type { PulsoConfig } from '../../config/config.ts'
import { queryRows, runStatement, type Warehouse } from '../../warehouse/client.ts'
import { EVENT_COLUMNS } from '../../warehouse/event-columns.ts'
import { plainEventStructure } from '../../warehouse/repositories/events.ts'
import { sqlString } from '../../warehouse/sql-literals.ts'
import { TouchedConversations } from '../../warehouse/touched-conversations.ts'
import type { BlockLoad } from '../block-load.ts'
import { toClickHouseTime } from '../contract/timestamp.ts'
import { PackedValuesBuilder } from '../kafka/packed-values.ts'
import { type FilePiece, filePieces } from './file-pieces.ts'
import type { LoadInput, ReadProgress } from './input-lines.ts'
import { addBlockResult, emptySummary, type IngestSummary } from './load-summary.ts'
import { pseudonymSql, surelyValidSelect } from './surely-valid-sql.ts'

export type LoadProgress =
  | { step: 'reading'; bytesRead: number; lines: number }
  | { step: 'storing'; lines: number }
  | { step: 'checking'; done: number; total: number }
  | { step: 'facts'; done: number; total: number }

export type SqlFileLoadOptions = {
  /** When set, events of any other tenant are rejected (`pulso ingest --tenant`). */
  tenantId?: string
  /** Lines the SQL cannot vouch for go to BlockLoad this many at a time. */
  blockLines?: number
  /** The size of the pieces the input is read in (file-pieces.ts). */
  pieceBytes?: number
  /** A tenant with at least this many conversations in the load is recomputed whole. */
  wholeTenantConversations?: number
  /** Surely valid lines one insert statement takes at most (EVENTS_PER_INSERT_PART). */
  eventsPerInsertPart?: number
  onProgress?: (progress: LoadProgress) => void
}

const BLOCK_LINES = 20_000
const WHOLE_TENANT_CONVERSATIONS = 200_000
/** Surely valid lines one insert statement takes at most (its search for repeats holds their keys). */
const EVENTS_PER_INSERT_PART = 4_000_000
/** The hash buckets of conversations the staging table is sorted by (a power of two: parts are ranges of them). */
const BUCKETS = 64

export async function loadFileInSql(
  warehouse: Warehouse,
  config: Pick<PulsoConfig, 'hashKey' | 'tenants'>,
  blockLoad: BlockLoad,
  input: LoadInput,
  options: SqlFileLoadOptions = {},
): Promise<IngestSummary> {
  if (!warehouse.scratchDir) throw new Error('a load in SQL needs embedded chDB (its data folder holds the pieces ClickHouse reads)')
  const progress = options.onProgress ?? (() => undefined)
  const staging = await createStagingTable(warehouse)
  try {
    const params = {
      hash_key: config.hashKey,
      text_tenants: [...config.tenants.values()].filter((t) => t.storeText).map((t) => t.id),
      only_tenant: options.tenantId ?? '',
      received_at: toClickHouseTime(Date.now()),
    }
    const stagePiece = stagePieceSql(staging)
    const read: ReadProgress = { lines: 0, bytes: 0 }
    await eachPiece(filePieces(input, warehouse.scratchDir, read, options.pieceBytes), async (piece) => {
      await runStatement(warehouse, stagePiece(piece.file), params)
      progress({ step: 'reading', bytesRead: read.bytes, lines: read.lines })
    })
    const summary = emptySummary()
    summary.lines = read.lines
    progress({ step: 'storing', lines: read.lines })
    const storedCustomer = await pseudonymizeCustomers(warehouse, staging, params)
    const storedBefore = await storeSurelyValid(warehouse, staging, storedCustomer, summary, options.eventsPerInsertPart ?? EVENTS_PER_INSERT_PART)
    await deferFactsOfSurelyValid(warehouse, staging, storedCustomer, blockLoad, storedBefore, options.wholeTenantConversations ?? WHOLE_TENANT_CONVERSATIONS)
    await checkOtherLines(warehouse, staging, blockLoad, summary, options.blockLines ?? BLOCK_LINES, progress)
    await blockLoad.refreshFacts((done, total) => progress({ step: 'facts', done, total }))
    return summary
  } finally {
    await dropStagingDatabase(warehouse)
  }
}

/**
 * The statement that parses and checks the numbered lines of a piece file into the staging table
 * (query parameters: surelyValidSelect's). Customer ids are staged as written (pseudonymizeCustomers).
 */
function stagePieceSql(staging: string): (file: string) => string {
  const { aliases, surelyValid, columns, rawCustomerId } = surelyValidSelect()
  return (file) => `INSERT INTO ${staging} (bucket, line_number, surely_valid, line, ${EVENT_COLUMNS.join(', ')})
SELECT cityHash64(conversation_id_value) % ${BUCKETS}, line_number, surely_valid, if(surely_valid, '', line), ${EVENT_COLUMNS.map((c) => `${c}_value`).join(', ')}
FROM (
    SELECT line_number, line, ${surelyValid} AS surely_valid,
        ${EVENT_COLUMNS.map((c) => `${c === 'customer_id' ? rawCustomerId : columns[c]} AS ${c}_value`).join(',\n        ')},
        ${aliases}
    FROM (
        SELECT toUInt64OrZero(substring(numbered, 1, position(numbered, '\t') - 1)) AS line_number, substring(numbered, position(numbered, '\t') + 1) AS line
        FROM file(${sqlString(file)}, 'LineAsString', 'numbered String'))
)
-- lazy (short-circuit) evaluation of the checks' ANDs costs ~20× more than evaluating every
-- check on every line; none of them can fail on any input (the *OrZero/*OrNull forms)
SETTINGS short_circuit_function_evaluation = 'disable', max_insert_threads = 2`
}

/**
 * Runs `load` on each piece, in order, while the next piece is written: Node copies the input
 * while the engine reads the piece before. Each piece is removed once loaded.
 */
async function eachPiece(pieces: AsyncGenerator<FilePiece>, load: (piece: FilePiece) => Promise<void>): Promise<void> {
  let next = pieces.next()
  try {
    for (;;) {
      const current = await next
      if (current.done) return
      next = pieces.next()
      // a failure of the reading ahead is reported by the await above, once this piece is done
      next.catch(() => undefined)
      try {
        await load(current.value)
      } finally {
        current.value.discard()
      }
    }
  } finally {
    // after a failure: the piece read ahead is removed too
    const ahead = await next.catch(() => undefined)
    if (ahead && !ahead.done) ahead.value.discard()
    await pieces.return(undefined)
  }
}

/** Where loads stage their lines: a database of its own, so that no tenant's SQL ever sees it. */
function stagingDatabase(warehouse: Warehouse): string {
  return `${warehouse.database}_load`
}

/**
 * The staging table of this load, in a database of loads that is dropped at the end. What an
 * earlier load left is dropped first: one load runs at a time on a data folder (`pulso ingest`
 * holds the folder, a server runs one bulk load at a time: bulk-loads.ts), so any other one is
 * what a killed load left.
 */
async function createStagingTable(warehouse: Warehouse): Promise<string> {
  await dropStagingDatabase(warehouse)
  const database = stagingDatabase(warehouse)
  await runStatement(warehouse, `CREATE DATABASE ${database}`)
  const table = `${database}.lines`
  // Plain types (no LowCardinality): the lines are written once and read once. Sorted by a hash of
  // the conversation (BUCKETS of them), so that each part of the insert reads its own rows.
  await runStatement(
    warehouse,
    `CREATE TABLE ${table} (bucket UInt8, line_number UInt64, surely_valid Bool, line String, ${await plainEventStructure(warehouse)})
ENGINE = MergeTree ORDER BY bucket`,
  )
  // its parts are read once and dropped: merging them in the background would only take CPU from the load
  await runStatement(warehouse, `SYSTEM STOP MERGES ${table}`)
  return table
}

async function dropStagingDatabase(warehouse: Warehouse): Promise<void> {
  await runStatement(warehouse, `DROP DATABASE IF EXISTS ${stagingDatabase(warehouse)} SYNC`)
}

/**
 * The staging table keeps customer ids as written. Each distinct one's stored form (a phone
 * number's keyed hash: pseudonymSql) is computed once, into a table of the load's database;
 * answers the SQL expression of the stored customer id of a staging row.
 */
async function pseudonymizeCustomers(warehouse: Warehouse, staging: string, params: { hash_key: string }): Promise<string> {
  const table = `${stagingDatabase(warehouse)}.pseudonyms`
  await runStatement(warehouse, `CREATE TABLE ${table} (customer String, pseudonym String) ENGINE = Join(ANY, LEFT, customer)`)
  await runStatement(
    warehouse,
    `INSERT INTO ${table} SELECT customer, ${pseudonymSql('customer')}
FROM (SELECT DISTINCT assumeNotNull(customer_id) AS customer FROM ${staging} WHERE surely_valid AND customer_id IS NOT NULL)`,
    { hash_key: params.hash_key },
  )
  return `if(customer_id IS NULL, NULL, joinGet(${sqlString(table)}, 'pseudonym', assumeNotNull(customer_id)))`
}

/** Events stored per tenant, of the tenants with surely valid lines in the load. */
async function storedPerTenant(warehouse: Warehouse, staging: string): Promise<Map<string, number>> {
  const rows = await queryRows<{ tenant_id: string; n: number | string }>(
    warehouse,
    `SELECT tenant_id, count() AS n FROM ${warehouse.database}.events
WHERE tenant_id IN (SELECT DISTINCT tenant_id FROM ${staging} WHERE surely_valid) GROUP BY tenant_id`,
  )
  return new Map(rows.map((r) => [r.tenant_id, Number(r.n)]))
}

/**
 * Stores the surely valid events that are new: not stored already (looked up by conversation, a
 * range of the events table's key) and the first of their repeats in the file. Which of two
 * copies of one event is kept is not defined; copies are identical by contract. The count of
 * stored events is what the load's copy of the events table holds before its parts are attached:
 * other writers (a server's intake beside a bulk load) may store events meanwhile.
 * Answers the events each tenant had before.
 */
async function storeSurelyValid(
  warehouse: Warehouse,
  staging: string,
  storedCustomer: string,
  summary: IngestSummary,
  eventsPerPart: number,
): Promise<Map<string, number>> {
  const db = warehouse.database
  const surely = await countOf(warehouse, `SELECT countIf(surely_valid) AS n FROM ${staging}`)
  const before = await storedPerTenant(warehouse, staging)
  const columns = EVENT_COLUMNS.join(', ')
  const selected = EVENT_COLUMNS.map((c) => (c === 'customer_id' ? `${storedCustomer} AS customer_id` : c)).join(', ')
  // Events stored before are looked up by conversation (a range of the events table's key), for
  // the tenants that had any: a load into new tenants builds no such set.
  const notStored = (part: string) =>
    before.size === 0
      ? ''
      : `AND (tenant_id, conversation_id, event_id) NOT IN (
    SELECT tenant_id, conversation_id, event_id FROM ${db}.events
    WHERE tenant_id IN {stored_tenants:Array(String)}
      AND (tenant_id, conversation_id) IN (SELECT tenant_id, conversation_id FROM ${staging} WHERE surely_valid AND tenant_id IN {stored_tenants:Array(String)} AND ${part}))`
  // The new events are written into a copy of the events table, then its parts are attached to the
  // events table: an insert into the events table itself runs on one thread (the engine writes an
  // insert into a table with a materialized view so), one into the copy on all of them. Attaching
  // does not run the view, so the customer index is written from the copy after.
  const newEvents = `${stagingDatabase(warehouse)}.events`
  await runStatement(warehouse, `CREATE TABLE ${newEvents} AS ${db}.events`)
  // Its parts are merged once they are the events table's, all at once: merging them here after
  // each part of the insert would write the same rows again and again.
  await runStatement(warehouse, `SYSTEM STOP MERGES ${newEvents}`)
  // In parts by conversation: a part bounds the memory that finding repeats takes. A
  // conversation's events are in one part, so each part leaves out repeats by itself.
  let parts = 1
  while (parts < BUCKETS && surely / parts > eventsPerPart) parts *= 2
  for (let index = 0; index < parts; index++) {
    const part = `bucket >= ${(index * BUCKETS) / parts} AND bucket < ${((index + 1) * BUCKETS) / parts}`
    await runStatement(
      warehouse,
      `INSERT INTO ${newEvents} (${columns})
SELECT ${selected} FROM ${staging}
WHERE surely_valid AND ${part} ${notStored(part)}
LIMIT 1 BY tenant_id, conversation_id, event_id
-- the repeats are left out above, so the table's own check of repeated inserts (for retried
-- blocks) would only hash every part
SETTINGS max_insert_threads = 2, insert_deduplicate = 0`,
      { stored_tenants: [...before.keys()] },
    )
  }
  const stored = await countOf(warehouse, `SELECT count() AS n FROM ${newEvents}`)
  // One row per pair the new events name (a set of the load's pairs in memory: reading the copy's
  // unmerged parts in their sort order instead took twice as long). Written before the events are
  // attached: the events table merges its new parts from then on, and this would share the cores
  // with those merges. A load killed in between leaves pairs of conversations without events, which
  // facts never read (a conversation's facts are computed from its events), and stores the events
  // when run again.
  await runStatement(
    warehouse,
    `INSERT INTO ${db}.customer_conversations (tenant_id, customer_id, conversation_id)
SELECT tenant_id, assumeNotNull(customer_id), conversation_id FROM ${newEvents} WHERE customer_id IS NOT NULL
GROUP BY tenant_id, conversation_id, customer_id`,
  )
  const partitions = await queryRows<{ partition_id: string }>(
    warehouse,
    'SELECT DISTINCT partition_id FROM system.parts WHERE database = {db:String} AND table = {table:String} AND active',
    { db: stagingDatabase(warehouse), table: 'events' },
  )
  for (const { partition_id } of partitions) {
    await runStatement(warehouse, `ALTER TABLE ${db}.events ATTACH PARTITION ID {partition:String} FROM ${newEvents}`, { partition: partition_id })
  }
  summary.accepted += stored
  summary.duplicates += surely - stored
  return before
}

/**
 * Hands BlockLoad what the surely valid lines touched, repeats included (a file loaded again after
 * a crash between its insert and its facts refreshes them now): each conversation and customer,
 * or the whole tenant when the load brought it in (it had no events before) or brought many of
 * its conversations. A tenant that had events may be a load run again after a crash between the
 * insert and the customer index its materialized view writes: the index is restored first.
 */
async function deferFactsOfSurelyValid(
  warehouse: Warehouse,
  staging: string,
  storedCustomer: string,
  blockLoad: BlockLoad,
  storedBefore: Map<string, number>,
  wholeTenantConversations: number,
): Promise<void> {
  // conversations are counted only for tenants that had events: any other is recomputed whole
  const tenants = await queryRows<{ tenant_id: string; conversations: number | string }>(
    warehouse,
    `SELECT tenant_id, uniqExactIf(conversation_id, tenant_id IN {stored_tenants:Array(String)}) AS conversations
FROM ${staging} WHERE surely_valid GROUP BY tenant_id`,
    { stored_tenants: [...storedBefore.keys()] },
  )
  for (const { tenant_id: tenantId, conversations } of tenants) {
    const hadEvents = (storedBefore.get(tenantId) ?? 0) > 0
    if (!hadEvents || Number(conversations) >= wholeTenantConversations) {
      blockLoad.deferWholeTenant(tenantId, { hadEvents })
      continue
    }
    const touched = new TouchedConversations()
    const rows = await queryRows<{ conversation_id: string; customer_id: string | null }>(
      warehouse,
      `SELECT DISTINCT conversation_id, ${storedCustomer} AS customer_id FROM ${staging} WHERE surely_valid AND tenant_id = {tenant:String}`,
      { tenant: tenantId },
    )
    for (const row of rows) touched.add(tenantId, row.conversation_id, row.customer_id)
    await blockLoad.deferRefresh(touched)
  }
}

/** The lines the SQL did not vouch for, through BlockLoad, in file order. */
async function checkOtherLines(
  warehouse: Warehouse,
  staging: string,
  blockLoad: BlockLoad,
  summary: IngestSummary,
  blockLines: number,
  progress: (p: LoadProgress) => void,
): Promise<void> {
  const others = `FROM ${staging} WHERE NOT surely_valid`
  const total = await countOf(warehouse, `SELECT count() AS n ${others}`)
  let done = 0
  let after = 0
  while (done < total) {
    const rows = await queryRows<{ line_number: number; line: string }>(
      warehouse,
      `SELECT line_number, line ${others} AND line_number > {after:UInt64} ORDER BY line_number LIMIT {limit:UInt32}`,
      { after, limit: blockLines },
    )
    if (rows.length === 0) break
    const builder = new PackedValuesBuilder({ values: rows.length, bytes: rows.length * 256 })
    for (const row of rows) builder.add(Buffer.from(row.line))
    const lineNumbers = rows.map((row) => Number(row.line_number))
    addBlockResult(summary, await blockLoad.load(builder.packed()), lineNumbers)
    done += rows.length
    after = lineNumbers[lineNumbers.length - 1]!
    progress({ step: 'checking', done, total })
  }
}

/** The number a `SELECT … AS n` answers. */
async function countOf(warehouse: Warehouse, query: string): Promise<number> {
  const [row] = await queryRows<{ n: number | string }>(warehouse, query)
  return Number(row?.n ?? 0)
}
