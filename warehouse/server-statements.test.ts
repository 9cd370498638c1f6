// The server path (CLICKHOUSE_URL) runs the same statements as embedded chDB. There is no
// ClickHouse server here, so every statement Pulso sends to one — the migrations and the model
// builds — goes through ClickHouse's own parser (chDB's formatQuery), and migrate() is shown to
// send exactly those statements.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BUILTIN_MODELS_DIR, loadProject } from '../dbt-like-models/runner/project.ts'
import { createStatement } from '../dbt-like-models/runner/run.ts'
import { SEGMENTS } from '../definitions/kpis.ts'
import { openWarehouse, type Warehouse } from './client.ts'
import { allMigrationStatements, migrate } from './migrations.ts'
import { kpiSql } from './repositories/kpis.ts'

let warehouse: Warehouse
const dataDir = mkdtempSync(path.join(tmpdir(), 'pulso-parse-'))

beforeAll(async () => {
  warehouse = await openWarehouse({ dataDir, database: 'pulso_parse' })
})
afterAll(async () => {
  await warehouse?.close()
  rmSync(dataDir, { recursive: true, force: true })
})

/** ClickHouse's parser, run on a statement without executing it. Throws with the parser's message. */
async function parse(statement: string): Promise<string> {
  const result = await warehouse.client.query({
    query: 'SELECT formatQuery({statement:String}) AS formatted',
    query_params: { statement },
    format: 'JSONEachRow',
  })
  return (await result.json<{ formatted: string }>())[0]!.formatted
}

const serverDatabase = 'pulso'

describe("every statement sent to a ClickHouse server passes ClickHouse's parser", () => {
  it('the parser check can fail: a broken statement is refused', async () => {
    await expect(parse('CREATE TABLE pulso.x (a UInt8) ENGINE = MergeTree ORDER BY')).rejects.toThrow(/Syntax error/)
  })

  it.each(allMigrationStatements(serverDatabase).map((s, i) => [i, s.split('\n')[0]!.slice(0, 90), s] as const))(
    'migration statement %i: %s',
    async (_i, _head, statement) => {
      expect(await parse(statement)).toMatch(/^(CREATE|ALTER|INSERT|DROP|RENAME|SYSTEM|OPTIMIZE|TRUNCATE|EXCHANGE)/)
    },
  )

  const project = loadProject([BUILTIN_MODELS_DIR])
  it.each(project.models.map((m) => [m.name, m] as const))('model %s', async (_name, model) => {
    expect(await parse(createStatement(model, serverDatabase))).toMatch(/^CREATE OR REPLACE (VIEW|TABLE)/)
  })

  it.each(['', ...SEGMENTS].map((by) => [by || 'none'] as const))('KPI query by %s', async (by) => {
    expect(await parse(kpiSql(serverDatabase, by === 'none' ? undefined : (by as (typeof SEGMENTS)[number])))).toMatch(/^SELECT/)
  })

  it('the sharded cluster DDL (pulso cluster ddl) passes the parser', async () => {
    const { clusterStatements, describeStoredTables } = await import('./cluster-ddl.ts')
    const { IncrementalModel } = await import('../dbt-like-models/runner/incremental.ts')
    // the columns come from a migrated database with the stored facts' table (not the one the last test migrates)
    const migrated: Warehouse = { ...warehouse, database: 'pulso_cluster_check' }
    await migrate(migrated)
    const facts = new IncrementalModel(migrated, project, project.models.find((m) => m.name === 'fct_conversations')!)
    await facts.ensure()
    const tables = await describeStoredTables(migrated, facts.orderBy)
    expect(tables.events.length).toBeGreaterThan(30)
    expect(tables.facts.map((c) => c.name)).toEqual(expect.arrayContaining(['started_at', 'first_contact_resolved', '_version', '_deleted']))
    const statements = clusterStatements(serverDatabase, 'pulso_cluster', tables)
    for (const statement of statements) expect(await parse(statement)).toMatch(/^CREATE/)
    expect(statements.join('\n')).toMatch(/ENGINE = Distributed\(pulso_cluster, pulso, events_local, cityHash64/)
  })

  it('migrate() sends exactly these statements (and creates the database first)', async () => {
    const sent: string[] = []
    const recording: Warehouse = {
      ...warehouse,
      client: new Proxy(warehouse.client, {
        get(target, property, receiver) {
          if (property === 'command')
            return (params: { query: string }) => {
              sent.push(params.query)
              return target.command(params)
            }
          const value = Reflect.get(target, property, receiver)
          return typeof value === 'function' ? value.bind(target) : value
        },
      }),
    }
    await migrate(recording)
    expect(sent).toEqual([`CREATE DATABASE IF NOT EXISTS ${warehouse.database}`, ...allMigrationStatements(warehouse.database)])
  })
})
