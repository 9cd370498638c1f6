// The one module that hands out a ClickHouse client. Embedded chDB by default (data in
// PULSO_DATA_DIR), a ClickHouse server when CLICKHOUSE_URL is set. Every query in Pulso
// goes through the @clickhouse/client returned here, so the same SQL runs on both.
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { type ClickHouseClient, type ClickHouseSettings, createClient } from '@clickhouse/client'
import type { PulsoConfig } from '../config/config.ts'
import { type ClientConnection, openChdbConnection } from './chdb-connection.ts'
import { DataFolderInUseError, dataFolderHolder, removeStaleScratchFiles } from './data-folder.ts'
import { sqlString } from './sql-literals.ts'

export type Warehouse = {
  client: ClickHouseClient
  /** The database that holds Pulso's tables and models. */
  database: string
  engine: 'embedded' | 'server'
  /** Embedded only: a folder of the data directory for files handed to the engine (bulk inserts). */
  scratchDir?: string
  /** Embedded only: the engine's folder, which another connection of this process may open too. */
  chdbPath?: string
  close(): Promise<void>
}

/**
 * ClickHouse compiles an expression to native code once it has seen the same one three times
 * (compile_expressions, min_count_to_compile_expression = 3), and its compiler takes argument
 * types it cannot handle: fct_proactive_kpis' date filter, pushed down beside stg_events'
 * `type = 'proactive_sent'` (a LowCardinality(UInt8) result), answered LOGICAL_ERROR "Invalid
 * cast from LowCardinality(UInt8) to native type" from the fourth run of the query on, until the
 * process restarted (GET /v1/proactive, and /v1/sql on fct_proactive_kpis). Any model or data
 * team's query can meet the same gap, so every session runs without it, sandbox sessions too.
 */
export const JIT_OFF: ClickHouseSettings = { compile_expressions: 0 }

// Settings every query runs with: best-effort parsing of timestamps in inserted JSON, output of
// 64-bit integers as numbers (our counts never approach 2^53), and no JIT compilation of
// expressions (see JIT_OFF).
const DEFAULT_SETTINGS: ClickHouseSettings = {
  date_time_input_format: 'best_effort',
  // a statement may carry long text written into it (withLongTextInlined); the default 256 KiB is short
  max_query_size: '67108864',
  output_format_json_quote_64bit_integers: 0,
  ...JIT_OFF,
}

export async function openWarehouse(config: Pick<PulsoConfig, 'clickhouse' | 'dataDir' | 'database'>): Promise<Warehouse> {
  if (config.clickhouse) {
    const client = createClient({
      url: config.clickhouse.url,
      username: config.clickhouse.username,
      password: config.clickhouse.password,
      // Progress headers while a long query runs keep proxies and load balancers from closing an
      // idle connection before the 120 s timeout (the client warns at start-up without them).
      clickhouse_settings: { ...DEFAULT_SETTINGS, send_progress_in_http_headers: 1, http_headers_progress_interval_ms: '110000' },
      request_timeout: 120_000,
    })
    return { client, database: config.database, engine: 'server', close: () => client.close() }
  }
  const chdbPath = path.join(config.dataDir, 'clickhouse')
  mkdirSync(chdbPath, { recursive: true })
  // Said in one line before chDB prints its raw lock error (see data-folder.ts).
  const holder = dataFolderHolder(chdbPath)
  if (holder !== undefined) throw new DataFolderInUseError(config.dataDir, holder)
  let connection: ClientConnection
  try {
    // chDB is loaded lazily (there) so a server deployment never loads the native library.
    connection = await openChdbConnection(chdbPath)
  } catch (error) {
    // another process took the folder between the look and the lock
    const pid = dataFolderHolder(chdbPath)
    throw pid === undefined ? error : new DataFolderInUseError(config.dataDir, pid)
  }
  const client = createClient({ connection, clickhouse_settings: DEFAULT_SETTINGS })
  // Files of inserts whose process was killed (kill -9) are removed now that the folder is ours.
  const scratchDir = path.join(config.dataDir, 'scratch')
  mkdirSync(scratchDir, { recursive: true })
  removeStaleScratchFiles(scratchDir)
  return { client, database: config.database, engine: 'embedded', scratchDir, chdbPath, close: () => client.close() }
}

