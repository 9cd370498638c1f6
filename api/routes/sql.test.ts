// POST /v1/sql on embedded chDB with two tenants, acme and globex: what a data team can ask,
// in which formats, and every way of asking for more than its own rows that must fail.
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { event, ndjson, openTestPulso, postEvents, TEST_KEYS, type TestPulso } from '../../tests/helpers.ts'

let pulso: TestPulso
const scratch = mkdtempSync(path.join(tmpdir(), 'pulso-sql-test-'))

async function sql(statement: string, options: { key?: string; format?: string } = {}) {
  const response = await pulso.app.request('/v1/sql', {
    method: 'POST',
    headers: { authorization: `Bearer ${options.key ?? TEST_KEYS.acmeRead}`, 'content-type': 'application/json' },
    body: JSON.stringify({ sql: statement, ...(options.format ? { format: options.format } : {}) }),
  })
  const bytes = Buffer.from(await response.arrayBuffer())
  const text = bytes.toString('utf8')
  let json: any
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: response.status, type: response.headers.get('content-type'), bytes, text, json }
}

/** The rows of a JSON result; fails loudly when the statement did not succeed. */
async function rows(statement: string, key?: string): Promise<any[]> {
  const result = await sql(statement, { key })
  expect(result.status, result.text).toBe(200)
  return result.json.data
}

async function expectRefused(statement: string, why: RegExp) {
  const result = await sql(statement)
  expect(result.status, result.text).toBe(400)
  expect(['sql_refused', 'clickhouse_error']).toContain(result.json.error)
  expect(result.json.message).toMatch(why)
  return result.json
}

async function countInWarehouse(table: string): Promise<number> {
  const rs = await pulso.warehouse.client.query({ query: `SELECT count() AS n FROM ${pulso.warehouse.database}.${table}`, format: 'JSONEachRow' })
  return Number((await rs.json<{ n: number }>())[0]!.n)
}

beforeAll(async () => {
  pulso = await openTestPulso({
    PULSO_SQL_MAX_RESULT_ROWS: '1000',
    PULSO_SQL_MAX_RESULT_BYTES: '100000',
    PULSO_SQL_MAX_EXECUTION_SECONDS: '2',
    PULSO_SQL_MAX_MEMORY_BYTES: String(200 * 1024 * 1024),
  })
  // acme: 2 conversations (5 events); globex: 3 conversations (3 events).
  const acme = [
    event({ event_id: 'a1', conversation_id: 'ac1', occurred_at: '2024-03-01T10:00:00Z' }),
    event({ event_id: 'a2', conversation_id: 'ac1', occurred_at: '2024-03-01T10:00:05Z', sender: 'bot' }),
    event({ event_id: 'a3', conversation_id: 'ac1', occurred_at: '2024-03-01T10:01:00Z', type: 'resolved', sender: undefined, resolved_by: 'bot' }),
    event({ event_id: 'a4', conversation_id: 'ac2', occurred_at: '2024-03-01T11:00:00Z' }),
    event({ event_id: 'a5', conversation_id: 'ac2', occurred_at: '2024-03-01T11:00:10Z', sender: 'bot' }),
  ]
  const globex = ['g1', 'g2', 'g3'].map((id) => event({ tenant_id: 'globex', event_id: id, conversation_id: `gc-${id}`, occurred_at: '2024-03-01T12:00:00Z' }))
  expect((await postEvents(pulso, TEST_KEYS.acmeIngest, ndjson(acme))).body.accepted).toBe(5)
  expect((await postEvents(pulso, TEST_KEYS.globexIngest, ndjson(globex))).body.accepted).toBe(3)
})

afterAll(async () => {
  await pulso?.cleanup()
  rmSync(scratch, { recursive: true, force: true })
})

