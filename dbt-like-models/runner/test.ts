// Runs the data tests (not_null, unique, accepted_values, relationships) on the built models,
// and the unit tests (given input rows → expected output rows) in a scratch database.
import { randomBytes } from 'node:crypto'
import { insertRows, queryRows, runStatement, type Warehouse } from '../../warehouse/client.ts'
import { sqlString, sqlValue } from '../../warehouse/sql-literals.ts'
import { type DataTest, type Model, type Project, type UnitTest, withoutRefArguments } from './project.ts'
import { createStatement } from './run.ts'

export type TestResult = { name: string; kind: 'data' | 'unit'; model: string; passed: boolean; severity: 'error' | 'warn'; detail?: string }

function paramList(params: Record<string, unknown> | undefined): string {
  return Object.entries(params ?? {})
    .map(([name, value]) => `${name} = ${sqlValue(value)}`)
    .join(', ')
}

/** How a model is read in a query: its name, or a call with parameters for a parameterized view. */
function relation(database: string, model: Model, params?: Record<string, unknown>): string {
  return model.params.length ? `${database}.${model.name}(${paramList(params)})` : `${database}.${model.name}`
}

type CompiledDataTest = { name: string; sql: string; severity: 'error' | 'warn' }

/** The SQL of a data test: it selects the failing rows' count. */
function compileDataTest(test: DataTest, column: string | undefined, from: string, database: string): CompiledDataTest {
  const [kind, args] = typeof test === 'string' ? [test, {} as Record<string, unknown>] : Object.entries(test)[0]!
  const argsObject = ((args as Record<string, unknown>).arguments ?? args) as Record<string, unknown>
  const config = ((args as Record<string, unknown>).config ?? {}) as { severity?: string }
  const severity = config.severity === 'warn' ? 'warn' : 'error'
  const col = column ?? ''
  switch (kind) {
    case 'not_null':
      return { name: `not_null_${col}`, severity, sql: `SELECT count() AS failures FROM ${from} WHERE ${col} IS NULL` }
    case 'unique':
      return { name: `unique_${col}`, severity, sql: `SELECT count() AS failures FROM (SELECT ${col} FROM ${from} GROUP BY ${col} HAVING count() > 1)` }
    case 'accepted_values': {
      const values = (argsObject.values as unknown[]).map((v) => sqlString(String(v))).join(', ')
      return {
        name: `accepted_values_${col}`,
        severity,
        sql: `SELECT count() AS failures FROM ${from} WHERE ${col} IS NOT NULL AND toString(${col}) NOT IN (${values})`,
      }
    }
    case 'relationships': {
      const to = String(argsObject.to).replace(/^ref\(\s*['"]([A-Za-z0-9_]+)['"]\s*\)$/, `${database}.$1`)
      const field = String(argsObject.field)
      return {
        name: `relationships_${col}`,
        severity,
        sql: `SELECT count() AS failures FROM ${from} WHERE ${col} IS NOT NULL AND ${col} NOT IN (SELECT ${field} FROM ${to})`,
      }
    }
    case 'unique_combination': {
      const cols = (argsObject.columns as string[]).join(', ')
      return {
        name: `unique_combination_${(argsObject.columns as string[]).join('_')}`,
        severity,
        sql: `SELECT count() AS failures FROM (SELECT ${cols} FROM ${from} GROUP BY ${cols} HAVING count() > 1)`,
      }
    }
    default:
      throw new Error(`unknown data test '${kind}' (known: not_null, unique, accepted_values, relationships, unique_combination)`)
  }
}

export async function runDataTests(warehouse: Warehouse, project: Project): Promise<TestResult[]> {
  const results: TestResult[] = []
  for (const model of project.models) {
    if (model.params.length && !model.doc.config.test_params) continue
    const from = relation(warehouse.database, model, model.doc.config.test_params)
    const tests = [
      ...model.doc.columns.flatMap((column) => column.data_tests.map((test) => ({ test, column: column.name }))),
      ...model.doc.data_tests.map((test) => ({ test, column: undefined })),
    ]
    for (const { test, column } of tests) {
      const compiled = compileDataTest(test, column, from, warehouse.database)
      const name = `${model.name}.${compiled.name}`
      try {
        const [row] = await queryRows<{ failures: number }>(warehouse, compiled.sql)
        const failures = Number(row?.failures ?? 0)
        results.push({
          name,
          kind: 'data',
          model: model.name,
          severity: compiled.severity,
          passed: failures === 0,
          detail: failures ? `${failures} failing rows` : undefined,
        })
      } catch (error) {
        results.push({ name, kind: 'data', model: model.name, severity: compiled.severity, passed: false, detail: (error as Error).message })
      }
    }
  }
  return results
}

/** Equal as a data team would read it: numbers within 1e-9 relative, everything else exactly. */
function sameValue(expected: unknown, actual: unknown): boolean {
  if (expected === null || expected === undefined) return actual === null || actual === undefined
  if (typeof expected === 'number') {
    const n = typeof actual === 'string' ? Number(actual) : actual
    return typeof n === 'number' && Math.abs(n - expected) <= 1e-9 * Math.max(1, Math.abs(expected))
  }
  if (typeof expected === 'boolean') return actual === expected || actual === (expected ? 1 : 0)
  return String(expected) === String(actual)
}

function matchRows(expected: Record<string, unknown>[], actual: Record<string, unknown>[]): string | undefined {
  if (expected.length !== actual.length) return `expected ${expected.length} rows, got ${actual.length}: ${JSON.stringify(actual)}`
  const remaining = [...actual]
  for (const row of expected) {
    const at = remaining.findIndex((candidate) => Object.entries(row).every(([key, value]) => sameValue(value, candidate[key])))
    if (at === -1) return `no row matches ${JSON.stringify(row)}; got ${JSON.stringify(actual)}`
    remaining.splice(at, 1)
  }
  return undefined
}

const INPUT = /^(?:ref\(\s*['"]([A-Za-z0-9_]+)['"]\s*\)|source\(\s*['"][A-Za-z0-9_]+['"]\s*,\s*['"]([A-Za-z0-9_]+)['"]\s*\))$/

/** Whether the given inputs reach `model` through its refs and sources (so it is built, not emptied). */
function fedByGiven(project: Project, name: string, given: Map<string, unknown>): boolean {
  if (given.has(name)) return true
  const model = project.models.find((m) => m.name === name)
  return !!model && [...model.refs, ...model.sources].some((input) => fedByGiven(project, input, given))
}

/**
 * Builds `model` in the scratch database over its inputs: a given input becomes an in-memory
 * table of its rows; a model the given inputs feed is built the same way, in turn (a mart reading
 * a shared intermediate model is tested from the rows its test gives further down); any other
 * input is an empty table of the real structure.
 */
async function buildInScratch(
  warehouse: Warehouse,
  project: Project,
  model: Model,
  scratch: string,
  given: Map<string, Record<string, unknown>[]>,
  built: Set<string>,
): Promise<void> {
  const tables = new Set<string>()
  for (const input of [...model.refs, ...model.sources]) {
    if (built.has(input)) continue
    built.add(input)
    const real = project.models.find((m) => m.name === input)
    if (real && !given.has(input) && fedByGiven(project, input, given)) {
      await buildInScratch(warehouse, project, real, scratch, given, built)
      continue
    }
    tables.add(input)
    const from = real ? relation(warehouse.database, real, real.doc.config.test_params) : `${warehouse.database}.${input}`
    await runStatement(warehouse, `CREATE TABLE ${scratch}.${input} ENGINE = Memory EMPTY AS SELECT * FROM ${from}`)
    const rows = given.get(input) ?? []
    if (rows.length) await insertRows(warehouse, `${scratch}.${input}`, rows)
  }
  // a parameterized model read as a table (given rows) takes no arguments; one built here keeps them
  await runStatement(warehouse, createStatement({ ...model, sql: withoutRefArguments(model.sql, tables) }, scratch))
}

async function runUnitTest(warehouse: Warehouse, project: Project, test: UnitTest): Promise<TestResult> {
  const model = project.models.find((m) => m.name === test.model)!
  const scratch = `${warehouse.database}_unit_${randomBytes(4).toString('hex')}`
  const result = (passed: boolean, detail?: string): TestResult => ({
    name: `${test.model}.${test.name}`,
    kind: 'unit',
    model: test.model,
    severity: 'error',
    passed,
    detail,
  })
  try {
    await runStatement(warehouse, `CREATE DATABASE ${scratch}`)
    const givenByName = new Map<string, Record<string, unknown>[]>()
    for (const given of test.given) {
      const match = INPUT.exec(given.input.trim())
      if (!match) return result(false, `given input '${given.input}' is not ref('name') or source('name', 'table')`)
      givenByName.set((match[1] ?? match[2])!, given.rows)
    }
    await buildInScratch(warehouse, project, model, scratch, givenByName, new Set())
    const columns = [...new Set(test.expect.rows.flatMap((row) => Object.keys(row)))]
    const select = columns.length ? columns.join(', ') : '*'
    const from = model.params.length ? `${scratch}.${model.name}(${paramList(test.params)})` : `${scratch}.${model.name}`
    const actual = await queryRows<Record<string, unknown>>(warehouse, `SELECT ${select} FROM ${from}`)
    const mismatch = matchRows(test.expect.rows, actual)
    return result(mismatch === undefined, mismatch)
  } catch (error) {
    return result(false, (error as Error).message)
  } finally {
    await runStatement(warehouse, `DROP DATABASE IF EXISTS ${scratch}`).catch(() => undefined)
  }
}

export async function runUnitTests(warehouse: Warehouse, project: Project): Promise<TestResult[]> {
  const results: TestResult[] = []
  for (const test of project.unitTests) results.push(await runUnitTest(warehouse, project, test))
  return results
}

export async function runAllTests(warehouse: Warehouse, project: Project): Promise<TestResult[]> {
  return [...(await runDataTests(warehouse, project)), ...(await runUnitTests(warehouse, project))]
}
