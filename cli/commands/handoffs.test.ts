// `pulso handoffs` gives the numbers GET /v1/handoffs/agents and /queues give, for every grain, on
// the demo tenant (America/Mexico_City: days cut in its zone). The CLI runs as a user runs it, in
// its own process on the data folder; the API is then asked in this process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cliDataFolder, fillDemo } from '../../tests/cli-data-folder.ts'
import { openTestPulso } from '../../tests/helpers.ts'

const folder = cliDataFolder('handoffs-cli')
const { pulso } = folder

const cases = ['day', 'week', 'month', 'all'].flatMap((grain) => ['agent', 'queue'].map((by) => ({ grain, by })))
const cli = new Map<string, unknown>()
let range = { from: '', to: '' }

beforeAll(async () => {
  range = await fillDemo(folder)
  for (const { grain, by } of cases)
    cli.set(`${grain} ${by}`, JSON.parse(await pulso('handoffs', '--from', range.from, '--to', range.to, '--grain', grain, '--by', by, '--json')))
}, 240_000)
afterAll(() => folder.remove())

describe('pulso handoffs', () => {
  it('prints the rows GET /v1/handoffs/agents and /queues answer, for every grain', async () => {
    const api = await openTestPulso({ PULSO_DEMO: '1', PULSO_API_KEYS: '' }, folder.dataDir)
    try {
      for (const { grain, by } of cases) {
        const response = await api.app.request(`/v1/handoffs/${by}s?from=${range.from}&to=${range.to}&grain=${grain}`, {
          headers: { authorization: 'Bearer demo-read-key' },
        })
        const body = (await response.json()) as { rows: { conversations: number }[] }
        expect(response.status).toBe(200)
        expect(body.rows.length, `${grain} ${by}`).toBeGreaterThan(0)
        expect(cli.get(`${grain} ${by}`), `${grain} ${by}`).toEqual(body.rows)
      }
      // the demo's queues: pagos for rejected payments, general for the rest
      const queues = cli.get('all queue') as { queue: string | null }[]
      expect(queues.map((r) => r.queue)).toEqual(['general', 'pagos'])
    } finally {
      await api.cleanup()
    }
  })

  it('prints a table naming the grouping, and refuses an unknown one', async () => {
    const table = await pulso('handoffs', '--from', range.from, '--to', range.to, '--by', 'agent')
    expect(table).toContain('demo: after the handoff, by agent')
    expect(table).toMatch(/period\s+agent\s+agent_name\s+conversations\s+handed_off/)
    const bad = await folder.run(['handoffs', '--from', range.from, '--to', range.to, '--by', 'team'])
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toContain('`by`: expected one of agent, queue')
  })
})
