// Data of the Data page: ad-hoc SQL through POST /v1/sql and the model catalog.
import type { Api, Catalog, SqlJsonResult } from '../lib/api.ts'

export const EXAMPLE_SQL = `SELECT use_case, count() AS conversations, round(avg(frt_s), 1) AS frt_avg_s
FROM fct_conversations
GROUP BY use_case
ORDER BY conversations DESC`

export function runSql(api: Api, sql: string): Promise<SqlJsonResult> {
  return api.sql(sql)
}

export function sqlCsv(api: Api, sql: string): Promise<string> {
  return api.sqlCsv(sql)
}

export function loadCatalog(api: Api): Promise<Catalog> {
  return api.models()
}

/** Layers in lineage order, left to right. */
export const LAYERS = ['staging', 'intermediate', 'marts']

/** Everything upstream and downstream of a model, for highlighting its lineage. */
export function lineageOf(catalog: Catalog, name: string): Set<string> {
  const byName = new Map(catalog.models.map((m) => [m.name, m]))
  const seen = new Set<string>([name])
  const walk = (next: (n: string) => string[]) => {
    const queue = [name]
    while (queue.length) {
      for (const other of next(queue.shift()!)) {
        if (!seen.has(other)) {
          seen.add(other)
          queue.push(other)
        }
      }
    }
  }
  walk((n) => [...(byName.get(n)?.depends_on.models ?? []), ...(byName.get(n)?.depends_on.sources ?? [])])
  walk((n) => byName.get(n)?.referenced_by ?? catalog.sources.find((s) => s.table === n)?.referenced_by ?? [])
  return seen
}
