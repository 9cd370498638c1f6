// GET /v1/models: the catalog a data team (and the dashboard) reads before writing SQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openTestPulso, TEST_KEYS, type TestPulso } from '../../tests/helpers.ts'

let pulso: TestPulso

async function get(url: string, key = TEST_KEYS.acmeRead) {
  const response = await pulso.app.request(url, { headers: key ? { authorization: `Bearer ${key}` } : {} })
  return { status: response.status, body: (await response.json()) as any }
}

beforeAll(async () => {
  pulso = await openTestPulso()
})

afterAll(async () => {
  await pulso?.cleanup()
})

describe('GET /v1/models', () => {
  it('lists every model with its description, layer and materialization', async () => {
    const { status, body } = await get('/v1/models')
    expect(status).toBe(200)
    expect(body.database).toBe('pulso')
    const names = body.models.map((m: any) => m.name)
    expect(names).toEqual(expect.arrayContaining(['stg_events', 'int_conversations', 'fct_conversations', 'fct_kpis']))
    const conversations = body.models.find((m: any) => m.name === 'fct_conversations')
    expect(conversations.layer).toBe('marts')
    expect(conversations.origin).toBe('pulso')
    expect(conversations.file).toBe('dbt-like-models/marts/fct_conversations.sql')
    expect(conversations.description).not.toBe('')
    expect(body.models.find((m: any) => m.name === 'fct_kpis').materialized).toBe('parameterized view')
  })

  it('gives each column its ClickHouse type (from DESCRIBE), its description and its tests', async () => {
    const { body } = await get('/v1/models/fct_conversations')
    const column = (name: string) => body.columns.find((c: any) => c.name === name)
    expect(column('conversation_id')).toMatchObject({ type: 'String', documented: true })
    expect(column('conversation_id').description).not.toBe('')
    expect(column('conversation_id').tests).toContain('not_null')
    expect(column('started_at').type).toMatch(/^DateTime64\(3/)
    expect(body.queryable).toBe(true)
    expect(body.tests.some((t: any) => t.kind === 'data' && t.name === 'not_null' && t.column === 'conversation_id')).toBe(true)
  })

  it('describes a parameterized view through its test parameters, with its parameters typed', async () => {
    const { body } = await get('/v1/models/fct_kpis')
    expect(body.params.map((p: any) => [p.name, p.type])).toEqual(
      expect.arrayContaining([
        ['tenant_id', 'String'],
        ['date_from', 'Date'],
      ]),
    )
    expect(body.columns.find((c: any) => c.name === 'conversations').type).toMatch(/Int64/)
    expect(body.tests.some((t: any) => t.kind === 'unit' && t.name === 'every_kpi_on_four_conversations')).toBe(true)
    expect(body.describe_error).toBeUndefined()
  })

  it('shows lineage both ways, down to the sources', async () => {
    const { body } = await get('/v1/models')
    const byName = new Map(body.models.map((m: any) => [m.name, m]))
    expect((byName.get('fct_kpis') as any).depends_on.models).toContain('int_conversation_periods')
    expect((byName.get('int_conversation_periods') as any).depends_on.models).toContain('fct_conversations')
    expect((byName.get('fct_conversations') as any).referenced_by).toContain('int_conversation_periods')
    expect((byName.get('stg_events') as any).depends_on.sources).toContain('events')
    expect(body.sources.find((s: any) => s.table === 'events').referenced_by).toContain('stg_events')
  })

  it('needs a read key, and names an unknown model', async () => {
    expect((await get('/v1/models', '')).status).toBe(401)
    expect((await get('/v1/models', TEST_KEYS.acmeIngest)).status).toBe(403)
    const missing = await get('/v1/models/fct_nope')
    expect(missing.status).toBe(404)
    expect(missing.body.message).toMatch(/no model named fct_nope/)
  })
})
