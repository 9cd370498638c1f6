// Reads a models folder laid out like a dbt project: SQL files with a YAML beside each,
// in staging/, intermediate/ and marts/ (any depth), referencing each other with {{ ref('name') }}.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'

export const BUILTIN_MODELS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

const testArgs = z.record(z.string(), z.unknown())
/** A data test: a name (`not_null`) or a one-key object (`accepted_values: { values: [...] }`). */
const dataTestSchema = z.union([z.string(), z.record(z.string(), testArgs).refine((o) => Object.keys(o).length === 1, 'one test per entry')])

const columnSchema = z.object({
  name: z.string(),
  description: z.string().default(''),
  data_type: z.string().optional(),
  data_tests: z.array(dataTestSchema).default([]),
})

const modelDocSchema = z.object({
  name: z.string(),
  description: z.string().default(''),
  config: z
    .object({
      materialized: z.enum(['view', 'table', 'incremental']).default('view'),
      /** Incremental: the columns that identify a row (a newer computation replaces it). */
      unique_key: z.array(z.string()).optional(),
      /** Incremental: the stored table's sort key (the columns reads filter on first). */
      order_by: z.array(z.string()).optional(),
      /** Incremental: columns rows are looked up by outside the sort key (bloom filter indexes). */
      lookup_columns: z.array(z.string()).optional(),
      /** Incremental: queries over settings the rows depend on; when their answer changes, the rows are recomputed. */
      rebuild_when_changed: z.array(z.string()).optional(),
      /** Parameter values used when data tests read a parameterized view. */
      test_params: z.record(z.string(), z.unknown()).optional(),
    })
    .default({ materialized: 'view' }),
  params: z.array(z.object({ name: z.string(), type: z.string(), description: z.string().default('') })).default([]),
  columns: z.array(columnSchema).default([]),
  data_tests: z.array(dataTestSchema).default([]),
})

const unitTestSchema = z.object({
  name: z.string(),
  model: z.string(),
  description: z.string().default(''),
  params: z.record(z.string(), z.unknown()).optional(),
  given: z.array(z.object({ input: z.string(), rows: z.array(z.record(z.string(), z.unknown())).default([]) })),
  expect: z.object({ rows: z.array(z.record(z.string(), z.unknown())) }),
})

const yamlFileSchema = z.object({
  version: z.number().optional(),
  models: z.array(modelDocSchema).default([]),
  sources: z
    .array(
      z.object({ name: z.string(), description: z.string().default(''), tables: z.array(z.object({ name: z.string(), description: z.string().default('') })) }),
    )
    .default([]),
  unit_tests: z.array(unitTestSchema).default([]),
})

export type DataTest = z.infer<typeof dataTestSchema>
export type ModelDoc = z.infer<typeof modelDocSchema>
export type UnitTest = z.infer<typeof unitTestSchema>

export type Model = {
  name: string
  layer: string
  sqlPath: string
  sql: string
  refs: string[]
  sources: string[]
  /** Names of {param:Type} placeholders: a model with any is a parameterized view. */
  params: string[]
  doc: ModelDoc
}

export type Project = { models: Model[]; unitTests: UnitTest[]; sources: { name: string; table: string; description: string }[] }

export class ModelProjectError extends Error {
  override name = 'ModelProjectError'
}

