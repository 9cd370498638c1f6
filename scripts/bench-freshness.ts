// npm run bench:freshness — how long a freshly accepted event takes to show in /v1/kpis, while
// other writers stream batches into the same server. A probe posts one event that opens a new
// conversation on a fixed day, then polls /v1/kpis for that day until the count includes it.
// Reports p50/p95/max of "posted → visible" (the goal is ≤ 5 s at p95) and of the POST itself.
//
//   npm run bench:freshness -- [--probes 40] [--writers 2] [--batch 2000]
//
// It starts its own server (embedded chDB, a temporary data folder, the demo tenant) and stops it.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: { probes: { type: 'string', default: '40' }, writers: { type: 'string', default: '2' }, batch: { type: 'string', default: '2000' } },
})
const PROBES = Number(values.probes)
const WRITERS = Number(values.writers)
const BATCH = Number(values.batch)
const PORT = 18000 + Math.floor(Math.random() * 1000)
const BASE = `http://127.0.0.1:${PORT}`
const READ = { authorization: 'Bearer demo-read-key' }
const INGEST = { authorization: 'Bearer demo-ingest-key', 'content-type': 'application/x-ndjson' }
const PROBE_DAY = '2026-01-15'

const dataDir = mkdtempSync(path.join(tmpdir(), 'pulso-freshness-'))
const server = spawn(process.execPath, ['bin/pulso.js', 'start'], {
  env: { ...process.env, PULSO_DATA_DIR: dataDir, PORT: String(PORT), PULSO_DEMO_DAYS: '30', PULSO_LOG_LEVEL: 'warn' },
  stdio: ['ignore', 'inherit', 'inherit'],
})
const stop = () => {
  server.kill('SIGTERM')
  rmSync(dataDir, { recursive: true, force: true })
}
process.on('SIGINT', () => {
  stop()
  process.exit(130)
})

async function waitForServer(): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (
      await fetch(`${BASE}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return
    await new Promise((r) => setTimeout(r, 500))
  }
  throw new Error('the server did not answer /healthz within 5 minutes')
}

async function conversationsOn(day: string): Promise<number> {
  const response = await fetch(`${BASE}/v1/kpis?from=${day}&to=${day}&grain=all`, { headers: READ })
  const body = (await response.json()) as { rows: { conversations: number }[] }
  return body.rows[0]?.conversations ?? 0
}

const event = (id: string, conversation: string, at: string) =>
  JSON.stringify({
    event_id: id,
    tenant_id: 'demo',
    conversation_id: conversation,
    occurred_at: at,
    type: 'message',
    sender: 'customer',
    customer_id: `cust-${conversation}`,
  })

/** Streams batches of new conversations (on other days) until told to stop. */
async function writer(index: number, running: () => boolean): Promise<number> {
  let sent = 0
  for (let round = 0; running(); round++) {
    const lines = Array.from({ length: BATCH }, (_, i) =>
      event(`w${index}-${round}-${i}`, `w${index}-${round}-${i % 200}`, `2026-02-${String(1 + (i % 28)).padStart(2, '0')}T10:00:00Z`),
    )
    const response = await fetch(`${BASE}/v1/events`, { method: 'POST', headers: INGEST, body: lines.join('\n') })
    if (!response.ok) throw new Error(`writer ${index}: ${response.status} ${await response.text()}`)
    sent += BATCH
  }
  return sent
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!

async function main(): Promise<void> {
  console.error(`starting a server with the demo tenant on ${BASE} …`)
  await waitForServer()
  let running = true
  const writing = Array.from({ length: WRITERS }, (_, i) => writer(i, () => running))
  const visible: number[] = []
  const posts: number[] = []
  let expected = await conversationsOn(PROBE_DAY)
  for (let probe = 0; probe < PROBES; probe++) {
    const started = performance.now()
    const response = await fetch(`${BASE}/v1/events`, {
      method: 'POST',
      headers: INGEST,
      body: event(`probe-${probe}`, `probe-${probe}`, `${PROBE_DAY}T12:00:00Z`),
    })
    if (!response.ok) throw new Error(`probe ${probe}: ${response.status} ${await response.text()}`)
    posts.push(performance.now() - started)
    expected++
    while ((await conversationsOn(PROBE_DAY)) < expected) {
      if (performance.now() - started > 60_000) throw new Error(`probe ${probe} not visible after 60 s`)
      await new Promise((r) => setTimeout(r, 20))
    }
    visible.push(performance.now() - started)
  }
  running = false
  const streamed = (await Promise.all(writing)).reduce((a, b) => a + b, 0)
  const fmt = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b)
    return `p50 ${quantile(sorted, 0.5).toFixed(0)} ms, p95 ${quantile(sorted, 0.95).toFixed(0)} ms, max ${sorted[sorted.length - 1]!.toFixed(0)} ms`
  }
  console.log(`bench:freshness — ${PROBES} probes while ${WRITERS} writers streamed ${streamed} events in batches of ${BATCH}`)
  console.log(`  posted → visible in /v1/kpis: ${fmt(visible)} (goal: p95 ≤ 5 s)`)
  console.log(`  POST /v1/events of the probe: ${fmt(posts)}`)
}

main()
  .catch((error) => {
    console.error(error)
    process.exitCode = 1
  })
  .finally(stop)
