// The `pulso` CLI as a user runs it: separate processes on one data folder, so every step
// is also a restart — data and deduplication survive it.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { event, ndjson } from '../tests/helpers.ts'
import { runPulso } from '../tests/run-pulso.ts'

const run = promisify(execFile)
const dataDir = mkdtempSync(path.join(tmpdir(), 'pulso-cli-'))
const env = { ...process.env, PULSO_DATA_DIR: dataDir, PULSO_DEMO: '0', PULSO_HASH_KEY: 'k', PULSO_LOG_LEVEL: 'silent' }
const bin = path.resolve(import.meta.dirname, '../bin/pulso.js')

async function pulso(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { env, timeout: 120_000 })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

const file = path.join(dataDir, 'events.ndjson')
writeFileSync(
  file,
  `${ndjson([
    event({ event_id: 'e1', conversation_id: 'c1', occurred_at: '2024-03-01T10:00:00Z', sender: 'customer' }),
    event({ event_id: 'e2', conversation_id: 'c1', occurred_at: '2024-03-01T10:00:03Z', sender: 'bot' }),
    event({ event_id: 'e3', conversation_id: 'c2', occurred_at: '2024-03-01T11:00:00Z', sender: 'customer' }),
    event({ event_id: 'e4', conversation_id: 'c2', occurred_at: '2024-03-01T11:00:05Z', sender: 'agent' }),
  ])}\n\n{"event_id": "bad", "tenant_id": "acme"}\n`,
)

describe('pulso CLI', () => {
  it('ingests a file and summarises what it kept and rejected', async () => {
    const result = await pulso('ingest', file)
    expect(result.stdout).toContain('4 accepted, 0 duplicates, 1 rejected (6 lines)')
    expect(result.stdout).toContain('line 6: bad: `conversation_id`: is required')
    expect(result.code).toBe(2)
  })

  it('after a restart, the same file counts as duplicates', async () => {
    const result = await pulso('ingest', file)
    expect(result.stdout).toContain('0 accepted, 4 duplicates, 1 rejected')
  })

  it('reads standard input with -, and counts its lines as a file', async () => {
    const input = `${ndjson([
      event({ event_id: 'e5', conversation_id: 'c3', occurred_at: '2024-03-02T10:00:00Z' }),
      event({ event_id: 'e1', conversation_id: 'c1', occurred_at: '2024-03-01T10:00:00Z' }),
    ])}\n{"event_id": "bad2"}\n`
    const result = await runPulso(['ingest', '-'], { env, input })
    expect(result.stdout).toContain('1 accepted, 1 duplicates, 1 rejected (3 lines)')
    expect(result.stdout).toContain('line 3: bad2:')
  })

  it('prints KPIs from the data stored by earlier processes', async () => {
    const result = await pulso('kpis', '--tenant', 'acme', '--from', '2024-03-01', '--to', '2024-03-01', '--grain', 'all', '--json')
    expect(result.code).toBe(0)
    const [row] = JSON.parse(result.stdout)
    // frt 3 and 5 → median 4
    expect(row).toMatchObject({ period: '2024-03-01', conversations: 2, frt_p50_s: 4, frt_avg_s: 4 })
    const table = await pulso('kpis', '--tenant', 'acme', '--from', '2024-03-01', '--to', '2024-03-01')
    expect(table.stdout).toMatch(/period\s+conversations\s+frt_p50_s/)
    expect(table.stdout).toMatch(/2024-03-01\s+2\s+4/)
  })

  it('runs the model tests', async () => {
    const result = await pulso('models', 'test')
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/PASS unit fct_kpis\.every_kpi_on_four_conversations/)
    expect(result.stdout).toMatch(/\d+ passed, 0 failed/)
  })

  it('explains bad arguments and has --help on every command', async () => {
    const bad = await pulso('kpis', '--from', '2024-13-01', '--to', '2024-03-01')
    expect(bad.code).toBe(1)
    expect(bad.stderr).toContain('`from`: not a calendar date')
    // days that do not exist, on every command that takes a date
    expect((await pulso('kpis', '--from', '2026-02-30', '--to', '2026-03-01')).stderr).toContain('`from`: not a calendar date: 2026-02-30 does not exist')
    expect((await pulso('goals', '--as-of', '2026-11-31')).stderr).toContain('`as_of`: not a calendar date: 2026-11-31 does not exist')
    expect((await pulso('regressions', '--as-of', '2026-04-31')).stderr).toContain('`as_of`: not a calendar date: 2026-04-31 does not exist')
    for (const args of [[], ['start'], ['ingest'], ['kpis'], ['models'], ['models', 'run'], ['models', 'test'], ['demo']]) {
      const help = await pulso(...args, '--help')
      expect(help.stdout, args.join(' ')).toMatch(/^Usage: pulso/)
    }
  })
})
