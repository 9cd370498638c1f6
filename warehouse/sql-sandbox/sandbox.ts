// Read-only ad-hoc SQL for data teams, one tenant at a time.
//
// Each tenant gets a sandbox database (`<db>_sql_<tenant>`) holding one view per Pulso relation
// that has a tenant_id: `SELECT * FROM <db>.<relation> WHERE tenant_id = '<tenant>'` (or, for a
// parameterized view, a parameterized view that pins `tenant_id`). The statement then runs on
// a ClickHouse session whose current database is that sandbox and which is read-only with fixed
// limits (on embedded chDB: its own session, `SET readonly = 1` after the limits, so neither SET
// nor a SETTINGS clause can lift them; on a server: the same settings on every request).
// Before it runs, ClickHouse parses it (formatQuery, EXPLAIN AST) and resolves it
// (EXPLAIN QUERY TREE); statement-check.ts refuses anything that is not one SELECT over the
// sandbox views, allowed system tables and in-memory table functions.
//
// Statements take turns (statement-slots.ts): a few per tenant and in all run at once, each on a
// session of its own, and the rest wait or are refused. A statement whose client goes away is
// stopped with KILL QUERY, found by its session's log_comment, and its slot is freed once the
// engine has let go of it.
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import type { Readable } from 'node:stream'
import { finished } from 'node:stream/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { type ClickHouseClient, type ClickHouseSettings, createClient } from '@clickhouse/client'
import type { PulsoConfig, SqlLimits } from '../../config/config.ts'
import { openChdbConnection } from '../chdb-connection.ts'
import { JIT_OFF, queryRows, runStatement, type Warehouse } from '../client.ts'
import { sqlIdentifier as ident, sqlString as quote } from '../sql-literals.ts'
import { refusalsFromAst, refusalsFromQueryTree, SETTINGS_REFUSAL } from './statement-check.ts'
import { StatementSlots } from './statement-slots.ts'

export { StatementsBusyError } from './statement-slots.ts'

export const SQL_FORMATS = {
  json: { clickhouse: 'JSON', contentType: 'application/json; charset=utf-8' },
  ndjson: { clickhouse: 'JSONEachRow', contentType: 'application/x-ndjson; charset=utf-8' },
  csv: { clickhouse: 'CSVWithNames', contentType: 'text/csv; charset=utf-8' },
  parquet: { clickhouse: 'Parquet', contentType: 'application/vnd.apache.parquet' },
} as const
export type SqlFormat = keyof typeof SQL_FORMATS

/** Pulso's own check refused the statement; the message names what and why. */
export class SqlRefusedError extends Error {
  override name = 'SqlRefusedError'
  constructor(readonly reasons: string[]) {
    super(`statement refused: ${reasons.join('; ')}`)
  }
}

/** ClickHouse refused or failed the statement; the message is ClickHouse's own. */
export class SqlEngineError extends Error {
  override name = 'SqlEngineError'
}

/** The caller went away (its signal aborted): the statement was stopped or never started. */
export class SqlCancelledError extends Error {
  override name = 'SqlCancelledError'
  constructor() {
    super('the client went away; the statement was stopped')
  }
}

export type SandboxRelation = { name: string; params: { name: string; type: string }[] }

/**
 * A sandbox session: its own client, so its queries call it directly rather than through the
 * warehouse's helpers (tests/queries-through-helpers.test.ts lists why). Its `tag` is its log_comment, which every query it runs carries into
 * system.processes (KILL QUERY finds them by it); no other session ever has it. A session runs one
 * statement at a time.
 */
type Session = { client: ClickHouseClient; tag: string; failed?: boolean }
/** A tenant's sandbox database and its sessions not in use (one is opened per statement running at once). */
type TenantSandbox = { database: string; idle: Session[]; signature: string; relations: SandboxRelation[] }

/** How often a stopped statement is killed again while the engine has not let go of it (it may not have been registered yet). */
const KILL_AGAIN_MS = 500

const PARAM = /\{([A-Za-z_][A-Za-z0-9_]*):([^}]+)\}/g

/** The settings every sandboxed statement runs under. */
export function limitSettings(limits: SqlLimits): ClickHouseSettings {
  return {
    max_execution_time: limits.maxExecutionSeconds,
    max_memory_usage: String(limits.maxMemoryBytes),
    max_result_rows: String(limits.maxResultRows),
    max_result_bytes: String(limits.maxResultBytes),
    result_overflow_mode: 'throw',
    // Counts come out as JSON numbers, and timestamps as ISO 8601 in UTC with its Z, as in the rest of the API.
    output_format_json_quote_64bit_integers: 0,
    date_time_output_format: 'iso',
    // addressToSymbol, demangle and the like read the server's own memory (also refused by name)
    allow_introspection_functions: 0,
    // A statement's work uses this many of the engine's threads, so heavy SQL leaves CPU to the
    // dashboards, ingest and /healthz of every tenant.
    max_threads: limits.maxThreads,
    ...JIT_OFF,
  }
}

