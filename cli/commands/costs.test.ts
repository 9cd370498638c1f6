// `pulso costs` gives the numbers GET /v1/costs gives, for every grain and split, on the demo tenant
// (America/Mexico_City, MXN: days cut in its zone, costs in its currency). The CLI runs as a user
// runs it, in its own process on the data folder; the API is then asked in this process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cliDataFolder, fillDemo } from '../../tests/cli-data-folder.ts'
import { openTestPulso } from '../../tests/helpers.ts'

const folder = cliDataFolder('costs-cli')
const { pulso } = folder

const cases = ['day', 'week', 'month', 'all'].flatMap((grain) => ['component', 'category'].map((by) => ({ grain, by })))
const cli = new Map<string, unknown>()
let range = { from: '', to: '' }

beforeAll(async () => {
  range = await fillDemo(folder)
  for (const { grain, by } of cases)
    cli.set(`${grain} ${by}`, JSON.parse(await pulso('costs', '--from', range.from, '--to', range.to, '--grain', grain, '--by', by, '--json')))
}, 240_000)
afterAll(() => folder.remove())

describe('pulso costs', () => {
  it('prints the rows GET /v1/costs answers, for every grain and split', async () => {
    const api = await openTestPulso({ PULSO_DEMO: '1', PULSO_API_KEYS: '' }, folder.dataDir)
    try {
      for (const { grain, by } of cases) {
        const response = await api.app.request(`/v1/costs?from=${range.from}&to=${range.to}&grain=${grain}&by=${by}`, {
          headers: { authorization: 'Bearer demo-read-key' },
        })
        const body = (await response.json()) as { currency: string; rows: unknown[] }
        expect(response.status).toBe(200)
        expect(body.currency).toBe('MXN')
        expect(body.rows.length, `${grain} ${by}`).toBeGreaterThan(0)
        expect(cli.get(`${grain} ${by}`), `${grain} ${by}`).toEqual(body.rows)
      }
    } finally {
      await api.cleanup()
    }
  })

  it('prints a table naming the currency and the split, and refuses an unknown split', async () => {
    const table = await pulso('costs', '--from', range.from, '--to', range.to, '--by', 'category')
    expect(table).toContain('demo: cost in MXN, by category')
    expect(table).toMatch(/period\s+category\s+conversations\s+resolved_conversations\s+cost/)
    expect(table).toContain('(none)')
    const bad = await folder.run(['costs', '--from', range.from, '--to', range.to, '--by', 'intent'])
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toContain('`by`: expected one of component, category')
    const nobody = await folder.run(['costs', '--from', range.from, '--to', range.to, '--tenant', 'nobody'])
    expect(nobody.code).toBe(1)
    expect(nobody.stderr).toContain("unknown tenant 'nobody'")
  })
})
