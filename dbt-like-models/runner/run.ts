// Builds the models into ClickHouse views (or tables), in dependency order.
import type { Warehouse } from '../../warehouse/client.ts'
import { compileSql, type Model, type Project } from './project.ts'

/** The statement that creates a model in `database`, its refs and sources resolved there too. */
export function createStatement(model: Model, database: string, sourceDatabase = database): string {
  const body = compileSql(model.sql, (ref) => `${database}.${ref}`, (table) => `${sourceDatabase}.${table}`).trim().replace(/;\s*$/, '')
  if (model.doc.config.materialized === 'table' && model.params.length === 0) {
    return `CREATE OR REPLACE TABLE ${database}.${model.name} ENGINE = MergeTree ORDER BY tuple() AS\n${body}`
  }
  return `CREATE OR REPLACE VIEW ${database}.${model.name} AS\n${body}`
}

export type RunReport = { built: { name: string; materialized: string; ms: number }[] }

export async function runModels(warehouse: Warehouse, project: Project, onModel?: (name: string) => void): Promise<RunReport> {
  const report: RunReport = { built: [] }
  for (const model of project.models) {
    const started = Date.now()
    onModel?.(model.name)
    try {
      await warehouse.client.command({ query: createStatement(model, warehouse.database) })
    } catch (error) {
      throw new Error(`model ${model.name} (${model.sqlPath}) failed to build: ${(error as Error).message}`)
    }
    report.built.push({ name: model.name, materialized: model.params.length ? 'parameterized view' : model.doc.config.materialized, ms: Date.now() - started })
  }
  return report
}
