// `pulso sla` gives the answer GET /v1/handoffs/sla gives, for every grain, per period and per
// queue, on the demo tenant with an SLA policy per demo queue; both read running clocks at the same
// instant (--as-of, as_of).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openTestPulso } from '../../tests/helpers.ts'
import { runPulso } from '../../tests/run-pulso.ts'

const dataDir = mkdtempSync(path.join(tmpdir(), 'pulso-sla-cli-'))
const configFile = path.join(dataDir, 'sla.config.yaml')
writeFileSync(
  configFile,
  `sla:
  demo:
    policies:
      - { queue: pagos, first_reply_minutes: 3, resolution_minutes: 20 }
      - { first_reply_minutes: 5, resolution_minutes: 1440 }
`,
)
const env = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  PULSO_DATA_DIR: dataDir,
  PULSO_LOG_LEVEL: 'silent',
  PULSO_HASH_KEY: 'k',
  PULSO_CONFIG: configFile,
}
const pulso = async (...args: string[]) => {
  const run = await runPulso(args, { env })
  if (run.code !== 0) throw new Error(`pulso ${args.join(' ')} exited ${run.code}: ${run.stderr}`)
  return run.stdout
}

const cases = ['day', 'week', 'all'].flatMap((grain) => [undefined, 'queue'].map((by) => ({ grain, by })))
const cli = new Map<string, unknown>()
const asOf = new Date().toISOString()
let range = { from: '', to: '' }

beforeAll(async () => {
  expect(await pulso('demo', '--days', '10', '--per-day', '30')).toMatch(/demo tenant filled/)
  const day = (offset: number) => new Date(Date.now() + offset * 86400_000).toISOString().slice(0, 10)
  range = { from: day(-12), to: day(-2) }
  for (const { grain, by } of cases)
    cli.set(
      `${grain} ${by}`,
      JSON.parse(await pulso('sla', '--from', range.from, '--to', range.to, '--grain', grain, ...(by ? ['--by', by] : []), '--as-of', asOf, '--json')),
    )
}, 240_000)
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

describe('pulso sla', () => {
  it('prints what GET /v1/handoffs/sla answers, for every grain, per period and per queue', async () => {
    const api = await openTestPulso({ PULSO_DEMO: '1', PULSO_API_KEYS: '', PULSO_CONFIG: configFile }, dataDir)
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
    const bad = await runPulso(['sla', '--from', range.from, '--to', range.to, '--by', 'agent'], { env })
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toContain('`by`: expected queue')
  })
})
