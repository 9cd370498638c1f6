// The SQL that gives a BI tool (Grafana, Metabase, DBeaver) its own read-only ClickHouse user
// for one tenant, on the server deployment: a settings profile with the same limits as
// POST /v1/sql, locked, and row policies that keep the user to its tenant's rows.
//
// Row policies filter tables. Pulso's models are views, which run with the querying user's
// rights (SQL SECURITY INVOKER, ClickHouse's default for ordinary views), so the policies on
// the raw tables also filter every model built on them.
import type { SqlLimits } from '../config/config.ts'
import { queryRows, type Warehouse } from './client.ts'
import { sqlIdentifier as ident, sqlString as quote } from './sql-literals.ts'

export type GrantPlan = { user: string; profile: string; tables: string[]; statements: string[] }

/** Tables of `database` with a tenant_id column: the ones a row policy must guard. */
export async function tenantTables(warehouse: Warehouse): Promise<string[]> {
  const rows = await queryRows<{ table: string }>(
    warehouse,
    `SELECT table FROM system.columns
            WHERE database = {db:String} AND name = 'tenant_id'
              AND table IN (SELECT name FROM system.tables WHERE database = {db:String} AND engine NOT IN ('View', 'MaterializedView', 'LiveView'))
            ORDER BY table`,
    { db: warehouse.database },
  )
  return rows.map((r) => r.table)
}

export function grantStatements(options: { tenantId: string; database: string; tables: string[]; password: string; limits: SqlLimits }): GrantPlan {
  const { tenantId, database, tables, password, limits } = options
  const user = `pulso_${tenantId}`
  const profile = `pulso_read_${tenantId}`
  const db = ident(database)
  const statements = [
    // CONST: a BI tool may send its own settings, but never these.
    `CREATE SETTINGS PROFILE OR REPLACE ${ident(profile)} SETTINGS readonly = 2 CONST, max_execution_time = ${limits.maxExecutionSeconds} CONST, max_memory_usage = ${limits.maxMemoryBytes} CONST, max_result_rows = ${limits.maxResultRows} CONST, max_result_bytes = ${limits.maxResultBytes} CONST, result_overflow_mode = 'throw' CONST, allow_ddl = 0 CONST, allow_introspection_functions = 0 CONST`,
    `CREATE USER OR REPLACE ${ident(user)} IDENTIFIED WITH sha256_password BY ${quote(password)} DEFAULT DATABASE ${db} SETTINGS PROFILE ${quote(profile)}`,
    // Defining any row policy on a table hides all its rows from users no policy lets in, so
    // one permissive policy keeps every other user (Pulso itself) seeing all rows…
    ...tables.map((t) => `CREATE ROW POLICY IF NOT EXISTS ${ident(`pulso_all_rows_${t}`)} ON ${db}.${ident(t)} AS PERMISSIVE FOR SELECT USING 1 TO ALL`),
    // …and a restrictive one, ANDed with it, keeps this user to its tenant.
    ...tables.map(
      (t) =>
        `CREATE ROW POLICY OR REPLACE ${ident(`pulso_tenant_${tenantId}_${t}`)} ON ${db}.${ident(t)} AS RESTRICTIVE FOR SELECT USING tenant_id = ${quote(tenantId)} TO ${ident(user)}`,
    ),
    `GRANT SELECT ON ${db}.* TO ${ident(user)}`,
  ]
  return { user, profile, tables, statements }
}
