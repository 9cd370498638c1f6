// The data team's side of the CLI, run as a user runs it (`node bin/pulso.js …`): their own
// models folder picked up by `models run|test` with no change to Pulso, failing tests named,
// `models docs` writing the site, and `tenants grant` printing SQL ClickHouse can parse.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runPulso } from '../../tests/run-pulso.ts'
import { openWarehouse, type Warehouse } from '../../warehouse/client.ts'

const work = mkdtempSync(path.join(tmpdir(), 'pulso-data-cli-'))
const teamModels = path.join(work, 'team-models')

function writeFiles(dir: string, files: Record<string, string>) {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true })
    writeFileSync(path.join(dir, name), text)
  }
}

// A data team's model over Pulso's fct_conversations, with a unit test that holds and one that
// is wrong on purpose (it expects 3 conversations where the given rows have 2).
writeFiles(teamModels, {
  'marts/fct_team_daily.sql': `-- One row per tenant and UTC day: conversations started.
with conversations as (
    select * from {{ ref('fct_conversations') }}
),

final as (
    select tenant_id, toDate(started_at) as day, count() as conversations
    from conversations
    group by tenant_id, day
)

select * from final
`,
  'marts/fct_team_daily.yml': `version: 2
models:
  - name: fct_team_daily
    description: Conversations started per tenant and UTC day — one row per tenant and day.
    columns:
      - name: tenant_id
        description: The tenant.
        data_tests: [not_null]
      - name: day
        description: UTC day the conversations started.
        data_tests: [not_null]
      - name: conversations
        description: Conversations that started that day.
unit_tests:
  - name: counts_two_conversations
    model: fct_team_daily
    given:
      - input: ref('fct_conversations')
        rows:
          - { tenant_id: t, conversation_id: c1, started_at: '2024-03-01 10:00:00' }
          - { tenant_id: t, conversation_id: c2, started_at: '2024-03-01 18:00:00' }
    expect:
      rows:
        - { tenant_id: t, day: '2024-03-01', conversations: 2 }
  - name: wrong_on_purpose
    model: fct_team_daily
    given:
      - input: ref('fct_conversations')
        rows:
          - { tenant_id: t, conversation_id: c1, started_at: '2024-03-01 10:00:00' }
          - { tenant_id: t, conversation_id: c2, started_at: '2024-03-01 18:00:00' }
    expect:
      rows:
        - { tenant_id: t, day: '2024-03-01', conversations: 3 }
`,
})

function pulso(args: string[], env: Record<string, string> = {}) {
  return runPulso(args, {
    cwd: work,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? work,
      PULSO_DATA_DIR: path.join(work, 'data'),
      PULSO_DEMO: '0',
      PULSO_MODELS_DIR: teamModels,
      PULSO_HASH_KEY: 'test-hash-key',
      ...env,
    },
  })
}

let parser: Warehouse

beforeAll(async () => {
  // This process's own chDB, used only for its parser (formatQuery).
  parser = await openWarehouse({ dataDir: path.join(work, 'parser'), database: 'pulso' })
})

afterAll(async () => {
  await parser?.close()
  rmSync(work, { recursive: true, force: true })
})

describe("a data team's own models folder (PULSO_MODELS_DIR)", () => {
  it('is built by `pulso models run` beside Pulso’s models', async () => {
    const run = await pulso(['models', 'run'])
    expect(run.code, run.stderr + run.stdout).toBe(0)
    expect(run.stdout).toMatch(/built fct_team_daily\s+view/)
    expect(run.stdout).toMatch(/built fct_conversations/)
  })

  it('is tested by `pulso models test`: a failing unit test is named, explained, and exits non-zero', async () => {
    const test = await pulso(['models', 'test'])
    expect(test.code, test.stderr).toBe(1)
    expect(test.stdout).toMatch(/PASS unit fct_team_daily\.counts_two_conversations/)
    expect(test.stdout).toMatch(/PASS data fct_team_daily\.not_null_tenant_id/)
    expect(test.stdout).toMatch(/FAIL unit fct_team_daily\.wrong_on_purpose\n\s+no row matches \{"tenant_id":"t","day":"2024-03-01","conversations":3\}/)
    expect(test.stdout).toMatch(/\d+ passed, 1 failed/)
  })

  it('passes once the team fixes its test', async () => {
    const yml = path.join(teamModels, 'marts/fct_team_daily.yml')
    const original = readFileSync(yml, 'utf8')
    writeFileSync(yml, original.replace('conversations: 3', 'conversations: 2'))
    try {
      const test = await pulso(['models', 'test'])
      expect(test.stdout).toMatch(/PASS unit fct_team_daily\.wrong_on_purpose/)
      // The exit code is the whole project's: non-zero only if some other model's test fails.
      const failures = test.stdout.split('\n').filter((line) => /^\s+FAIL /.test(line))
      expect(failures.filter((line) => line.includes('fct_team_daily'))).toEqual([])
      expect(test.code, test.stdout + test.stderr).toBe(failures.length ? 1 : 0)
    } finally {
      writeFileSync(yml, original)
    }
  })
})

