// `pulso kpis` and GET /v1/kpis are one code path: the demo tenant's numbers (its days cut in
// America/Mexico_City) are the same from both, for every grain and segment, provisional marks
// included; and a tenant nobody configured is an error, not an empty table.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GRAINS, SEGMENTS } from '../definitions/kpis.ts'
import { addDays, todayIn } from '../domain/dates.ts'
import { openTestPulso } from '../tests/helpers.ts'
import { runPulso } from '../tests/run-pulso.ts'

const dataDir = mkdtempSync(path.join(tmpdir(), 'pulso-kpis-cli-'))
const env = { PATH: process.env.PATH, PULSO_DATA_DIR: dataDir, PULSO_HASH_KEY: 'k', PULSO_LOG_LEVEL: 'silent' }
const to = todayIn('America/Mexico_City')
const from = addDays(to, -9)
const shapes = GRAINS.flatMap((grain) => [undefined, ...SEGMENTS].map((by) => ({ grain, by })))
const fromApi = new Map<string, unknown>()
// sums of floats differ in the last bits with the order ClickHouse's threads add them in
const rounded = (rows: unknown) => JSON.parse(JSON.stringify(rows, (_, v) => (typeof v === 'number' ? Number(v.toPrecision(12)) : v)))
const key = (s: { grain: string; by?: string }) => `${s.grain}|${s.by ?? ''}`

beforeAll(async () => {
  const seeded = await runPulso(['demo', '--days', '10', '--per-day', '15'], { env })
  expect(seeded.code, seeded.stderr).toBe(0)
  // the API of a server on the same folder, in this process; closed before the CLI runs (one process per folder)
  const pulso = await openTestPulso({ PULSO_DEMO: '1' }, dataDir)
  try {
    for (const shape of shapes) {
      const query = `from=${from}&to=${to}&grain=${shape.grain}${shape.by ? `&by=${shape.by}` : ''}`
      const response = await pulso.app.request(`/v1/kpis?${query}`, { headers: { authorization: 'Bearer demo-read-key' } })
      expect(response.status).toBe(200)
      fromApi.set(key(shape), (await response.json()).rows)
    }
  } finally {
    await pulso.cleanup()
  }
}, 120_000)
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

describe('pulso kpis', () => {
  it('prints the rows of GET /v1/kpis for every grain and segment of the demo tenant', async () => {
    for (const shape of shapes) {
      const run = await runPulso(['kpis', '--from', from, '--to', to, '--grain', shape.grain, ...(shape.by ? ['--by', shape.by] : []), '--json'], { env })
      expect(run.code, run.stderr).toBe(0)
      expect(rounded(JSON.parse(run.stdout)), key(shape)).toEqual(rounded(fromApi.get(key(shape))))
    }
    // the demo has conversations in the range, so the comparison compares numbers
    expect((fromApi.get('all|') as { conversations: number }[])[0]!.conversations).toBeGreaterThan(0)
  }, 180_000)

  it('marks provisional values in its table', async () => {
    const run = await runPulso(['kpis', '--from', from, '--to', to, '--grain', 'all'], { env })
    expect(run.stdout).toMatch(/\d\.\d{3}\*/)
    expect(run.stdout).toContain('* provisional: can still change (fcr_rate waits 7 days after a period)')
  })

  it('refuses a tenant nobody configured, naming it and the known ones', async () => {
    const run = await runPulso(['kpis', '--from', from, '--to', to, '--tenant', 'nobody'], { env })
    expect(run.code).toBe(1)
    expect(run.stderr).toContain("unknown tenant 'nobody'")
    expect(run.stderr).toContain('known: demo')
    expect(run.stdout).toBe('')
  })
})
