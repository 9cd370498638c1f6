// Incremental models, as dbt's `materialized: incremental` with a `unique_key`: a model whose
// full computation grows with history is stored in a table and kept current by recomputing only
// the rows that new events touch, then replacing them. The definition stays one SELECT (the
// model's SQL); this module decides whether it runs over all events or over a filtered subset.
//
// Storage: `<model>__incremental`, a ReplacingMergeTree whose rows carry `_version` and
// `_deleted`; the model's name is a view over it with FINAL, so a reader sees each unique key
// once, at its latest version, and never a deleted one. The table is sorted by the model's
// `order_by` (tenant, then date, for conversation facts), so a read of one tenant and one date
// range touches only those granules. A row whose sort key changes (a late event moves a
// conversation's start) is written at its new key, and the old key gets a delete marker
// (see conversation-facts.ts, which decides what a batch touched).
import { createHash } from 'node:crypto'
import { queryRows, runStatement, type Warehouse } from '../../warehouse/client.ts'
import { sqlString } from '../../warehouse/sql-literals.ts'
import { compileSql, type Model, type Project } from './project.ts'

export const INCREMENTAL_SUFFIX = '__incremental'

export function incrementalTable(database: string, model: Model): string {
  return `${database}.${model.name}${INCREMENTAL_SUFFIX}`
}

/**
 * The model's SELECT with every upstream model inlined as a subquery, down to the sources, and
 * the sources and upstream models named in `overrides` replaced by the given SQL (a filtered
 * subquery of a source; a model's rows computed beforehand). Refs are inlined, not read from
 * their views, so that a filter on a source reaches the events read.
 */
export function compileInlined(project: Project, model: Pick<Model, 'sql'>, database: string, overrides: Record<string, string> = {}): string {
  const byName = new Map(project.models.map((m) => [m.name, m]))
  const compile = (current: Pick<Model, 'sql'>): string =>
    compileSql(
      current.sql,
      (ref) => overrides[ref] ?? `(\n${compile(byName.get(ref)!)}\n)`,
      (table) => overrides[table] ?? `${database}.${table}`,
    )
      .trim()
      .replace(/;\s*$/, '')
  return compile(model)
}

/** A stored incremental model: its table, its view, and the SQL that fills the table. */
export class IncrementalModel {
  readonly table: string

  constructor(
    readonly warehouse: Warehouse,
    readonly project: Project,
    readonly model: Model,
  ) {
    this.table = incrementalTable(warehouse.database, model)
  }

  get orderBy(): string[] {
    return this.model.doc.config.order_by ?? this.model.doc.config.unique_key ?? []
  }

  /** The model's SELECT over the sources and upstream models as given (overrides: see compileInlined). */
  select(overrides: Record<string, string> = {}): string {
    return compileInlined(this.project, this.model, this.warehouse.database, overrides)
  }

  /**
   * What the stored rows were computed from: the definition (SQL and table layout), and the
   * settings it reads that a restart may change (`rebuild_when_changed`: tenants' currencies,
   * inactivity gaps). Kept as the table's comment, `<definition> <settings>`.
   */
  async fingerprint(): Promise<{ definition: string; settings: string }> {
    const settings = []
    for (const sql of this.model.doc.config.rebuild_when_changed ?? []) {
      settings.push(await queryRows(this.warehouse, compileInlined(this.project, { sql }, this.warehouse.database)))
    }
    // the table's layout is part of the definition: a new sort key or index recreates the table
    const layout = JSON.stringify([this.orderBy, this.model.doc.config.lookup_columns ?? []])
    return { definition: shortHash(`${this.select()}\n${layout}`), settings: shortHash(JSON.stringify(settings)) }
  }

  /**
   * Creates the table (recreates it when the definition changed) and the view over it. Answers
   * whether the stored rows must be recomputed, and the fingerprint to record once they are.
   */
  async ensure(): Promise<{ rebuildNeeded: boolean; fingerprint: string }> {
    const { definition, settings } = await this.fingerprint()
    const [existing] = await queryRows<{ comment: string }>(
      this.warehouse,
      'SELECT comment FROM system.tables WHERE database = {db:String} AND name = {name:String}',
      { db: this.warehouse.database, name: `${this.model.name}${INCREMENTAL_SUFFIX}` },
    )
    const [storedDefinition, storedSettings] = (existing?.comment ?? '').split(' ')
    if (existing && storedDefinition !== definition) await runStatement(this.warehouse, `DROP TABLE ${this.table} SYNC`)
    const create = !existing || storedDefinition !== definition
    if (create) {
      await runStatement(
        this.warehouse,
        `CREATE TABLE IF NOT EXISTS ${this.table}
ENGINE = ReplacingMergeTree(_version, _deleted)
ORDER BY (${this.orderBy.join(', ')})
EMPTY AS SELECT *, toUInt64(0) AS _version, toUInt8(0) AS _deleted FROM (\n${this.select()}\n)`,
      )
      // Rows are looked up by these columns (a conversation, a customer) outside the sort key.
      for (const column of this.model.doc.config.lookup_columns ?? []) {
        await runStatement(this.warehouse, `ALTER TABLE ${this.table} ADD INDEX IF NOT EXISTS lookup_${column} ${column} TYPE bloom_filter GRANULARITY 1`)
      }
    }
    await runStatement(
      this.warehouse,
      `CREATE OR REPLACE VIEW ${this.warehouse.database}.${this.model.name} AS\nSELECT * EXCEPT (_version, _deleted) FROM ${this.table} FINAL`,
    )
    return { rebuildNeeded: create || storedSettings !== settings, fingerprint: `${definition} ${settings}` }
  }

  /** Records that the stored rows are those of `fingerprint` (after a complete rebuild). */
  async markBuilt(fingerprint: string): Promise<void> {
    await runStatement(this.warehouse, `ALTER TABLE ${this.table} MODIFY COMMENT ${sqlString(fingerprint)}`)
  }

  /**
   * Merges the stored rows into one part, keeping each key's newest version: after a bulk
   * recomputation the table holds a second version of every row it touched, which each read
   * with FINAL would otherwise merge until ClickHouse's background merges get to them (on 8.4M
   * events: 1.3 s, and a 30-day read back from 40 to 27 ms).
   */
  async compact(): Promise<void> {
    await runStatement(this.warehouse, `OPTIMIZE TABLE ${this.table} FINAL`)
  }

  /** A version newer than any taken before, from the database's clock (shared by every writer). */
  async newVersion(): Promise<string> {
    const [row] = await queryRows<{ v: string }>(this.warehouse, 'SELECT toString(toUnixTimestamp64Nano(now64(9))) AS v')
    return row!.v
  }

  /**
   * Stores the model's rows computed over the sources and upstream models as given (compileInlined),
   * at `version`. With `inOrder`, the rows are written sorted by the table's key: the parts they
   * make (one per ~1M rows) then overlap neither each other nor any part of other keys' rows.
   */
  async insertComputed(version: string, overrides: Record<string, string>, params: Record<string, unknown>, options = { inOrder: false }): Promise<void> {
    await runStatement(
      this.warehouse,
      `INSERT INTO ${this.table}
SELECT *, toUInt64({incremental_version:String}) AS _version, toUInt8(0) AS _deleted FROM (\n${this.select(overrides)}\n)${
        options.inOrder ? `\nORDER BY ${this.orderBy.join(', ')}` : ''
      }`,
      { ...params, incremental_version: version },
    )
  }
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16)
}