const REF = /\{\{\s*ref\(\s*['"]([A-Za-z0-9_]+)['"]\s*\)\s*\}\}/g
const SOURCE = /\{\{\s*source\(\s*['"]([A-Za-z0-9_]+)['"]\s*,\s*['"]([A-Za-z0-9_]+)['"]\s*\)\s*\}\}/g
const PARAM = /\{([A-Za-z_][A-Za-z0-9_]*):[^}]+\}/g
const NAME = /^(stg|int|fct|dim)_[a-z0-9_]+$/

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry)
    if (entry === 'node_modules' || entry === 'runner') return []
    return statSync(full).isDirectory() ? listFiles(full) : [full]
  })
}

function readYaml(file: string): z.infer<typeof yamlFileSchema> {
  const parsed = yamlFileSchema.safeParse(parseYaml(readFileSync(file, 'utf8')) ?? {})
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new ModelProjectError(`${file}: ${issue?.path.join('.')}: ${issue?.message}`)
  }
  return parsed.data
}

/** Loads one or more model folders into one project; a later folder may not redefine a model. */
export function loadProject(dirs: string[]): Project {
  const models = new Map<string, Model>()
  const unitTests: UnitTest[] = []
  const sources: Project['sources'] = []
  for (const dir of dirs) {
    if (!existsSync(dir)) throw new ModelProjectError(`models folder ${dir} does not exist`)
    const files = listFiles(dir)
    const docs = new Map<string, ModelDoc>()
    for (const file of files.filter((f) => /\.ya?ml$/.test(f))) {
      const yaml = readYaml(file)
      for (const doc of yaml.models) docs.set(doc.name, doc)
      unitTests.push(...yaml.unit_tests)
      for (const source of yaml.sources)
        for (const table of source.tables) sources.push({ name: source.name, table: table.name, description: table.description })
    }
    for (const sqlPath of files.filter((f) => f.endsWith('.sql'))) {
      const name = path.basename(sqlPath, '.sql')
      if (!NAME.test(name)) throw new ModelProjectError(`${sqlPath}: model names start with stg_, int_, fct_ or dim_ (lower case)`)
      if (models.has(name)) throw new ModelProjectError(`${sqlPath}: a model named ${name} is already defined in ${models.get(name)!.sqlPath}`)
      const doc = docs.get(name)
      if (!doc) throw new ModelProjectError(`${sqlPath}: no YAML documents model ${name}; add one beside it`)
      const sql = readFileSync(sqlPath, 'utf8')
      models.set(name, {
        name,
        layer: path.basename(path.dirname(sqlPath)),
        sqlPath,
        sql,
        refs: [...new Set([...sql.matchAll(REF)].map((m) => m[1]!))],
        sources: [...new Set([...sql.matchAll(SOURCE)].map((m) => m[2]!))],
        params: [...new Set([...sql.replace(REF, '').replace(SOURCE, '').matchAll(PARAM)].map((m) => m[1]!))],
        doc,
      })
    }
  }
  for (const model of models.values()) {
    for (const ref of model.refs) if (!models.has(ref)) throw new ModelProjectError(`${model.sqlPath}: ref('${ref}') names no model`)
  }
  for (const test of unitTests) if (!models.has(test.model)) throw new ModelProjectError(`unit test ${test.name}: model ${test.model} does not exist`)
  return { models: sortByDependencies([...models.values()]), unitTests, sources }
}

/** Models in an order where each comes after everything it references. */
export function sortByDependencies(models: Model[]): Model[] {
  const byName = new Map(models.map((m) => [m.name, m]))
  const sorted: Model[] = []
  const state = new Map<string, 'visiting' | 'done'>()
  const visit = (model: Model, chain: string[]) => {
    if (state.get(model.name) === 'done') return
    if (state.get(model.name) === 'visiting') throw new ModelProjectError(`models reference each other in a cycle: ${[...chain, model.name].join(' → ')}`)
    state.set(model.name, 'visiting')
    for (const ref of model.refs) visit(byName.get(ref)!, [...chain, model.name])
    state.set(model.name, 'done')
    sorted.push(model)
  }
  for (const model of [...models].sort((a, b) => a.name.localeCompare(b.name))) visit(model, [])
  return sorted
}

/**
 * The SQL with the argument list after each `{{ ref('…') }}` removed (of the refs in `only`, when
 * given): a model reads a parameterized view as `{{ ref('view') }}(name = {name:Type}, …)`, and a
 * unit test gives that input as a plain table of rows instead.
 */
export function withoutRefArguments(sql: string, only?: Set<string>): string {
  return sql.replace(new RegExp(`(${REF.source})\\s*\\([^()]*\\)`, 'g'), (call, ref: string, name: string) => (only && !only.has(name) ? call : ref))
}

/** Replaces ref() and source() with fully qualified table names. */
export function compileSql(sql: string, resolveRef: (name: string) => string, resolveSource: (table: string) => string): string {
  return sql.replace(REF, (_, name: string) => resolveRef(name)).replace(SOURCE, (_, _source: string, table: string) => resolveSource(table))
}
