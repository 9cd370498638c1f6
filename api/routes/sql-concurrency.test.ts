// POST /v1/sql over real HTTP on embedded chDB: a tenant's statements take turns (429 with
// Retry-After past its line), another tenant and the rest of Pulso keep answering meanwhile, and
// a statement whose client goes away is killed and gives its slot back.
import type { AddressInfo } from 'node:net'
import type { ServerType } from '@hono/node-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { event, ndjson, openTestPulso, TEST_KEYS, type TestPulso } from '../../tests/helpers.ts'
import { listen } from '../listen.ts'

/** Legal and long: 2.5M rows × 40 µs ≈ 100 s, far longer than any step of these tests waits. */
const LONG_STATEMENT = 'SELECT sum(sleepEachRow(0.00004)) AS slept FROM numbers(2500000)'

let pulso: TestPulso
let server: ServerType
let base: string
/** Every request still open, aborted at the end so no statement outlives the file. */
const open = new Set<AbortController>()

beforeAll(async () => {
  pulso = await openTestPulso({
    PULSO_SQL_MAX_CONCURRENT_PER_TENANT: '1',
    PULSO_SQL_MAX_QUEUED_PER_TENANT: '1',
    PULSO_SQL_MAX_CONCURRENT: '2',
    PULSO_SQL_MAX_EXECUTION_SECONDS: '300',
  })
  server = await listen(pulso.app.fetch, 0)
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  for (const controller of open) controller.abort()
  await until(async () => (await runningStatements()) === 0, 'no statement left running')
  await new Promise<void>((resolve) => server?.close(() => resolve()))
  await pulso?.cleanup()
})

/** Sends a statement; `response` settles with the answer (or the abort), `abort` closes the connection. */
function send(statement: string, key = TEST_KEYS.acmeRead) {
  const controller = new AbortController()
  open.add(controller)
  const response = fetch(`${base}/v1/sql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ sql: statement }),
    signal: controller.signal,
  }).then(async (r) => ({ status: r.status, headers: r.headers, body: (await r.json()) as any }))
  response.catch(() => undefined).finally(() => open.delete(controller))
  return { response, abort: () => controller.abort() }
}

/** Sandbox statements the engine runs now (each sandbox session tags its queries with log_comment). */
async function runningStatements(tenant?: string): Promise<number> {
  const result = await pulso.warehouse.client.query({
    query: `SELECT count() AS n FROM system.processes WHERE startsWith(Settings['log_comment'], {prefix:String})`,
    query_params: { prefix: tenant ? `pulso_sql:${tenant}:` : 'pulso_sql:' },
    format: 'JSONEachRow',
  })
  return Number((await result.json<{ n: number }>())[0]!.n)
}

/** Polls until `condition` holds; fails naming it when it has not within 60 s (the long statement runs ~100 s). */
async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  for (const started = Date.now(); Date.now() - started < 60_000; await new Promise((r) => setTimeout(r, 100))) {
    if (await condition()) return
  }
  throw new Error(`not within 60 s: ${what}`)
}

describe('POST /v1/sql takes turns', () => {
  it("answers 429 with Retry-After past a tenant's line, while other tenants and the rest of Pulso answer", async () => {
    const first = send(LONG_STATEMENT)
    await until(async () => (await runningStatements('acme')) === 1, "acme's first statement runs")
    // Limit 1 and a line of 1: of the next two, one waits and the other is refused.
    const second = send(LONG_STATEMENT)
    const third = send(LONG_STATEMENT)
    const refused = await Promise.race([second.response, third.response])
    expect(refused.status).toBe(429)
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(300)
    expect(refused.body).toEqual({
      error: 'too_many_statements',
      message: expect.stringMatching(
        /^too many statements at once: tenant acme already runs 1 statements \(PULSO_SQL_MAX_CONCURRENT_PER_TENANT = 1\) and 1 more of tenant acme wait \(PULSO_SQL_MAX_QUEUED_PER_TENANT = 1\); retry after \d+ s$/,
      ),
    })
    const waiting = await Promise.race([second.response.then(() => third), third.response.then(() => second)])

    // globex has its own slot; Pulso's own requests go on while both statements run.
    const globex = send(LONG_STATEMENT, TEST_KEYS.globexRead)
    await until(async () => (await runningStatements('globex')) === 1, "globex's statement runs beside acme's")
    const health = await fetch(`${base}/healthz`)
    expect(health.status).toBe(200)
    const ingest = await fetch(`${base}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_KEYS.acmeIngest}`, 'content-type': 'application/x-ndjson' },
      body: ndjson([event({ event_id: 'during-sql', conversation_id: 'during-sql' })]),
    })
    expect(((await ingest.json()) as any).accepted).toBe(1)
    const kpis = await fetch(`${base}/v1/kpis?from=2024-03-01&to=2024-03-01&grain=all`, { headers: { authorization: `Bearer ${TEST_KEYS.acmeRead}` } })
    expect(((await kpis.json()) as any).rows[0].conversations).toBe(1)
    // …answered while the two long statements were still running, not after them.
    expect(await runningStatements()).toBe(2)

    // The first one's client goes away: it is killed, and the one waiting gets the slot.
    first.abort()
    await until(async () => (await runningStatements('acme')) === 1 && (await runningStatements()) === 2, "acme's waiting statement runs in the freed slot")
    waiting.abort()
    globex.abort()
    await until(async () => (await runningStatements()) === 0, 'every statement whose client went away is killed')
    const again = send('SELECT 1 AS one')
    expect((await again.response).body.data).toEqual([{ one: 1 }])
  }, 180_000)

  it('kills a running statement when its client goes away, and frees its slot', async () => {
    const statement = send(LONG_STATEMENT)
    await until(async () => (await runningStatements('acme')) === 1, 'the statement runs')
    statement.abort()
    await expect(statement.response).rejects.toThrow(/abort/i)
    // Gone from the engine long before the ~100 s it would have run.
    await until(async () => (await runningStatements()) === 0, 'the statement is gone from system.processes')
    // Its slot is free: with a limit of 1 and a line of 1, two more statements are one running
    // and one waiting, not one waiting and one refused.
    const next = send(LONG_STATEMENT)
    await until(async () => (await runningStatements('acme')) === 1, 'the next statement runs at once')
    const after = send('SELECT 2 AS two')
    next.abort()
    expect((await after.response).body.data).toEqual([{ two: 2 }])
  }, 180_000)
})
