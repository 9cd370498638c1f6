// Each layer of the statement check on its own, fed with ClickHouse's real EXPLAIN output, so
// the resolved-tree check is proven even for what the parse-tree check would catch first.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openWarehouse, type Warehouse } from '../client.ts'
import { refusalsFromAst, refusalsFromQueryTree } from './statement-check.ts'

let warehouse: Warehouse
const dataDir = mkdtempSync(path.join(tmpdir(), 'pulso-check-'))
const context = { databases: new Set(['px', 'px_sql_a', 'system', 'default']), parameterizedViews: new Set(['k']) }

async function explain(kind: 'AST' | 'QUERY TREE', statement: string): Promise<string[]> {
  const result = await warehouse.client.exec({ query: `EXPLAIN ${kind} ${statement}`, clickhouse_settings: { default_format: 'JSONEachRow' } })
  let text = ''
  for await (const chunk of result.stream) text += String(chunk)
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const row = JSON.parse(line) as string | Record<string, string>
      return typeof row === 'string' ? row : String(Object.values(row)[0])
    })
}

beforeAll(async () => {
  warehouse = await openWarehouse({ dataDir, database: 'px' })
  for (const query of [
    'CREATE DATABASE IF NOT EXISTS px',
    'CREATE DATABASE IF NOT EXISTS px_sql_a',
    'CREATE TABLE IF NOT EXISTS px.t (tenant_id String, v Int32) ENGINE = MergeTree ORDER BY tuple()',
    "CREATE OR REPLACE VIEW px_sql_a.t AS SELECT * FROM px.t WHERE tenant_id = 'a'",
  ])
    await warehouse.client.command({ query })
})

afterAll(async () => {
  await warehouse?.close()
  rmSync(dataDir, { recursive: true, force: true })
})

describe('the resolved-tree check (EXPLAIN QUERY TREE)', () => {
  it('accepts the sandbox views, allowed system tables and in-memory table functions', async () => {
    const tree = await explain('QUERY TREE', 'SELECT v FROM px_sql_a.t JOIN system.one ON 1 = 1 UNION ALL SELECT toInt32(number) FROM numbers(3)')
    expect(refusalsFromQueryTree(tree, 'px_sql_a')).toEqual([])
  })

  it('refuses a table outside the sandbox however it was named: directly, through a CTE, or in IN', async () => {
    expect(refusalsFromQueryTree(await explain('QUERY TREE', 'SELECT * FROM px.t'), 'px_sql_a')).toEqual(["px.t is outside your tenant's relations"])
    expect(refusalsFromQueryTree(await explain('QUERY TREE', 'WITH c AS (SELECT * FROM px.t) SELECT count() FROM c'), 'px_sql_a')).toEqual([
      "px.t is outside your tenant's relations",
    ])
    expect(refusalsFromQueryTree(await explain('QUERY TREE', 'SELECT count() FROM px_sql_a.t WHERE v IN px.t'), 'px_sql_a')).toEqual([
      "px.t is outside your tenant's relations",
    ])
    expect(refusalsFromQueryTree(await explain('QUERY TREE', 'SELECT name FROM system.databases'), 'px_sql_a')).toEqual([
      "system.databases is outside your tenant's relations",
    ])
  })

  it("refuses introspection functions, which read the server's own memory", async () => {
    const tree = await explain('QUERY TREE', "SELECT demangle('_Z1fv'), addressToSymbol(toUInt64(0))")
    expect(refusalsFromQueryTree(tree, 'px_sql_a')).toEqual([
      "function demangle() is not allowed: it reads the server's own memory",
      "function addressToSymbol() is not allowed: it reads the server's own memory",
    ])
  })

  it('refuses table functions outside the allowlist', async () => {
    const tree = await explain('QUERY TREE', "SELECT * FROM generateRandom('a Int8') LIMIT 1")
    expect(refusalsFromQueryTree(tree, 'px_sql_a')).toEqual(['table function generateRandom() is not allowed'])
  })
})

describe('the parse-tree check (EXPLAIN AST)', () => {
  it('accepts a plain SELECT with CTEs, joins and aliases', async () => {
    const ast = await explain('AST', 'WITH c AS (SELECT * FROM t) SELECT c.v FROM c JOIN t AS x ON c.v = x.v WHERE x.v IN (SELECT v FROM t)')
    expect(refusalsFromAst(ast, context)).toEqual([])
  })

  it('names every reason in one answer', async () => {
    const ast = await explain(
      'AST',
      "SELECT file('x'), a.v FROM t AS a JOIN px.t ON 1 JOIN url('http://x', CSV) ON 1 WHERE v IN px.t AND v IN (SELECT 1 SETTINGS max_threads = 1)",
    )
    expect(refusalsFromAst(ast, context)).toEqual([
      "function file() is not allowed: it reads outside your tenant's relations",
      "px.t: read relations by their bare name (t, not px.t); only your tenant's relations are visible",
      expect.stringMatching(/^table function url\(\) is not allowed/),
      'px.t names the database px: read relations by their bare name (fct_conversations, not px.fct_conversations)',
      'a SETTINGS clause is not allowed: settings and limits are fixed by Pulso',
    ])
  })

  it('refuses introspection functions in the parse tree too', async () => {
    expect(refusalsFromAst(await explain('AST', 'SELECT addressToLine(toUInt64(0)), DEMANGLE(x) FROM t'), context)).toEqual([
      "function addressToLine() is not allowed: it reads the server's own memory",
      "function DEMANGLE() is not allowed: it reads the server's own memory",
    ])
  })

  it('lets a parameterized view be called like a table function', async () => {
    expect(refusalsFromAst(await explain('AST', "SELECT * FROM k(g = 'y')"), context)).toEqual([])
  })

  it('refuses anything but one SELECT', async () => {
    expect(refusalsFromAst(await explain('AST', "INSERT INTO t VALUES ('a', 1)"), context)).toEqual([
      'only a SELECT statement is allowed; this statement is Insert',
    ])
  })
})