export function sandboxDatabase(database: string, tenantId: string): string {
  return `${database}_sql_${tenantId}`
}

export class SqlSandbox {
  #tenants = new Map<string, Promise<TenantSandbox>>()
  readonly #slots: StatementSlots
  #sessions = 0
  /** Embedded only: the session that sends KILL QUERY, so it never waits behind Pulso's own queries. */
  #killer?: Promise<ClickHouseClient>

  constructor(
    private readonly warehouse: Warehouse,
    private readonly config: Pick<PulsoConfig, 'dataDir' | 'clickhouse' | 'sqlLimits' | 'sqlConcurrency'>,
  ) {
    this.#slots = new StatementSlots(config.sqlConcurrency, config.sqlLimits.maxExecutionSeconds)
  }

  /**
   * Checks one statement and runs it for `tenantId` once it has a slot; resolves to the encoded
   * result. Throws StatementsBusyError when the tenant's line is full, and SqlCancelledError once
   * `signal` aborts (the client went away): a statement waiting is dropped, a running one killed.
   */
  async run(tenantId: string, sql: string, format: SqlFormat, signal?: AbortSignal): Promise<Readable> {
    let freeSlot: () => void
    try {
      freeSlot = await this.#slots.acquire(tenantId, signal)
    } catch (error) {
      throw signal?.aborted ? new SqlCancelledError() : error
    }
    let sandbox: TenantSandbox | undefined
    let session: Session | undefined
    const done = () => {
      if (session?.failed) session.client.close().catch(() => undefined)
      else if (sandbox && session) sandbox.idle.push(session)
      freeSlot()
    }
    try {
      const tenant = (sandbox = await this.#sandbox(tenantId))
      const own = (session = tenant.idle.pop() ?? (await this.#openSession(tenant.database, tenantId)))
      const statement = await this.#stopOnAbort(own, signal, () => this.#check(tenant, own, sql))
      const query = `${statement}\nFORMAT ${SQL_FORMATS[format].clickhouse}`
      const result = await this.#stopOnAbort(own, signal, () => this.#use(own, (client) => client.exec({ query })))
      // chDB hands over the whole result at once; a server's runs on while it streams out.
      if (!this.config.clickhouse) done()
      else
        void this.#stopOnAbort(own, signal, () => finished(result.stream))
          .catch(() => undefined)
          .finally(done)
      return result.stream
    } catch (error) {
      done()
      throw error
    }
  }

  /** The relations a tenant's statements can read. */
  async relations(tenantId: string): Promise<SandboxRelation[]> {
    return (await this.#sandbox(tenantId)).relations
  }

  /**
   * Runs `work` (queries on `session`); when `signal` aborts before it ends, kills the session's
   * queries until it has, then throws SqlCancelledError. chDB cannot drop a query it runs (its
   * own abort answers early and computes on), so the work is awaited to its end either way.
   */
  async #stopOnAbort<T>(session: Session, signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> {
    if (signal?.aborted) throw new SqlCancelledError()
    const running = work()
    const stop = () => void this.#killUntilEnded(session, running)
    signal?.addEventListener('abort', stop, { once: true })
    try {
      const value = await running
      if (signal?.aborted) throw new SqlCancelledError()
      return value
    } catch (error) {
      throw signal?.aborted ? new SqlCancelledError() : error
    } finally {
      signal?.removeEventListener('abort', stop)
    }
  }

  /** KILL QUERY for the session's queries, again every KILL_AGAIN_MS until `running` has ended. */
  async #killUntilEnded(session: Session, running: Promise<unknown>): Promise<void> {
    let ended = false
    const end = running.then(
      () => (ended = true),
      () => (ended = true),
    )
    while (!ended) {
      try {
        const killer = this.config.clickhouse ? this.warehouse.client : await (this.#killer ??= this.#openKiller())
        await killer.command({ query: `KILL QUERY WHERE Settings['log_comment'] = ${quote(session.tag)} ASYNC` })
      } catch {
        // the next round tries again; the statement ends at its time limit at the latest
      }
      await Promise.race([end, sleep(KILL_AGAIN_MS)])
    }
  }

  async #openKiller(): Promise<ClickHouseClient> {
    try {
      return createClient({ connection: await openChdbConnection(this.#chdbPath()) })
    } catch (error) {
      this.#killer = undefined
      throw error
    }
  }

  /** ClickHouse's normalized text of the statement, once every check has passed. */
  async #check(sandbox: TenantSandbox, session: Session, sql: string): Promise<string> {
    // formatQuery takes the text as a bound parameter: it is parsed, never executed, and a
    // second statement (`…; DROP TABLE …`) is a syntax error here rather than a second query.
    const [formatted] = await this.#rows<{ q: string }>(session, 'SELECT formatQuery({sql:String}) AS q', { sql })
    const statement = formatted!.q
    const databases = new Set((await this.#rows<{ name: string }>(session, 'SELECT name FROM system.databases')).map((r) => r.name))
    const ast = await this.#parseTree(session, statement)
    const parameterizedViews = new Set(sandbox.relations.filter((r) => r.params.length).map((r) => r.name))
    const astRefusals = refusalsFromAst(ast, { databases, parameterizedViews })
    if (astRefusals.length) throw new SqlRefusedError(astRefusals)
    // Only now does the analyzer run (it folds constants and resolves names).
    const tree = await this.#explain(session, `QUERY TREE ${statement}`)
    const treeRefusals = refusalsFromQueryTree(tree, sandbox.database)
    if (treeRefusals.length) throw new SqlRefusedError(treeRefusals)
    return statement
  }

  /**
   * The lines of `EXPLAIN AST` of the statement. A SETTINGS clause at the end of the statement
   * also applies to the EXPLAIN itself, which the read-only checker refuses before it parses
   * anything; that refusal is the clause's, and is answered as Pulso's own.
   */
  async #parseTree(session: Session, statement: string): Promise<string[]> {
    try {
      return await this.#explain(session, `AST ${statement}`)
    } catch (error) {
      if (error instanceof SqlEngineError && /\breadonly\b|READONLY/.test(error.message)) throw new SqlRefusedError([SETTINGS_REFUSAL])
      throw error
    }
  }

  async close(): Promise<void> {
    const sandboxes = await Promise.allSettled(this.#tenants.values())
    this.#tenants.clear()
    for (const s of sandboxes) if (s.status === 'fulfilled') await Promise.all(s.value.idle.map((session) => session.client.close()))
    const killer = this.#killer
    this.#killer = undefined
    await (await killer?.catch(() => undefined))?.close()
  }

  /** The lines of `EXPLAIN <kind>`. A FORMAT after an EXPLAIN binds to the explained statement,
   * so the output format travels as default_format instead (chDB: its format option). */
  async #explain(session: Session, kind: string): Promise<string[]> {
    const result = await this.#use(session, (client) => client.exec({ query: `EXPLAIN ${kind}`, clickhouse_settings: { default_format: 'JSONEachRow' } }))
    const chunks: Buffer[] = []
    for await (const chunk of result.stream) chunks.push(Buffer.from(chunk as Buffer))
    const text = Buffer.concat(chunks).toString('utf8')
    // chDB writes each line as a bare JSON string; a server as {"explain": "…"}.
    return text
      .split('\n')
      .filter((line) => line.trim())
      .map((line) => {
        const row = JSON.parse(line) as string | Record<string, string>
        return typeof row === 'string' ? row : String(Object.values(row)[0] ?? '')
      })
  }

  async #rows<T>(session: Session, query: string, params: Record<string, unknown> = {}): Promise<T[]> {
    const result = await this.#use(session, (client) => client.query({ query, query_params: params, format: 'JSONEachRow' }))
    return result.json<T>()
  }

  /** Runs `work` on a session; ClickHouse's refusal becomes a SqlEngineError with its message. */
  async #use<T>(session: Session, work: (client: ClickHouseClient) => Promise<T>): Promise<T> {
    try {
      return await work(session.client)
    } catch (error) {
      // chDB keeps what a failed query had already written (e.g. a JSON header) and hands it out
      // at the front of the session's next result, so a failed session is closed once its
      // statement is done (a statement ends at its first failure) and the next one opens anew.
      if (!this.config.clickhouse) session.failed = true
      throw new SqlEngineError((error as Error).message)
    }
  }

  /** The tenant's sandbox, rebuilt when Pulso's relations changed since it was made. */
  async #sandbox(tenantId: string): Promise<TenantSandbox> {
    const { relations, signature } = await this.#tenantRelations()
    const cached = this.#tenants.get(tenantId)
    if (cached) {
      const sandbox = await cached
      if (sandbox.signature === signature) return sandbox
      await this.#buildViews(sandbox.database, tenantId, relations)
      sandbox.signature = signature
      sandbox.relations = relations
      return sandbox
    }
    const pending = this.#open(tenantId, relations, signature)
    this.#tenants.set(tenantId, pending)
    pending.catch(() => this.#tenants.delete(tenantId))
    return pending
  }

  async #open(tenantId: string, relations: SandboxRelation[], signature: string): Promise<TenantSandbox> {
    const database = sandboxDatabase(this.warehouse.database, tenantId)
    await runStatement(this.warehouse, `CREATE DATABASE IF NOT EXISTS ${ident(database)}`)
    await this.#buildViews(database, tenantId, relations)
    return { database, idle: [], signature, relations }
  }

  /**
   * A session for one statement at a time: its check and its run. The check runs under the same
   * limits as the statement: resolving a statement (EXPLAIN QUERY TREE) evaluates its scalar
   * subqueries, and without limits one ran for 41.5 s against a 30 s limit and took the process
   * to 5.34 GB against 1 GiB.
   */
  async #openSession(database: string, tenantId: string): Promise<Session> {
    const tag = `pulso_sql:${tenantId}:${++this.#sessions}`
    const settings: ClickHouseSettings = { ...limitSettings(this.config.sqlLimits), log_comment: tag }
    // A server stops a read-only query whose HTTP connection closes (a result stopped mid-stream).
    if (this.config.clickhouse) settings.cancel_http_readonly_queries_on_client_close = 1
    return { client: await this.#session(database, settings), tag }
  }

  #chdbPath(): string {
    const chdbPath = path.join(this.config.dataDir, 'clickhouse')
    mkdirSync(chdbPath, { recursive: true })
    return chdbPath
  }

  /** Pulso relations with a tenant_id column (or parameter), and a fingerprint of their definitions. */
  async #tenantRelations(): Promise<{ relations: SandboxRelation[]; signature: string }> {
    const db = this.warehouse.database
    const rows = await queryRows<{ name: string; as_select: string; modified: string; has_tenant: number | boolean }>(
      this.warehouse,
      `SELECT t.name AS name, t.as_select AS as_select, toString(t.metadata_modification_time) AS modified,
                     t.name IN (SELECT table FROM system.columns WHERE database = {db:String} AND name = 'tenant_id') AS has_tenant
              FROM system.tables AS t WHERE t.database = {db:String} AND NOT t.is_temporary ORDER BY name`,
      { db },
    )
    const relations: SandboxRelation[] = []
    for (const row of rows) {
      const params = [...new Map([...row.as_select.matchAll(PARAM)].map((m) => [m[1]!, m[2]!.trim()])).entries()].map(([name, type]) => ({ name, type }))
      if (params.length ? params.some((p) => p.name === 'tenant_id') : Boolean(row.has_tenant)) relations.push({ name: row.name, params })
    }
    return { relations, signature: JSON.stringify(rows.map((r) => [r.name, r.modified])) }
  }

