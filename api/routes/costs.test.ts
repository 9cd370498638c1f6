// Events in through POST /v1/events, the cost composition out of GET /v1/costs, on real chDB.
// acme reports in USD, days cut in UTC; every expected number is computed by hand in the comments.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { event, getKpis, ndjson, openTestPulso, postEvents, TEST_KEYS, type TestPulso } from '../../tests/helpers.ts'
import { costCompositionSql } from '../../warehouse/repositories/costs.ts'

let pulso: TestPulso

const cost = (id: string, conversation: string, at: string, amount: string, component: string, more: Record<string, unknown> = {}) =>
  event({ event_id: id, conversation_id: conversation, occurred_at: at, type: 'cost', amount, currency: 'USD', component, ...more })

const events = [
  // 03-01 c1: bot-resolved; WhatsApp service 0, one LLM call 0.04.
  event({ event_id: 'c1-1', conversation_id: 'c1', occurred_at: '2024-03-01T10:00:00Z', sender: 'customer' }),
  event({ event_id: 'c1-2', conversation_id: 'c1', occurred_at: '2024-03-01T10:00:02Z', sender: 'bot' }),
  event({ event_id: 'c1-3', conversation_id: 'c1', occurred_at: '2024-03-01T10:05:00Z', type: 'resolved', resolved_by: 'bot' }),
  cost('c1-4', 'c1', '2024-03-01T10:00:00Z', '0', 'whatsapp', { category: 'service' }),
  cost('c1-5', 'c1', '2024-03-01T10:00:02Z', '0.04', 'llm'),
  // 03-01 c2: a marketing template (0.95), an LLM call (0.04), an agent paid in MXN (excluded); unresolved.
  event({ event_id: 'c2-1', conversation_id: 'c2', occurred_at: '2024-03-01T12:00:00Z', type: 'proactive_sent', template: 'promo', category: 'marketing' }),
  cost('c2-2', 'c2', '2024-03-01T12:00:00Z', '0.95', 'whatsapp', { category: 'marketing' }),
  cost('c2-3', 'c2', '2024-03-01T12:10:00Z', '0.04', 'llm'),
  cost('c2-4', 'c2', '2024-03-01T12:20:00Z', '12', 'agent', { currency: 'MXN' }),
  // 03-02 c3: resolved by an agent (3) after an LLM call (0.04).
  event({ event_id: 'c3-1', conversation_id: 'c3', occurred_at: '2024-03-02T09:00:00Z', sender: 'customer' }),
  cost('c3-2', 'c3', '2024-03-02T09:00:01Z', '0.04', 'llm'),
  cost('c3-3', 'c3', '2024-03-02T09:10:00Z', '3', 'agent'),
  event({ event_id: 'c3-4', conversation_id: 'c3', occurred_at: '2024-03-02T09:20:00Z', type: 'resolved', resolved_by: 'agent' }),
]

beforeAll(async () => {
  pulso = await openTestPulso()
  expect((await postEvents(pulso, TEST_KEYS.acmeIngest, ndjson(events))).body.accepted).toBe(events.length)
  // another tenant's costs on the same day never count for acme
  const globex = [
    event({
      tenant_id: 'globex',
      event_id: 'g1',
      conversation_id: 'c1',
      occurred_at: '2024-03-01T10:00:00Z',
      type: 'cost',
      amount: 100,
      currency: 'USD',
      component: 'llm',
    }),
  ]
  expect((await postEvents(pulso, TEST_KEYS.globexIngest, ndjson(globex))).body.accepted).toBe(1)
})
afterAll(async () => pulso?.cleanup())

async function costs(query: string) {
  const response = await pulso.app.request(`/v1/costs?${query}`, { headers: { authorization: `Bearer ${TEST_KEYS.acmeRead}` } })
  return { status: response.status, body: (await response.json()) as any }
}

