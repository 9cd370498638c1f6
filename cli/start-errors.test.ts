// What a user reads when a command cannot start: one line that says why and what to do, no stack
// trace and no raw engine error. A server holds a data folder; a CLI command on the same folder,
// a second server on it, and a server on its port are each refused in one line.
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const work = mkdtempSync(path.join(tmpdir(), 'pulso-start-errors-'))
const held = path.join(work, 'held')
const bin = path.resolve(import.meta.dirname, '../bin/pulso.js')
const baseEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? work, PULSO_DEMO: '0', PULSO_HASH_KEY: 'k', PULSO_LOG_LEVEL: 'warn' }

const INGEST_KEY = 'start-errors-ingest-key'

let server: ChildProcess
let port = 0

async function pulso(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { env: { ...baseEnv, ...env }, timeout: 120_000 })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

beforeAll(async () => {
  server = spawn(process.execPath, [bin, 'start'], {
    env: { ...baseEnv, PULSO_DATA_DIR: held, PORT: '0', PULSO_API_KEYS: `acme:ingest:${INGEST_KEY}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  server.stderr!.on('data', (d) => (err += d))
  port = await new Promise<number>((resolve, reject) => {
    server.stdout!.on('data', (d) => {
      out += d
      const match = /Pulso is running at http:\/\/localhost:(\d+)/.exec(out)
      if (match) resolve(Number(match[1]))
    })
    server.once('exit', (code) => reject(new Error(`pulso start exited with ${code}: ${err}`)))
  })
})

afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server.once('exit', resolve))
    server.kill('SIGTERM')
    await exited
  }
  rmSync(work, { recursive: true, force: true })
})

/** The one line a refused command printed, checked for what must never be in it. */
function oneLine(result: { code: number; stderr: string }): string {
  expect(result.code).toBe(1)
  const lines = result.stderr.trim().split('\n')
  expect(lines, result.stderr).toHaveLength(1)
  expect(result.stderr).not.toMatch(/Cannot lock file|DB::Exception|\n\s+at /)
  return lines[0]!
}

describe('a data folder held by a running server', () => {
  it('a CLI command on it says so, names the server, and points to the API', async () => {
    const line = oneLine(await pulso({ PULSO_DATA_DIR: held }, 'kpis', '--from', '2024-03-01', '--to', '2024-03-02'))
    expect(line).toBe(
      `pulso: the data folder ${held} is in use by another Pulso process (pid ${server.pid}): embedded ClickHouse lets one process at a time use a data folder; ask the running server instead (GET /v1/kpis with a read key; see README), or stop it first`,
    )
  })

  it('pulso ingest on it suggests --url', async () => {
    const file = path.join(work, 'events.ndjson')
    writeFileSync(file, '{}\n')
    const line = oneLine(await pulso({ PULSO_DATA_DIR: held }, 'ingest', file))
    expect(line).toMatch(
      /is in use by another Pulso process \(pid \d+\).*; send the file to the running server instead: pulso ingest FILE --url http:\/\/localhost:8080 --key INGEST_KEY/,
    )
  })

  it('pulso ingest --url streams the file to the server, which loads it and answers the summary', async () => {
    const file = path.join(work, 'sent.ndjson')
    const events = [
      { event_id: 'u1', tenant_id: 'acme', conversation_id: 'u-c1', occurred_at: '2024-03-01T10:00:00Z', type: 'message', sender: 'customer' },
      { event_id: 'u2', tenant_id: 'acme', conversation_id: 'u-c1', occurred_at: '2024-03-01T10:00:04Z', type: 'message', sender: 'bot' },
    ]
    writeFileSync(file, `${events.map((e) => JSON.stringify(e)).join('\n')}\n{"event_id": "u3"}\n`)
    const result = await pulso({}, 'ingest', file, '--url', `http://localhost:${port}`, '--key', INGEST_KEY)
    expect(result.stdout).toContain('2 accepted, 0 duplicates, 1 rejected (3 lines)')
    expect(result.stdout).toContain('line 3: u3:')
    expect(result.code).toBe(2)
    const again = await pulso({}, 'ingest', file, '--url', `http://localhost:${port}`, '--key', INGEST_KEY)
    expect(again.stdout).toContain('0 accepted, 2 duplicates, 1 rejected')
    // the key's tenant is the one the server takes: --tenant says nothing more, and is refused
    expect(oneLine(await pulso({}, 'ingest', file, '--url', `http://localhost:${port}`, '--key', INGEST_KEY, '--tenant', 'acme'))).toBe(
      "pulso: --tenant does not apply with --url: the server takes the events of its API key's tenant only",
    )
  })

  it('a second server on it asks whether Pulso is already running', async () => {
    const line = oneLine(await pulso({ PULSO_DATA_DIR: held, PORT: '0' }, 'start'))
    expect(line).toMatch(/is in use by another Pulso process \(pid \d+\).*; is Pulso already running\? Stop it, or give this one another PULSO_DATA_DIR$/)
  })
})

describe('a port already in use', () => {
  it('stops pulso start in one line, before it touches its data folder', async () => {
    const other = path.join(work, 'other')
    const line = oneLine(await pulso({ PULSO_DATA_DIR: other, PORT: String(port) }, 'start'))
    expect(line).toBe(`pulso: port ${port} is already in use by another process (another Pulso?): stop it, or set PORT to a free port (PORT=0 picks one)`)
    expect(existsSync(path.join(other, 'clickhouse'))).toBe(false)
  })
})
