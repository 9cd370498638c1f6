// Every timestamp the API answers is ISO 8601 with its zone ("2026-11-29T16:33:19.993Z"), never
// ClickHouse's zoneless text ("2026-11-29 16:33:19.993"), which a client would read in its own
// zone. Walks the JSON of every read endpoint (and of a goal written) on a seeded demo tenant.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seedDemo } from '../ingest/simulator/seed-demo.ts'
import { openTestPulso, type TestPulso } from '../tests/helpers.ts'

const READ = 'demo-read-key'
const ADMIN = 'demo-admin-key'

let pulso: TestPulso
let from = ''
let to = ''

beforeAll(async () => {
  pulso = await openTestPulso({ PULSO_DEMO: '1' })
  // four weeks: enough for the demo's bot release (two weeks before the end) to be found behind a regression
  await seedDemo(pulso.warehouse, pulso.intake, { days: 28, conversationsPerDay: 100, timeZone: 'America/Mexico_City' })
  to = new Date().toISOString().slice(0, 10)
  from = new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10)
}, 120_000)
afterAll(async () => pulso?.cleanup())

async function json(path: string, init: { method?: string; body?: unknown; key?: string } = {}): Promise<unknown> {
  const response = await pulso.app.request(path, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${init.key ?? READ}`, 'content-type': 'application/json' },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  })
  expect(response.status, `${init.method ?? 'GET'} ${path}: ${response.status}`).toBeLessThan(300)
  return response.json()
}

/** Every string in a JSON value that starts like a date and a time, with where it was found. */
function timestampsIn(value: unknown, at = '$'): { at: string; text: string }[] {
  if (typeof value === 'string') return /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}/.test(value) ? [{ at, text: value }] : []
  if (Array.isArray(value)) return value.flatMap((item, i) => timestampsIn(item, `${at}[${i}]`))
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([key, item]) => timestampsIn(item, `${at}.${key}`))
  return []
}

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/

describe('timestamps in the API', () => {
  it('are ISO 8601 with a zone in every endpoint answer', async () => {
    const range = `from=${from}&to=${to}`
    const conversations = (await json(`/v1/conversations?${range}&limit=5`)) as { rows: { conversation_id: string }[] }
    expect(conversations.rows.length).toBeGreaterThan(0)
    const answers: Record<string, unknown> = {
      '/healthz': await json('/healthz'),
      '/v1/tenant': await json('/v1/tenant'),
      '/v1/kpis': await json(`/v1/kpis?${range}&grain=week&by=use_case`),
      '/v1/conversations': conversations,
      '/v1/conversations/:id': await json(`/v1/conversations/${conversations.rows[0]!.conversation_id}`),
      '/v1/handoffs': await json(`/v1/handoffs?${range}`),
      '/v1/goals': await json('/v1/goals'),
      '/v1/goals/:id': await json('/v1/goals/csat'),
      'POST /v1/goals': await json('/v1/goals', { method: 'POST', key: ADMIN, body: { id: 'fcr', kpi: 'fcr_rate', target: 0.8 } }),
      'PUT /v1/goals/:id': await json('/v1/goals/fcr', { method: 'PUT', key: ADMIN, body: { kpi: 'fcr_rate', target: 0.75 } }),
      '/v1/use-cases': await json('/v1/use-cases'),
      '/v1/use-cases/scorecard': await json(`/v1/use-cases/scorecard?${range}`),
      '/v1/use-cases/bot-kept-human-only': await json(`/v1/use-cases/bot-kept-human-only?${range}`),
      '/v1/regressions': await json('/v1/regressions'),
      '/v1/review': await json('/v1/review'),
      '/v1/proactive': await json(`/v1/proactive?${range}`),
      '/v1/costs': await json(`/v1/costs?${range}&grain=week&by=category`),
      '/v1/models': await json('/v1/models'),
      '/v1/sql': await json('/v1/sql?format=json', { method: 'POST', body: { sql: `SELECT conversation_id, started_at FROM fct_conversations LIMIT 3` } }),
    }
    const found = Object.entries(answers).flatMap(([endpoint, body]) => timestampsIn(body).map((t) => ({ endpoint, ...t })))
    // the walk found the timestamps there are: conversations, timelines, the bot's release, SQL results
    const endpoints = new Set(found.map((t) => t.endpoint))
    for (const endpoint of ['/v1/conversations', '/v1/conversations/:id', '/v1/use-cases/bot-kept-human-only', '/v1/regressions', '/v1/sql'])
      expect(endpoints, endpoint).toContain(endpoint)
    expect(found.filter((t) => !ISO_WITH_ZONE.test(t.text))).toEqual([])
  })
})
