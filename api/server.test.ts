// `pulso start` as a user runs it: demo tenant filled once, URL, keys and the demo admin printed,
// KPIs served, and a second start on the same data folder does not duplicate the demo data.
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const dataDir = mkdtempSync(path.join(tmpdir(), 'pulso-start-'))
const bin = path.resolve(import.meta.dirname, '../bin/pulso.js')
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

async function start(): Promise<{ child: ChildProcess; url: string; stdout: () => string }> {
  const child = spawn(process.execPath, [bin, 'start'], {
    env: { ...process.env, PULSO_DATA_DIR: dataDir, PORT: '0', PULSO_LOG_LEVEL: 'warn', PULSO_API_KEYS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (err += d))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed in time; stderr: ${err}`)), 150_000)
    child.stdout!.on('data', () => {
      const match = /Pulso is running at (http:\/\/\S+)/.exec(out)
      if (match && out.includes('Demo admin')) {
        clearTimeout(timer)
        resolve(match[1]!)
      }
    })
    child.on('exit', (code) => reject(new Error(`pulso start exited with ${code}: ${err}`)))
  })
  return { child, url, stdout: () => out }
}

async function stop(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  child.kill('SIGTERM')
  return exited
}

const get = async (url: string, key = 'demo-read-key') => (await fetch(url, { headers: { authorization: `Bearer ${key}` } })).json() as Promise<any>

/** Signs in as the demo admin printed by `pulso start` and reads the tenant with the session's cookie. */
async function tenantAsDemoAdmin(url: string, printed: string): Promise<any> {
  const [, email, password] = /Demo admin, to sign in to the dashboard: (\S+) {2}password (\S+)/.exec(printed) ?? []
  const signIn = await fetch(`${url}/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  })
  expect(signIn.status).toBe(200)
  const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!
  return (await fetch(`${url}/v1/tenant`, { headers: { cookie } })).json()
}

describe('pulso start with the demo tenant', () => {
  let conversationsAfterFirstStart = 0

  it('fills the demo tenant, prints the URL and the keys, and serves its KPIs', async () => {
    const { child, url, stdout } = await start()
    try {
      expect(stdout()).toContain('ingest  demo-ingest-key')
      expect(await tenantAsDemoAdmin(url, stdout())).toMatchObject({ id: 'demo', role: 'admin' })
      const health = await get(`${url}/healthz`)
      expect(health).toMatchObject({ status: 'ok', engine: 'embedded', demo: { seeded: true, rejected: 0 }, model_tests: { failed: [] } })
      expect(health.demo.duplicates).toBeGreaterThan(0) // the simulator redelivers some events
      const today = new Date().toISOString().slice(0, 10)
      const from = new Date(Date.now() - 29 * 86400_000).toISOString().slice(0, 10)
      const kpis = await get(`${url}/v1/kpis?from=${from}&to=${today}&grain=all`)
      const [all] = kpis.rows
      expect(kpis.currency).toBe('MXN')
      expect(all.conversations).toBeGreaterThan(2000)
      // A realistic operation: every KPI has a value in a plausible range.
      expect(all.frt_p50_s).toBeGreaterThan(1)
      expect(all.frt_p50_s).toBeLessThan(10)
      expect(all.bot_resolution_rate).toBeGreaterThan(0.3)
      expect(all.escalation_rate).toBeGreaterThan(0.1)
      expect(all.handoff_context_rate).toBeGreaterThan(0.5)
      expect(all.handoff_context_rate).toBeLessThan(1)
      expect(all.csat_response_rate).toBeGreaterThan(0.2)
      expect(all.cost_per_conversation).toBeGreaterThan(0)
      expect(all.fcr_rate).toBeGreaterThan(0.3)
      // The demo's bot release v1.5.0 doubled escalations on returns.
      const byVersion = await get(`${url}/v1/kpis?from=${from}&to=${today}&grain=all&by=bot_version`)
      const versions = Object.fromEntries(byVersion.rows.map((r: any) => [r.bot_version, r]))
      expect(Object.keys(versions).sort()).toEqual(['v1.4.0', 'v1.5.0'])
      const everything = await get(`${url}/v1/kpis?from=2000-01-01&to=2100-01-01&grain=all`)
      conversationsAfterFirstStart = everything.rows[0].conversations
    } finally {
      expect(await stop(child)).toBe(0)
    }
  }, 240_000)

  it('does not duplicate the demo data on a second start, and the same demo admin signs in', async () => {
    const { child, url, stdout } = await start()
    try {
      expect(await tenantAsDemoAdmin(url, stdout())).toMatchObject({ id: 'demo', role: 'admin' })
      const health = await get(`${url}/healthz`)
      expect(health.demo).toMatchObject({ seeded: false })
      const everything = await get(`${url}/v1/kpis?from=2000-01-01&to=2100-01-01&grain=all`)
      expect(conversationsAfterFirstStart).toBeGreaterThan(0)
      expect(everything.rows[0].conversations).toBe(conversationsAfterFirstStart)
    } finally {
      expect(await stop(child)).toBe(0)
    }
  }, 240_000)
})