describe('GET /v1/costs', () => {
  it('splits each day’s cost per conversation by component, over all the day’s conversations', async () => {
    const { status, body } = await costs('from=2024-03-01&to=2024-03-02&grain=day&by=component')
    expect(status).toBe(200)
    expect(body).toMatchObject({ tenant_id: 'acme', currency: 'USD', grain: 'day', by: 'component' })
    const row = (period: string, component: string) => body.rows.find((r: any) => r.period === period && r.component === component)
    expect(body.rows.map((r: any) => `${r.period} ${r.component}`)).toEqual([
      '2024-03-01 agent',
      '2024-03-01 llm',
      '2024-03-01 other',
      '2024-03-01 whatsapp',
      '2024-03-02 agent',
      '2024-03-02 llm',
      '2024-03-02 other',
      '2024-03-02 whatsapp',
    ])
    // 03-01: 2 conversations, 1 resolved, cost 0.95 + 0.04 + 0.04 = 1.03 (the MXN agent cost is excluded).
    // whatsapp 0.95 → 0.475 per conversation, 0.95 per resolved one, share 0.95 / 1.03.
    expect(row('2024-03-01', 'whatsapp')).toMatchObject({ conversations: 2, resolved_conversations: 1, cost: 0.95, cost_per_conversation: 0.475 })
    expect(row('2024-03-01', 'whatsapp').cost_per_resolved_conversation).toBeCloseTo(0.95, 12)
    expect(row('2024-03-01', 'whatsapp').cost_share).toBeCloseTo(0.95 / 1.03, 12)
    // llm 0.08 → 0.04 per conversation; agent 0: its only cost was in MXN, counted as excluded
    expect(row('2024-03-01', 'llm').cost_per_conversation).toBeCloseTo(0.04, 12)
    expect(row('2024-03-01', 'agent')).toMatchObject({ cost: 0, cost_per_conversation: 0, cost_share: 0, costs_in_other_currency: 1 })
    // 03-02: 1 conversation, resolved: agent 3, llm 0.04
    expect(row('2024-03-02', 'agent')).toMatchObject({
      conversations: 1,
      resolved_conversations: 1,
      cost: 3,
      cost_per_conversation: 3,
      cost_per_resolved_conversation: 3,
    })
    expect(row('2024-03-02', 'whatsapp')).toMatchObject({ cost: 0, costs_in_other_currency: 0 })
  })

  it('the parts of a period sum to the cost per conversation of /v1/kpis', async () => {
    for (const grain of ['day', 'week', 'all']) {
      const [split, kpis] = await Promise.all([
        costs(`from=2024-03-01&to=2024-03-02&grain=${grain}&by=category`),
        getKpis(pulso, TEST_KEYS.acmeRead, `from=2024-03-01&to=2024-03-02&grain=${grain}`),
      ])
      for (const kpi of kpis.body.rows) {
        const parts = split.body.rows.filter((r: any) => r.period === kpi.period)
        expect(parts.length, `${grain} ${kpi.period}`).toBe(5)
        expect(
          parts.reduce((sum: number, r: any) => sum + r.cost_per_conversation, 0),
          `${grain} ${kpi.period}`,
        ).toBeCloseTo(kpi.cost_per_conversation, 12)
      }
    }
  })

  it('splits by WhatsApp pricing category, costs without one last', async () => {
    const { body } = await costs('from=2024-03-01&to=2024-03-02&by=category')
    expect(body.grain).toBe('all')
    expect(body.rows.map((r: any) => r.category)).toEqual(['authentication', 'marketing', 'service', 'utility', null])
    // 3 conversations, 2 resolved. marketing 0.95; uncategorized: llm 3 × 0.04 + agent 3 = 3.12.
    const [, marketing, , , uncategorized] = body.rows
    expect(marketing).toMatchObject({ period: '2024-03-01', conversations: 3, resolved_conversations: 2, cost: 0.95 })
    expect(marketing.cost_per_conversation).toBeCloseTo(0.95 / 3, 12)
    expect(uncategorized.cost).toBeCloseTo(3.12, 12)
    expect(uncategorized.cost_per_conversation).toBeCloseTo(1.04, 12)
    expect(uncategorized.cost_per_resolved_conversation).toBeCloseTo(1.56, 12)
  })

  it('has no rows for a range without conversations, and refuses a split it does not know', async () => {
    expect((await costs('from=2024-04-01&to=2024-04-30')).body.rows).toEqual([])
    const bad = await costs('from=2024-03-01&to=2024-03-02&by=use_case')
    expect(bad.status).toBe(400)
    expect(bad.body.message).toContain('`by`: expected one of component, category')
  })

  it('drills into the conversations with a cost in a part', async () => {
    const list = async (flag: string) => {
      const response = await pulso.app.request(`/v1/conversations?from=2024-03-01&to=2024-03-01&flag=${flag}`, {
        headers: { authorization: `Bearer ${TEST_KEYS.acmeRead}` },
      })
      return ((await response.json()) as any).rows.map((r: any) => r.conversation_id).sort()
    }
    // 03-01: LLM calls in c1 and c2; the marketing template in c2; the agent only in MXN (no part)
    expect(await list('with_cost_llm')).toEqual(['c1', 'c2'])
    expect(await list('with_cost_marketing')).toEqual(['c2'])
    expect(await list('with_cost_uncategorized')).toEqual(['c1', 'c2'])
    expect(await list('with_cost_agent')).toEqual([])
  })

  it('reads the stored facts of one tenant and date range: both reach the sort key', async () => {
    // fct_conversations__incremental is sorted by (tenant_id, started_at, conversation_id): the
    // primary key condition must name both, or the read would cost every tenant's whole history.
    const result = await pulso.warehouse.client.query({
      query: `EXPLAIN indexes = 1 ${costCompositionSql(pulso.warehouse.database, 'component')}`,
      query_params: { tenant_id: 'acme', timezone: 'UTC', date_from: '2024-03-01', date_to: '2024-03-02', grain: 'day', by: 'component' },
      format: 'TabSeparatedRaw',
    })
    const plan = await result.text()
    const primaryKey = plan.slice(plan.indexOf('PrimaryKey'))
    expect(primaryKey).toMatch(/Keys:\s+tenant_id\s+started_at/)
  })
})
