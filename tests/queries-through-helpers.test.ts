// Every query of Pulso goes through the helpers of warehouse/client.ts (queryRows, runStatement,
// insertRows), so what all queries share (logging, a tenant check, golden SQL) has one place.
// This fails when a file outside that module calls @clickhouse/client itself.
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const SKIPPED = new Set(['node_modules', '.cache', '.scratch', '.git', 'dist', 'data', 'test-artifacts'])
/** Test code may set up and break its engine directly (detach a table, add a constraint). */
const TEST_CODE = /\.test\.ts$|\.test-oracle\.ts$|\/testing\.ts$|^tests\/|^dashboard\/tests\//

/** The module of the helpers. */
const HELPERS = 'warehouse/client.ts'

/** Files that call the client themselves: how many calls, and why no helper fits. */
const DIRECT_CALLS: Record<string, { calls: number; why: string }> = {
  'warehouse/repositories/events.ts': {
    calls: 2,
    why: 'the one writer of event rows: encoded TabSeparated bytes (from a file on embedded chDB) with their dedup token',
  },
  'warehouse/sql-sandbox/sandbox.ts': {
    calls: 5,
    why: "tenants' SQL runs on read-only sessions of its own (their limits, output formats, KILL QUERY by log_comment), not on the warehouse's client",
  },
}

/** PostgreSQL's client (pg), which bench:scale compares Pulso against: not ClickHouse. */
const POSTGRES = new Set(['scripts/bench-scale.ts', 'scripts/bench-scale/postgres.ts'])

/**
 * A call of @clickhouse/client: every method takes one object of parameters (`.query({`), or
 * is called on a variable named client.
 */
const CLIENT_CALL = /\.(query|command|insert|exec)\(\s*\{|\bclient\??\.(query|command|insert|exec)\(/g

function sourceFiles(dir = ROOT): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory()) return SKIPPED.has(entry.name) ? [] : sourceFiles(path.join(dir, entry.name))
    return entry.name.endsWith('.ts') ? [path.relative(ROOT, path.join(dir, entry.name))] : []
  })
}

function directCalls(): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const file of sourceFiles()) {
    if (file === HELPERS || POSTGRES.has(file) || TEST_CODE.test(file)) continue
    const calls = readFileSync(path.join(ROOT, file), 'utf8').match(CLIENT_CALL)?.length ?? 0
    if (calls) counts[file] = calls
  }
  return counts
}

describe('queries', () => {
  it(`go through the helpers of ${HELPERS}, except in the files listed with a reason`, () => {
    const listed = Object.fromEntries(Object.entries(DIRECT_CALLS).map(([file, { calls }]) => [file, calls]))
    expect(directCalls()).toEqual(listed)
  })

  it('are found by the pattern, in every style the client is called', () => {
    const found = (source: string) => source.match(CLIENT_CALL)?.length ?? 0
    expect(found('await warehouse.client.query({ query, format })')).toBe(1)
    expect(found('await client.command({ query: `DROP TABLE t` })')).toBe(1)
    expect(found('await this.warehouse.client.insert(\n  { table, values },\n)')).toBe(1)
    expect(found('await client.exec(params)')).toBe(1)
    expect(found("await queryRows(warehouse, 'SELECT 1')")).toBe(0)
    expect(found("c.req.query('from')")).toBe(0)
  })
})
