// The BI-tool grant: its statements are ones ClickHouse's own parser accepts, and they keep the
// user to its tenant on every table that holds tenant rows.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openWarehouse, type Warehouse } from './client.ts'
import { grantStatements, tenantTables } from './grants.ts'
import { migrate } from './migrations.ts'

let warehouse: Warehouse
const dataDir = mkdtempSync(path.join(tmpdir(), 'pulso-grants-'))
const limits = { maxExecutionSeconds: 30, maxMemoryBytes: 1_000_000_000, maxResultRows: 1_000_000, maxResultBytes: 100_000_000, maxThreads: 1 }

/** ClickHouse's parser's reading of one statement (throws ClickHouse's syntax error). */
async function parseWithClickHouse(warehouse: Warehouse, statement: string): Promise<string> {
  const result = await warehouse.client.query({ query: 'SELECT formatQuery({s:String}) AS q', query_params: { s: statement }, format: 'JSONEachRow' })
  return (await result.json<{ q: string }>())[0]!.q
}

beforeAll(async () => {
  warehouse = await openWarehouse({ dataDir, database: 'pulso' })
  await migrate(warehouse)
})

afterAll(async () => {
  await warehouse?.close()
  rmSync(dataDir, { recursive: true, force: true })
})

describe('pulso tenants grant', () => {
  it('guards every table with a tenant_id column, and no other', async () => {
    const tables = await tenantTables(warehouse)
    expect(tables).toEqual(expect.arrayContaining(['events', 'dead_letters', 'tenants']))
    expect(tables).not.toContain('schema_migrations')
  })

  it("prints statements that ClickHouse's parser accepts", async () => {
    const plan = grantStatements({ tenantId: 'acme', database: 'pulso', tables: await tenantTables(warehouse), password: "pa'ss", limits })
    expect(plan.statements.length).toBe(3 + 2 * plan.tables.length)
    for (const statement of plan.statements) await expect(parseWithClickHouse(warehouse, statement), statement).resolves.toMatch(/^(CREATE|GRANT)/)
    // A statement ClickHouse cannot parse is caught by the same check.
    await expect(parseWithClickHouse(warehouse, 'CREATE ROW POLICY p ON pulso.events USING')).rejects.toThrow(/Syntax error/)
  })

  it('keeps the user to its tenant and its limits', async () => {
    const plan = grantStatements({ tenantId: 'acme', database: 'pulso', tables: ['events', 'tenants'], password: 'pw', limits })
    const text = plan.statements.join('\n')
    expect(plan.user).toBe('pulso_acme')
    expect(text).toContain(
      "CREATE ROW POLICY OR REPLACE `pulso_tenant_acme_events` ON `pulso`.`events` AS RESTRICTIVE FOR SELECT USING tenant_id = 'acme' TO `pulso_acme`",
    )
    expect(text).toContain(
      "CREATE ROW POLICY OR REPLACE `pulso_tenant_acme_tenants` ON `pulso`.`tenants` AS RESTRICTIVE FOR SELECT USING tenant_id = 'acme' TO `pulso_acme`",
    )
    expect(text).toContain('CREATE ROW POLICY IF NOT EXISTS `pulso_all_rows_events` ON `pulso`.`events` AS PERMISSIVE FOR SELECT USING 1 TO ALL')
    expect(text).toMatch(/readonly = 2 CONST, max_execution_time = 30 CONST, .*max_result_rows = 1000000 CONST/)
    expect(text).toContain("SETTINGS PROFILE 'pulso_read_acme'")
    expect(text).toContain('GRANT SELECT ON `pulso`.* TO `pulso_acme`')
  })
})