/**
 * Another connection to the warehouse, for long work beside the requests (a bulk load): embedded
 * chDB runs one query at a time per connection, so the statements of a second one run beside the
 * first's. A ClickHouse server's client already runs queries side by side, and is shared.
 */
export async function openAnotherConnection(warehouse: Warehouse): Promise<Warehouse> {
  if (warehouse.chdbPath === undefined) return { ...warehouse, close: async () => undefined }
  const client = createClient({ connection: await openChdbConnection(warehouse.chdbPath), clickhouse_settings: DEFAULT_SETTINGS })
  return { ...warehouse, client, close: () => client.close() }
}

// The helpers every query of Pulso goes through (tests/queries-through-helpers.test.ts keeps it
// so): a SELECT answering rows, a statement answering nothing, rows to insert. One place for what
// every query shares, such as logging or a tenant check.

/**
 * Runs a SELECT with bound parameters and returns its rows. It takes no per-query settings on
 * purpose: embedded chDB applies them with SET on its one session, so they would stick to every
 * later query of the process. `signal` stops waiting for the answer (a health check's deadline).
 */
export async function queryRows<T>(
  warehouse: Warehouse,
  query: string,
  params: Record<string, unknown> = {},
  options: { signal?: AbortSignal } = {},
): Promise<T[]> {
  const sent = withLongTextInlined(query, params)
  const result = await warehouse.client.query({ query: sent.query, query_params: sent.params, format: 'JSONEachRow', abort_signal: options.signal })
  return result.json<T>()
}

/** Runs a statement that answers no rows (DDL, INSERT … SELECT, OPTIMIZE), with bound parameters. No per-query settings, as queryRows. */
export async function runStatement(warehouse: Warehouse, query: string, params: Record<string, unknown> = {}): Promise<void> {
  const sent = withLongTextInlined(query, params)
  await warehouse.client.command({ query: sent.query, query_params: sent.params })
}

/** Bound text longer than this is written into the statement instead (withLongTextInlined). */
export const LONGEST_BOUND_TEXT = 16 * 1024

/**
 * Bound parameters travel in the request's URL, which a ClickHouse server refuses past
 * http_max_uri_size (1 MiB by default); the statement travels in the body. So a long String
 * parameter (the id set of a large facts refresh) is written into the statement as a String
 * literal, the same value of the same type; shorter ones stay bound.
 */
export function withLongTextInlined(query: string, params: Record<string, unknown>): { query: string; params: Record<string, unknown> } {
  let inlined = query
  const bound: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(params)) {
    const placeholder = `{${name}:String}`
    // split/join, not replaceAll: a replacement string would read `$&` in the value as a pattern
    if (typeof value === 'string' && value.length > LONGEST_BOUND_TEXT && inlined.includes(placeholder))
      inlined = inlined.split(placeholder).join(sqlString(value))
    else bound[name] = value
  }
  return { query: inlined, params: bound }
}

/**
 * Inserts `rows` (objects, one per row) into `table` (`database.table`) as JSONEachRow. A table
 * that deduplicates inserts (events, dead_letters) is given its `dedupToken`, empty when there is
 * none: chDB's one session would otherwise keep the token of an earlier insert (see insertEventRows).
 */
export async function insertRows(warehouse: Warehouse, table: string, rows: readonly object[], options: { dedupToken?: string } = {}): Promise<void> {
  const clickhouse_settings = options.dedupToken === undefined ? undefined : { insert_deduplication_token: options.dedupToken }
  await warehouse.client.insert({ table, values: rows, format: 'JSONEachRow', clickhouse_settings })
}