describe('POST /v1/sql: what a data team can ask', () => {
  it('answers a SELECT over the models with JSON rows and column types', async () => {
    const result = await sql('SELECT conversation_id, tenant_id FROM fct_conversations ORDER BY conversation_id')
    expect(result.status, result.text).toBe(200)
    expect(result.type).toMatch(/application\/json/)
    expect(result.json.data).toEqual([
      { conversation_id: 'ac1', tenant_id: 'acme' },
      { conversation_id: 'ac2', tenant_id: 'acme' },
    ])
    expect(result.json.meta.map((m: any) => m.name)).toEqual(['conversation_id', 'tenant_id'])
  })

  it('returns counts as numbers and reads raw events, models and the KPI view alike', async () => {
    expect(await rows('SELECT count() AS n FROM events')).toEqual([{ n: 5 }])
    expect(await rows('SELECT count() AS n FROM stg_events')).toEqual([{ n: 5 }])
    const kpis = await rows("SELECT conversations FROM fct_kpis(timezone = 'UTC', date_from = '2024-03-01', date_to = '2024-03-01', grain = 'day', by = '')")
    expect(kpis).toEqual([{ conversations: 2 }])
  })

  it('streams CSV with a header, NDJSON, and Parquet', async () => {
    const csv = await sql('SELECT conversation_id FROM fct_conversations ORDER BY conversation_id', { format: 'csv' })
    expect(csv.status).toBe(200)
    expect(csv.type).toMatch(/text\/csv/)
    expect(csv.text).toBe('"conversation_id"\n"ac1"\n"ac2"\n')
    const lines = await sql('SELECT conversation_id FROM fct_conversations ORDER BY conversation_id', { format: 'ndjson' })
    expect(
      lines.text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([{ conversation_id: 'ac1' }, { conversation_id: 'ac2' }])
    const parquet = await sql('SELECT conversation_id FROM fct_conversations', { format: 'parquet' })
    expect(parquet.status).toBe(200)
    expect(parquet.type).toBe('application/vnd.apache.parquet')
    // A Parquet file starts and ends with the magic bytes PAR1.
    expect(parquet.bytes.subarray(0, 4).toString()).toBe('PAR1')
    expect(parquet.bytes.subarray(-4).toString()).toBe('PAR1')
  })

  it('accepts the statement as a plain-text body with ?format=', async () => {
    const response = await pulso.app.request('/v1/sql?format=csv', {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_KEYS.acmeRead}`, 'content-type': 'text/plain' },
      body: 'SELECT 1 AS one',
    })
    expect(response.status).toBe(200)
    expect(await response.text()).toBe('"one"\n1\n')
  })

  it("returns ClickHouse's own error message with a 400", async () => {
    const result = await sql('SELECT no_such_column FROM fct_conversations')
    expect(result.status).toBe(400)
    expect(result.json.error).toBe('clickhouse_error')
    expect(result.json.message).toMatch(/no_such_column/)
    expect(result.json.message).toMatch(/UNKNOWN_IDENTIFIER|Unknown expression identifier/)
  })

  it('needs a read key, and rejects an unknown format or an empty statement', async () => {
    expect((await sql('SELECT 1', { key: TEST_KEYS.acmeIngest })).status).toBe(403)
    expect((await pulso.app.request('/v1/sql', { method: 'POST', body: 'SELECT 1' })).status).toBe(401)
    const badFormat = await sql('SELECT 1', { format: 'xml' })
    expect(badFormat.status).toBe(400)
    expect(badFormat.json.message).toMatch(/`format`: expected one of json, ndjson, csv, parquet/)
    expect((await sql('   ')).json.message).toMatch(/`sql`: is empty/)
  })

  it('lists the relations a tenant can query', async () => {
    const response = await pulso.app.request('/v1/sql/relations', { headers: { authorization: `Bearer ${TEST_KEYS.acmeRead}` } })
    const names = ((await response.json()) as any).relations.map((r: any) => r.name)
    expect(names).toEqual(expect.arrayContaining(['events', 'stg_events', 'fct_conversations', 'fct_kpis', 'dead_letters']))
    // No tenant_id column, nothing to scope by: not exposed.
    expect(names).not.toContain('schema_migrations')
  })
})

describe("tenant isolation: acme never sees globex's rows, whatever the SQL says", () => {
  it('each key sees its own tenant only', async () => {
    expect(await rows('SELECT tenant_id, count() AS n FROM events GROUP BY tenant_id')).toEqual([{ tenant_id: 'acme', n: 5 }])
    expect(await rows('SELECT tenant_id, count() AS n FROM events GROUP BY tenant_id', TEST_KEYS.globexRead)).toEqual([{ tenant_id: 'globex', n: 3 }])
    expect(await rows('SELECT count() AS n FROM fct_conversations', TEST_KEYS.globexRead)).toEqual([{ n: 3 }])
  })

  it('a WHERE, subquery, join, union, CTE or alias naming globex finds nothing', async () => {
    expect(await rows("SELECT count() AS n FROM events WHERE tenant_id = 'globex'")).toEqual([{ n: 0 }])
    expect(await rows("SELECT count() AS n FROM (SELECT * FROM events WHERE tenant_id != 'acme')")).toEqual([{ n: 0 }])
    expect(await rows("SELECT count() AS n FROM fct_conversations AS a JOIN events AS b ON 1 = 1 WHERE b.tenant_id = 'globex'")).toEqual([{ n: 0 }])
    expect(await rows("SELECT count() AS n FROM events WHERE conversation_id IN (SELECT conversation_id FROM stg_events WHERE tenant_id = 'globex')")).toEqual([
      { n: 0 },
    ])
    expect(
      await rows(
        'SELECT DISTINCT tenant_id FROM (SELECT tenant_id FROM events UNION ALL SELECT tenant_id FROM fct_conversations UNION ALL SELECT tenant_id FROM int_conversations)',
      ),
    ).toEqual([{ tenant_id: 'acme' }])
    expect(
      await rows(
        "WITH everyone AS (SELECT * FROM events WHERE tenant_id IN ('acme', 'globex')) SELECT count() AS n FROM everyone AS e WHERE e.tenant_id = 'globex'",
      ),
    ).toEqual([{ n: 0 }])
    expect(await rows("WITH events AS (SELECT * FROM stg_events) SELECT count() AS n FROM events WHERE tenant_id = 'globex'")).toEqual([{ n: 0 }])
    expect(await rows("SELECT count() AS n FROM events AS globex WHERE globex.tenant_id = 'globex'")).toEqual([{ n: 0 }])
  })

  it("passing tenant_id to the parameterized KPI view still reads the key's own tenant", async () => {
    const kpis = await rows(
      "SELECT conversations FROM fct_kpis(tenant_id = 'globex', timezone = 'UTC', date_from = '2024-03-01', date_to = '2024-03-01', grain = 'day', by = '')",
    )
    expect(kpis).toEqual([{ conversations: 2 }])
  })

  it("refuses Pulso's database, another tenant's sandbox, and identifiers that name a database", async () => {
    await expectRefused('SELECT count() FROM pulso.events', /read relations by their bare name/)
    await expectRefused('SELECT count() FROM `pulso`.`events`', /read relations by their bare name/)
    await expectRefused('SELECT count() FROM pulso_sql_globex.events', /read relations by their bare name/)
    await expectRefused('SELECT count() FROM default.events', /read relations by their bare name/)
    await expectRefused('SELECT count() FROM events WHERE conversation_id IN pulso.events', /names the database pulso/)
    await expectRefused('SELECT count() FROM events AS e JOIN (SELECT * FROM pulso.fct_conversations) AS c ON e.tenant_id = c.tenant_id', /bare name/)
    await expectRefused('SELECT count() FROM events AS e, pulso.events AS p', /bare name/)
    await expectRefused('SELECT count() FROM system.one, pulso.events', /bare name/)
    await expectRefused('SELECT arrayMap(x -> (SELECT count() FROM pulso.events), [1]) AS n', /bare name/)
    await expectRefused("SELECT * FROM FILE('/etc/hostname', 'LineAsString')", /table function FILE\(\) is not allowed/)
    expect(await rows("SELECT count() AS n FROM events WHERE tenant_id IN (SELECT 'globex')")).toEqual([{ n: 0 }])
    // Another tenant's sandbox, even behind a CTE.
    await expectRefused('WITH x AS (SELECT * FROM pulso_sql_globex.events) SELECT count() FROM x', /bare name|outside your tenant/)
  })
})

describe('refusals', () => {
  it('refuses every other kind of statement, and qualified names however they are spelled', async () => {
    await expectRefused('USE pulso', /only a SELECT statement is allowed/)
    await expectRefused('SHOW TABLES FROM pulso', /only a SELECT statement is allowed/)
    await expectRefused('DESCRIBE TABLE pulso.events', /only a SELECT statement is allowed/)
    await expectRefused('EXPLAIN SELECT * FROM pulso.events', /only a SELECT statement is allowed/)
    await expectRefused('SELECT count() FROM "pulso"."events"', /bare name/)
    await expectRefused('SELECT count() FROM /* hidden */ pulso . events', /bare name/)
    await expectRefused('WITH (SELECT count() FROM pulso.events) AS n SELECT n', /bare name/)
    await expectRefused('WITH fct_conversations AS (SELECT * FROM pulso.fct_conversations) SELECT count() FROM fct_conversations', /bare name/)
    await expectRefused('SELECT count() FROM loop(events) LIMIT 1', /table function loop\(\) is not allowed/)
    await expectRefused("SELECT count() FROM clusterAllReplicas('default', pulso.events)", /table function clusterAllReplicas\(\) is not allowed/)
    await expectRefused("SELECT * FROM dictionary('pulso.anything')", /table function dictionary\(\) is not allowed/)
    // The refused USE changed nothing: names still resolve in the tenant's sandbox.
    expect(await rows('SELECT count() AS n FROM events')).toEqual([{ n: 5 }])
  })

  it('refuses writes and DDL, and they change nothing', async () => {
    const before = await countInWarehouse('events')
    await expectRefused("INSERT INTO events (tenant_id, event_id) VALUES ('globex', 'x')", /only a SELECT statement is allowed; this statement is Insert/)
    await expectRefused('DROP TABLE events', /only a SELECT statement is allowed/)
    await expectRefused('TRUNCATE TABLE events', /only a SELECT statement is allowed/)
    await expectRefused('ALTER TABLE events DELETE WHERE 1', /only a SELECT statement is allowed/)
    await expectRefused('CREATE TABLE mine (a Int8) ENGINE = Memory', /only a SELECT statement is allowed/)
    await expectRefused('CREATE VIEW mine AS SELECT * FROM pulso.events', /only a SELECT statement is allowed/)
    await expectRefused('GRANT SELECT ON pulso.* TO default', /only a SELECT statement is allowed/)
    // A second statement never runs: ClickHouse's parser refuses the pair.
    await expectRefused('SELECT 1; DROP TABLE pulso.events', /Multi-statements are not allowed/)
    expect(await countInWarehouse('events')).toBe(before)
  })

  it('refuses INTO OUTFILE and FORMAT clauses, and writes no file', async () => {
    const file = path.join(scratch, 'leak.csv')
    await expectRefused(`SELECT * FROM events INTO OUTFILE '${file}'`, /INTO OUTFILE/)
    expect(existsSync(file)).toBe(false)
    const format = await sql('SELECT 1 FORMAT TabSeparated')
    expect(format.status).toBe(400)
  })

  it('refuses table functions that reach files, URLs, other tables or other databases', async () => {
    await expectRefused("SELECT * FROM file('/etc/hostname', 'LineAsString')", /table function file\(\) is not allowed/)
    await expectRefused("SELECT * FROM url('http://127.0.0.1:9/x', 'LineAsString')", /table function url\(\) is not allowed/)
    await expectRefused("SELECT * FROM s3('http://127.0.0.1:9/b/k.csv', 'CSV')", /table function s3\(\) is not allowed/)
    await expectRefused("SELECT * FROM remote('127.0.0.1', 'pulso', 'events')", /table function remote\(\) is not allowed/)
    await expectRefused("SELECT * FROM mysql('127.0.0.1:3306', 'db', 't', 'u', 'p')", /table function mysql\(\) is not allowed/)
    await expectRefused("SELECT * FROM postgresql('127.0.0.1:5432', 'db', 't', 'u', 'p')", /table function postgresql\(\) is not allowed/)
    await expectRefused("SELECT count() FROM merge('pulso', '^events$')", /table function merge\(\) is not allowed/)
    await expectRefused('SELECT count() FROM view(SELECT * FROM events)', /table function view\(\) is not allowed/)
    await expectRefused("SELECT count() FROM events WHERE conversation_id IN (SELECT * FROM file('/etc/hostname', 'LineAsString'))", /table function file\(\)/)
    // …and ordinary functions that read the host's files or dictionaries.
    await expectRefused("SELECT file('/etc/hostname')", /function file\(\) is not allowed/)
    await expectRefused("SELECT FILE('/etc/hostname')", /function FILE\(\) is not allowed/)
    await expectRefused("SELECT dictGet('pulso.d', 'v', toUInt64(1))", /function dictGet\(\) is not allowed/)
    // In-memory generators are fine.
    expect(await rows('SELECT sum(number) AS s FROM numbers(10)')).toEqual([{ s: 45 }])
  })

  it('allows harmless system tables and refuses the rest', async () => {
    expect(await rows('SELECT dummy FROM system.one')).toEqual([{ dummy: 0 }])
    await expectRefused('SELECT name FROM system.tables', /system.tables is not allowed/)
    await expectRefused('SELECT * FROM system.columns', /system.columns is not allowed/)
    await expectRefused('SELECT * FROM system.query_log', /system.query_log is not allowed/)
    await expectRefused('SELECT * FROM information_schema.tables', /bare name/)
    await expectRefused('SELECT * FROM INFORMATION_SCHEMA.TABLES', /bare name/)
  })

  it('refuses changing settings: SET, a SETTINGS clause, even inside a subquery', async () => {
    await expectRefused('SET readonly = 0', /only a SELECT statement is allowed; this statement is Set/)
    await expectRefused('SELECT 1 SETTINGS max_result_rows = 0', /SETTINGS/)
    await expectRefused('SELECT * FROM (SELECT number FROM numbers(5000) SETTINGS max_result_rows = 0)', /SETTINGS clause is not allowed/)
  })

  it('refuses a top-level SETTINGS clause in its own check, not only through readonly', async () => {
    for (const statement of [
      'SELECT 1 SETTINGS max_threads = 1',
      '(SELECT 1) SETTINGS max_execution_time = 0',
      'SELECT 1 UNION ALL SELECT 2 SETTINGS readonly = 0',
    ]) {
      const result = await sql(statement)
      expect(result.status, statement).toBe(400)
      expect(result.json, statement).toMatchObject({ error: 'sql_refused', message: expect.stringMatching(/SETTINGS/) })
    }
  })

  it('refuses introspection functions', async () => {
    for (const fn of ["demangle('_Z1fv')", 'addressToSymbol(toUInt64(0))', 'addressToLine(toUInt64(0))', 'addressToLineWithInlines(toUInt64(0))']) {
      const result = await sql(`SELECT ${fn} AS x`)
      expect(result.status, fn).toBe(400)
      expect(result.json, fn).toMatchObject({ error: 'sql_refused', message: expect.stringMatching(/is not allowed: it reads the server's own memory/) })
    }
  })

  it('holds scalar subqueries to the limits while the statement is checked', async () => {
    // The check once resolved the statement on a session without limits, and resolving evaluates
    // scalar subqueries: this ran for 41.5 s against a 30 s limit, and a groupArray variant took
    // the process to 5.34 GB against 1 GiB. Here the limits are 2 s and 200 MB.
    const attack = (subquery: string) =>
      `WITH RECURSIVE t AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM t WHERE n < 2) SELECT (${subquery}) AS c, count() FROM t`
    let started = Date.now()
    await expectRefused(
      attack('SELECT count() FROM numbers(60000000000) WHERE cityHash64(number) = 0'),
      /Timeout exceeded|TIMEOUT_EXCEEDED|estimated query execution time/i,
    )
    expect(Date.now() - started).toBeLessThan(8_000)
    started = Date.now()
    // 5 GB without limits, as the attack, but 1 MB a row: the 200 MB limit is met after ~200
    // rows, well within the 2 s limit on a busy machine (groupArray(number) over numbers(250000000)
    // needed 25 million rows for it, and met the time limit first under load)
    await expectRefused(attack('SELECT length(groupArray(repeat(toString(number % 10), 1000000))) FROM numbers(5000)'), /memory limit exceeded/i)
    expect(Date.now() - started).toBeLessThan(8_000)
    expect(await rows('SELECT 1 AS one')).toEqual([{ one: 1 }])
  })

  it('stops queries past the row, byte, time and memory limits', async () => {
    await expectRefused('SELECT number FROM numbers(5000)', /Limit for result exceeded, max rows/)
    // 500 rows of 1000 bytes (not a constant column, whose bytes ClickHouse counts once).
    await expectRefused('SELECT repeat(toString(number % 10), 1000) AS s FROM numbers(500)', /Limit for result exceeded, max bytes/)
    await expectRefused(
      'SELECT count() FROM numbers(100000000000) WHERE sipHash64(number) % 7 = 1',
      /Timeout exceeded|TIMEOUT_EXCEEDED|estimated query execution time/,
    )
    await expectRefused('SELECT length(groupArray(repeat(toString(number % 10), 1000000))) FROM numbers(1000)', /memory limit exceeded/i)
    // A failed query leaves nothing behind in the next answer.
    expect(await rows('SELECT 1 AS one')).toEqual([{ one: 1 }])
  })

  it('leaves the rest of Pulso writable: the read-only session is the sandbox, not the warehouse', async () => {
    const posted = await postEvents(pulso, TEST_KEYS.acmeIngest, ndjson([event({ event_id: 'a6', conversation_id: 'ac3' })]))
    expect(posted.body.accepted).toBe(1)
    expect(await rows('SELECT count() AS n FROM events')).toEqual([{ n: 6 }])
  })
})
