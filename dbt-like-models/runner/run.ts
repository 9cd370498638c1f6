// Builds the models into ClickHouse views (or tables), in dependency order.
import { runStatement, type Warehouse } from '../../warehouse/client.ts'
import { IncrementalModel } from './incremental.ts'
import { compileSql, type Model, type Project } from './project.ts'

/**
 * The statement that creates a model in `database`, its refs and sources resolved there too.
 * An incremental model is created here as a plain view of its definition (unit tests' scratch
 * databases, the parser check); runModels stores it instead (incremental.ts).
 */
export function createStatement(model: Model, database: string, sourceDatabase = database): string {
  const body = compileSql(
    model.sql,
    (ref) => `${database}.${ref}`,
    (table) => `${sourceDatabase}.${table}`,
  )
    .trim()
    .replace(/;\s*$/, '')
  if (model.doc.config.materialized === 'table' && model.params.length === 0) {
    return `CREATE OR REPLACE TABLE ${database}.${model.name} ENGINE = MergeTree ORDER BY tuple() AS\n${body}`
  }
  return `CREATE OR REPLACE VIEW ${database}.${model.name} AS\n${body}`
}

export type RunReport = {
  built: { name: string; materialized: string; ms: number }[]
  /** Incremental models whose stored rows must be recomputed, with the fingerprint to record after. */
  rebuildNeeded: { name: string; fingerprint: string }[]
}

export async function runModels(warehouse: Warehouse, project: Project, onModel?: (name: string) => void): Promise<RunReport> {
  const report: RunReport = { built: [], rebuildNeeded: [] }
  for (const model of project.models) {
    const started = Date.now()
    onModel?.(model.name)
    try {
      if (model.doc.config.materialized === 'incremental') {
        const { rebuildNeeded, fingerprint } = await new IncrementalModel(warehouse, project, model).ensure()
        if (rebuildNeeded) report.rebuildNeeded.push({ name: model.name, fingerprint })
      } else {
        await runStatement(warehouse, createStatement(model, warehouse.database))
      }
    } catch (error) {
      throw new Error(`model ${model.name} (${model.sqlPath}) failed to build: ${(error as Error).message}`)
    }
    report.built.push({ name: model.name, materialized: model.params.length ? 'parameterized view' : model.doc.config.materialized, ms: Date.now() - started })
  }
  return report
}