describe('pulso models rebuild', () => {
  it('recomputes the stored conversation facts from the events, with the same KPIs after', async () => {
    const file = path.join(work, 'rebuild-events.ndjson')
    const at = (minute: number) => `2024-05-01T10:${String(minute).padStart(2, '0')}:00Z`
    const lines = [
      { event_id: 'rb1', conversation_id: 'rb-a', type: 'message', sender: 'customer', customer_id: 'cust-rb', occurred_at: at(0) },
      { event_id: 'rb2', conversation_id: 'rb-a', type: 'message', sender: 'bot', occurred_at: at(1) },
      { event_id: 'rb3', conversation_id: 'rb-b', type: 'message', sender: 'customer', occurred_at: at(2) },
    ]
    writeFileSync(file, lines.map((e) => JSON.stringify({ tenant_id: 'rebuild', ...e })).join('\n'))
    expect((await pulso(['ingest', file])).code).toBe(0)
    const kpis = () => pulso(['kpis', '--tenant', 'rebuild', '--from', '2024-05-01', '--to', '2024-05-01', '--grain', 'all', '--json'])
    const before = await kpis()
    expect(JSON.parse(before.stdout)[0]).toMatchObject({ conversations: 2, frt_avg_s: 60 })
    const rebuild = await pulso(['models', 'rebuild'])
    expect(rebuild.code, rebuild.stderr).toBe(0)
    expect(rebuild.stdout).toMatch(/fct_conversations recomputed: \d+ conversations/)
    expect((await kpis()).stdout).toBe(before.stdout)
  })
})

describe('pulso models docs', () => {
  it('writes a static site with every model, its column types, tests and lineage', async () => {
    const out = path.join(work, 'site')
    const docs = await pulso(['models', 'docs', '--out', out])
    expect(docs.code, docs.stderr).toBe(0)
    expect(existsSync(path.join(out, 'index.html'))).toBe(true)
    const html = readFileSync(path.join(out, 'index.html'), 'utf8')
    expect(html).toContain('<section id="fct_team_daily">')
    expect(html).toContain('<section id="fct_kpis">')
    const catalog = JSON.parse(readFileSync(path.join(out, 'catalog.json'), 'utf8'))
    const team = catalog.models.find((m: any) => m.name === 'fct_team_daily')
    expect(team.origin).toBe('team')
    expect(team.depends_on.models).toEqual(['fct_conversations'])
    expect(team.columns.find((c: any) => c.name === 'day').type).toBe('Date')
    expect(team.tests.map((t: any) => t.name)).toEqual(['not_null', 'not_null', 'counts_two_conversations', 'wrong_on_purpose'])
    expect(catalog.models.find((m: any) => m.name === 'fct_conversations').referenced_by).toContain('fct_team_daily')
  })
})

describe('pulso tenants grant', () => {
  it("prints SQL for a read-only user with row policies, every statement accepted by ClickHouse's parser", async () => {
    const grant = await pulso(['tenants', 'grant', 'acme', '--password', 's3cret'])
    expect(grant.code, grant.stderr).toBe(0)
    const statements = grant.stdout
      .split('\n')
      .filter((line) => line.trim() && !line.startsWith('--'))
      .map((line) => line.replace(/;$/, ''))
    expect(statements.some((s) => s.startsWith('CREATE USER OR REPLACE `pulso_acme`'))).toBe(true)
    expect(statements.some((s) => s.includes("AS RESTRICTIVE FOR SELECT USING tenant_id = 'acme' TO `pulso_acme`"))).toBe(true)
    expect(statements.some((s) => s.startsWith('CREATE SETTINGS PROFILE'))).toBe(true)
    for (const statement of statements) {
      const result = await parser.client.query({ query: 'SELECT formatQuery({s:String}) AS q', query_params: { s: statement }, format: 'JSONEachRow' })
      expect((await result.json<{ q: string }>())[0]!.q, statement).toMatch(/^(CREATE|GRANT)/)
    }
  })

  it('refuses --execute on embedded chDB, saying what it needs', async () => {
    const grant = await pulso(['tenants', 'grant', 'acme', '--execute'])
    expect(grant.code).toBe(1)
    expect(grant.stderr).toMatch(/needs a ClickHouse server \(set CLICKHOUSE_URL\)/)
  })

  it('refuses a tenant id outside [a-z0-9_-]', async () => {
    const grant = await pulso(['tenants', 'grant', "acme'; DROP"])
    expect(grant.code).not.toBe(0)
    expect(grant.stderr).toMatch(/tenant ids are 1–64 characters/)
  })
})
