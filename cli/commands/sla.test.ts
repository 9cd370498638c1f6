// `pulso sla` gives the answer GET /v1/handoffs/sla gives, for every grain, per period and per
// queue, on the demo tenant with an SLA policy per demo queue; both read running clocks at the same
// instant (--as-of, as_of).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cliDataFolder, fillDemo, utcDayFromToday } from '../../tests/cli-data-folder.ts'
import { openTestPulso, writeTestConfig } from '../../tests/helpers.ts'

const configFile = writeTestConfig(
  `sla:
  demo:
    policies:
      - { queue: pagos, first_reply_minutes: 3, resolution_minutes: 20 }
      - { first_reply_minutes: 5, resolution_minutes: 1440 }
`,
)
const folder = cliDataFolder('sla-cli', { PULSO_CONFIG: configFile })
const { pulso } = folder

const cases = ['day', 'week', 'all'].flatMap((grain) => [undefined, 'queue'].map((by) => ({ grain, by })))
const cli = new Map<string, unknown>()
const asOf = new Date().toISOString()
let range = { from: '', to: '' }

beforeAll(async () => {
  await fillDemo(folder)
  range = { from: utcDayFromToday(-12), to: utcDayFromToday(-2) }
  for (const { grain, by } of cases)
    cli.set(
      `${grain} ${by}`,
      JSON.parse(await pulso('sla', '--from', range.from, '--to', range.to, '--grain', grain, ...(by ? ['--by', by] : []), '--as-of', asOf, '--json')),
    )
}, 240_000)
afterAll(() => folder.remove())

describe('pulso sla', () => {
  it('prints what GET /v1/handoffs/sla answers, for every grain, per period and per queue', async () => {
    const api = await openTestPulso({ PULSO_DEMO: '1', PULSO_API_KEYS: '', PULSO_CONFIG: configFile }, folder.dataDir)
    try {
      for (const { grain, by } of cases) {
        const response = await api.app.request(`/v1/handoffs/sla?from=${range.from}&to=${range.to}&grain=${grain}${by ? `&by=${by}` : ''}&as_of=${asOf}`, {
          headers: { authorization: 'Bearer demo-read-key' },
        })
        const body = (await response.json()) as { as_of: string; rows: { conversations: number }[]; breached: { total: number } }
        expect(response.status).toBe(200)
        expect(
          body.rows.reduce((n, r) => n + r.conversations, 0),
          `${grain} ${by}`,
        ).toBeGreaterThan(0)
        expect(body.breached.total).toBeGreaterThan(0)
        expect(body.as_of).toBe(asOf)
        expect(cli.get(`${grain} ${by}`), `${grain} ${by}`).toEqual(body)
      }
    } finally {
      await api.cleanup()
    }
  })

  it('prints tables of the periods and the breached conversations', async () => {
    const table = await pulso('sla', '--from', range.from, '--to', range.to, '--by', 'queue', '--limit', '3')
    expect(table).toMatch(/period\s+queue\s+conversations\s+met\s+breached\s+pending/)
    expect(table).toMatch(/breached: \d+/)
    expect(table).toMatch(/conversation_id\s+started_on\s+queue\s+first_reply\s+resolution/)
    const bad = await folder.run(['sla', '--from', range.from, '--to', range.to, '--by', 'agent'])
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toContain('`by`: expected queue')
  })
})
