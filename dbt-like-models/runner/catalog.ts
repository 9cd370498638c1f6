// The model catalog: what each model is (from its YAML), the columns' types (from DESCRIBE on
// the built relation), its tests and its lineage. GET /v1/models and `pulso models docs` both
// render this one object, so the API and the static site never disagree.
import path from 'node:path'
import type { Catalog, CatalogModel, CatalogTest } from '../../definitions/api.ts'
import { queryRows, type Warehouse } from '../../warehouse/client.ts'
import { sqlValue } from '../../warehouse/sql-literals.ts'
import { BUILTIN_MODELS_DIR, type DataTest, type Model, type Project } from './project.ts'

function testName(test: DataTest): string {
  return typeof test === 'string' ? test : Object.keys(test)[0]!
}

/** The relation DESCRIBE can read: a parameterized view needs its test parameters. */
function describable(database: string, model: Model): string | undefined {
  if (!model.params.length) return `TABLE ${database}.${model.name}`
  const params = model.doc.config.test_params
  if (!params) return undefined
  return `(SELECT * FROM ${database}.${model.name}(${Object.entries(params)
    .map(([k, v]) => `${k} = ${sqlValue(v)}`)
    .join(', ')}))`
}

async function describe(warehouse: Warehouse, model: Model): Promise<{ types: Map<string, string>; error?: string }> {
  const relation = describable(warehouse.database, model)
  if (!relation) return { types: new Map(), error: 'a parameterized view without config.test_params cannot be described' }
  try {
    const rows = await queryRows<{ name: string; type: string }>(warehouse, `DESCRIBE ${relation}`)
    return { types: new Map(rows.map((r) => [r.name, r.type])) }
  } catch (error) {
    return { types: new Map(), error: (error as Error).message }
  }
}

export async function buildCatalog(project: Project, warehouse: Warehouse): Promise<Catalog> {
  const referencedBy = new Map<string, string[]>()
  for (const model of project.models) {
    for (const ref of [...model.refs, ...model.sources]) referencedBy.set(ref, [...(referencedBy.get(ref) ?? []), model.name])
  }
  const models: CatalogModel[] = []
  for (const model of project.models) {
    const { types, error } = await describe(warehouse, model)
    const documented = new Map(model.doc.columns.map((c) => [c.name, c]))
    const names = [...model.doc.columns.map((c) => c.name), ...[...types.keys()].filter((n) => !documented.has(n))]
    const columns = names.map((name) => {
      const doc = documented.get(name)
      return {
        name,
        type: types.get(name) ?? doc?.data_type ?? null,
        description: doc?.description ?? '',
        documented: Boolean(doc),
        tests: (doc?.data_tests ?? []).map(testName),
      }
    })
    const tests: CatalogTest[] = [
      ...model.doc.columns.flatMap((c) => c.data_tests.map((t) => ({ kind: 'data' as const, name: testName(t), column: c.name, description: '' }))),
      ...model.doc.data_tests.map((t) => ({ kind: 'data' as const, name: testName(t), column: null, description: '' })),
      ...project.unitTests
        .filter((u) => u.model === model.name)
        .map((u) => ({ kind: 'unit' as const, name: u.name, column: null, description: u.description.trim() })),
    ]
    const origin = model.sqlPath.startsWith(BUILTIN_MODELS_DIR + path.sep) ? 'pulso' : 'team'
    models.push({
      name: model.name,
      layer: model.layer,
      materialized: model.params.length ? 'parameterized view' : model.doc.config.materialized,
      description: model.doc.description.trim(),
      origin,
      file: origin === 'pulso' ? path.relative(path.dirname(BUILTIN_MODELS_DIR), model.sqlPath) : model.sqlPath,
      params: model.params.map((name) => {
        const doc = model.doc.params.find((p) => p.name === name)
        const type = new RegExp(`\\{${name}:([^}]+)\\}`).exec(model.sql)?.[1]?.trim() ?? doc?.type ?? ''
        return { name, type, description: doc?.description ?? '' }
      }),
      columns,
      tests,
      depends_on: { models: model.refs, sources: model.sources },
      referenced_by: referencedBy.get(model.name) ?? [],
      queryable: model.params.length ? model.params.includes('tenant_id') : names.includes('tenant_id'),
      sql: model.sql,
      ...(error ? { describe_error: error } : {}),
    })
  }
  return {
    database: warehouse.database,
    models,
    sources: project.sources.map((s) => ({ ...s, referenced_by: referencedBy.get(s.table) ?? [] })),
  }
}