  async #buildViews(database: string, tenantId: string, relations: SandboxRelation[]): Promise<void> {
    const source = (name: string) => `${ident(this.warehouse.database)}.${ident(name)}`
    for (const relation of relations) {
      const body = relation.params.length
        ? `SELECT * FROM ${source(relation.name)}(${relation.params.map((p) => (p.name === 'tenant_id' ? `tenant_id = ${quote(tenantId)}` : `${p.name} = {${p.name}:${p.type}}`)).join(', ')})`
        : `SELECT * FROM ${source(relation.name)} WHERE tenant_id = ${quote(tenantId)}`
      await runStatement(this.warehouse, `CREATE OR REPLACE VIEW ${ident(database)}.${ident(relation.name)} AS ${body}`)
    }
    const wanted = new Set(relations.map((r) => r.name))
    const existing = await queryRows<{ name: string }>(this.warehouse, 'SELECT name FROM system.tables WHERE database = {db:String}', { db: database })
    for (const { name } of existing) {
      if (!wanted.has(name)) await runStatement(this.warehouse, `DROP VIEW IF EXISTS ${ident(database)}.${ident(name)}`)
    }
  }

  /** A read-only ClickHouse session whose current database is the sandbox. */
  async #session(database: string, settings: ClickHouseSettings): Promise<ClickHouseClient> {
    if (this.config.clickhouse) {
      // A server applies the URL's settings as one change checked against the user's current
      // profile, so readonly = 1 travels with the limits on every request.
      return createClient({
        url: this.config.clickhouse.url,
        username: this.config.clickhouse.username,
        password: this.config.clickhouse.password,
        database,
        clickhouse_settings: { ...settings, readonly: '1' },
        request_timeout: (this.config.sqlLimits.maxExecutionSeconds + 30) * 1000,
      })
    }
    // chDB keeps SET and USE per session, so each sandbox session is its own chDB session on
    // the process's one data folder: limits first, then readonly = 1 locks them.
    const client = createClient({ connection: await openChdbConnection(this.#chdbPath()) })
    const statements = [
      `USE ${ident(database)}`,
      ...Object.entries(settings).map(([k, v]) => `SET ${k} = ${/^\d+$/.test(String(v)) ? v : quote(String(v))}`),
      'SET readonly = 1',
    ]
    for (const query of statements) await client.command({ query })
    return client
  }
}
