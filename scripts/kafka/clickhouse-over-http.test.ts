// bench:ingest measures a worker in server mode against this endpoint, so it must behave as a
// ClickHouse server does for Pulso's server path: migrations, bound parameters, deduplicated
// inserts with data in the body, and errors that name the problem.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventRow } from '../../tests/helpers.ts'
import { openWarehouse, queryRows, type Warehouse } from '../../warehouse/client.ts'
import { migrate } from '../../warehouse/migrations.ts'
import { insertEventRows } from '../../warehouse/repositories/events.ts'
import { serveClickHouseOverHttp } from './clickhouse-over-http.ts'

let dataDir: string
let endpoint: Awaited<ReturnType<typeof serveClickHouseOverHttp>>
let warehouse: Warehouse

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'pulso-clickhouse-http-'))
  endpoint = await serveClickHouseOverHttp(dataDir)
  warehouse = await openWarehouse({ clickhouse: { url: `http://127.0.0.1:${endpoint.port}`, username: 'default', password: '' }, dataDir, database: 'pulso' })
})
afterAll(async () => {
  await warehouse?.close()
  endpoint?.close()
  rmSync(dataDir, { recursive: true, force: true })
})

const row = (eventId: string, text: string) => eventRow({ event_id: eventId, sender: 'bot', text }, 'http-test')

describe('embedded ClickHouse over the HTTP interface (for bench:ingest)', () => {
  it('runs the server path: migrations, inserts deduplicated by token, bound parameters', async () => {
    expect((await migrate(warehouse)).length).toBeGreaterThan(0)
    expect(await migrate(warehouse)).toEqual([]) // already applied, as recorded over HTTP
    await insertEventRows(warehouse, [row('h1', 'tab\there'), row('h2', 'ñandú 😀')], 'block-1')
    // the token names the block: an insert under the same token is dropped whatever it holds
    await insertEventRows(warehouse, [row('h3', 'same token, other rows')], 'block-1')
    const rows = await queryRows<{ event_id: string; text: string }>(
      warehouse,
      'SELECT event_id, text FROM pulso.events WHERE tenant_id = {tenant:String} ORDER BY event_id',
      { tenant: 'acme' },
    )
    expect(rows).toEqual([
      { event_id: 'h1', text: 'tab\there' },
      { event_id: 'h2', text: 'ñandú 😀' },
    ])
  })

  it('takes a bound text longer than a URL may carry (an id set of a large facts refresh)', async () => {
    // 60,000 ids of 20 characters: ~1.5 MB as JSON, past the 1 MiB a server reads in a URL
    const ids = Array.from({ length: 60_000 }, (_, i) => `conversation-${String(i).padStart(7, '0')}`)
    const [row] = await queryRows<{ n: number; last: string; quoted: string }>(
      warehouse,
      "SELECT length(JSONExtract({ids:String}, 'Array(String)')) AS n, JSONExtract({ids:String}, 'Array(String)')[-1] AS last, {odd:String} AS quoted",
      { ids: JSON.stringify(ids), odd: `it's \\ $& ${'x'.repeat(20_000)}` },
    )
    expect(row).toEqual({ n: 60_000, last: 'conversation-0059999', quoted: `it's \\ $& ${'x'.repeat(20_000)}` })
  })

  it('answers a bad statement with ClickHouse’s own error', async () => {
    await expect(queryRows(warehouse, 'SELECT no_such_column FROM pulso.events')).rejects.toThrow(/no_such_column/)
  })
})
