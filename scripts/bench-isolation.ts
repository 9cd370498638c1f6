// npm run bench:isolation — a noisy neighbour: while tenant beta runs six legal ~10-second SQL
// statements at once, how fast do acme's dashboard (/v1/kpis), a one-event ingest and /healthz
// answer? The same probes run without beta's statements (baseline) and with them, in alternating
// phases, and every KPI answer of the run must be the same.
//
//   npm run bench:isolation -- [--events 200000] [--days 90] [--seconds 20] [--rounds 3] [--statements 6]
//
// It generates both tenants' events (bench:scale's generator), loads them with `pulso ingest`,
// starts `pulso start` on a temporary data folder with the default limits, and stops it at the
// end. Beta's clients behave as a well-made client does: on 429 they wait for Retry-After, and at
// the end of a phase they go away mid-statement (which Pulso must stop).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import { conversationsPerDayFor, generate, TENANTS, type TenantSpec } from './bench-scale/generate.ts'
import { children, freePort, pulsoIngest, type RunningPulso, startPulso } from './bench-scale/pulso.ts'

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '200000' },
    days: { type: 'string', default: '90' },
    seconds: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '3' },
    statements: { type: 'string', default: '6' },
    keep: { type: 'boolean', default: false },
  },
})
const EVENTS = Number(values.events)
const DAYS = Number(values.days)
const PHASE_MS = Number(values.seconds) * 1000
const ROUNDS = Number(values.rounds)
const STATEMENTS = Number(values.statements)
const END = '2026-11-15'
/** The 30 days acme's dashboard asks for, per day. */
const KPIS = `/v1/kpis?from=2026-10-17&to=${END}&grain=day`
/** Legal under the default limits (30 s, 1 GiB): 261,636 rows × 40 µs ≈ 10.5 s, in blocks of ≤ 2.6 s of sleep. */
const NOISY_SQL = 'SELECT sum(sleepEachRow(0.00004)) AS slept FROM numbers(261636)'
/** Probe events go to a day outside the KPIs' range, so every KPI answer of the run stays the same. */
const PROBE_DAY = '2020-06-01'
const GOALS = { kpis: 1000, ingest: 1000, healthz: 200 }

const ACME: TenantSpec = TENANTS.find((t) => t.id === 'acme')!
const BETA: TenantSpec = { ...TENANTS.find((t) => t.id === 'borealis')!, id: 'beta', seed: 404 }
const KEYS = { acmeRead: 'acme-read-bench-key', acmeIngest: 'acme-ingest-bench-key', betaRead: 'beta-read-bench-key' }

const root = mkdtempSync(path.join(tmpdir(), 'pulso-bench-isolation-'))
const log = (message: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${message}`)
const sleep = (ms: number, signal?: AbortSignal) => delay(ms, undefined, { signal }).catch(() => undefined)

type Samples = { kpis: number[]; ingest: number[]; healthz: number[] }
type NoisyStats = { done: number; refused: number; failed: string[]; statementMs: number[] }

/** Times one request; anything but 200 is an error naming it. */
async function timed(url: string, init: RequestInit = {}): Promise<{ ms: number; text: string }> {
  const started = performance.now()
  const response = await fetch(url, init)
  const text = await response.text()
  if (response.status !== 200) throw new Error(`${init.method ?? 'GET'} ${url} answered ${response.status}: ${text.slice(0, 500)}`)
  return { ms: performance.now() - started, text }
}

/** Runs `probe` again and again, `pauseMs` apart, until `until` has passed. */
async function repeat(until: number, pauseMs: number, probe: () => Promise<void>): Promise<void> {
  while (performance.now() < until) {
    await probe()
    await sleep(pauseMs)
  }
}

let probes = 0
const kpiAnswers = new Set<string>()

/** acme's dashboard (every 250 ms), a one-event ingest (every second) and /healthz (every 200 ms), each in a loop of its own, for one phase. */
async function measure(server: RunningPulso, until: number, samples: Samples): Promise<void> {
  const read = { authorization: `Bearer ${KEYS.acmeRead}` }
  const ingest = { authorization: `Bearer ${KEYS.acmeIngest}`, 'content-type': 'application/x-ndjson' }
  await Promise.all([
    repeat(until, 250, async () => {
      const { ms, text } = await timed(`${server.url}${KPIS}`, { headers: read })
      samples.kpis.push(ms)
      kpiAnswers.add(text)
    }),
    repeat(until, 1000, async () => {
      const id = `probe-${++probes}`
      const body = JSON.stringify({
        event_id: id,
        tenant_id: 'acme',
        conversation_id: id,
        occurred_at: `${PROBE_DAY}T12:00:00Z`,
        type: 'message',
        sender: 'customer',
        customer_id: `cust-${id}`,
      })
      const { ms, text } = await timed(`${server.url}/v1/events`, { method: 'POST', headers: ingest, body })
      if (JSON.parse(text).accepted !== 1) throw new Error(`the probe event was not accepted: ${text}`)
      samples.ingest.push(ms)
    }),
    repeat(until, 200, async () => {
      samples.healthz.push((await timed(`${server.url}/healthz`)).ms)
    }),
  ])
}

/** One of beta's clients: sends the statement again and again, honours 429's Retry-After, and goes away when told. */
async function noisyClient(server: RunningPulso, stop: AbortSignal, stats: NoisyStats): Promise<void> {
  while (!stop.aborted) {
    const started = performance.now()
    try {
      const response = await fetch(`${server.url}/v1/sql`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEYS.betaRead}`, 'content-type': 'application/json' },
        body: JSON.stringify({ sql: NOISY_SQL }),
        signal: stop,
      })
      const text = await response.text()
      if (response.status === 429) {
        stats.refused++
        await sleep(Number(response.headers.get('retry-after') ?? 1) * 1000, stop)
      } else if (response.status === 200) {
        stats.done++
        stats.statementMs.push(performance.now() - started)
      } else {
        stats.failed.push(`${response.status}: ${text.slice(0, 300)}`)
        await sleep(1000, stop)
      }
    } catch (error) {
      if (!stop.aborted) throw error
    }
  }
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!
const sorted = (values: number[]) => [...values].sort((a, b) => a - b)
const ms = (value: number) => (value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(0)} ms`)

async function main(): Promise<void> {
  const file = path.join(root, 'events.ndjson')
  const configFile = path.join(root, 'pulso.config.json')
  writeFileSync(
    configFile,
    JSON.stringify({ tenants: Object.fromEntries([ACME, BETA].map((t) => [t.id, { name: t.id, timezone: t.timezone, currency: t.currency }])) }),
  )
  const env = {
    PULSO_DATA_DIR: path.join(root, 'pulso-data'),
    PULSO_CONFIG: configFile,
    PULSO_DEMO: '0',
    PULSO_HASH_KEY: 'bench-isolation-hash-key',
    PULSO_LOG_LEVEL: process.env.PULSO_LOG_LEVEL ?? 'warn',
    PULSO_API_KEYS: `acme:read:${KEYS.acmeRead},acme:ingest:${KEYS.acmeIngest},beta:read:${KEYS.betaRead}`,
  }
  log(`generating ~${EVENTS} events for each of acme and beta over ${DAYS} days ending ${END}`)
  const generated = await generate({
    file,
    tenants: [ACME, BETA],
    endDate: END,
    fromDaysBack: DAYS - 1,
    toDaysBack: 0,
    conversationsPerDay: conversationsPerDayFor(EVENTS, DAYS),
  })
  log(`  ${generated.lines} events; loading them with pulso ingest`)
  const ingested = await pulsoIngest(file, undefined, env, log)
  log(`  ${ingested.accepted} stored in ${(ingested.ms / 1000).toFixed(1)} s; starting pulso start`)
  const server = await startPulso(await freePort(), env, path.join(root, 'pulso-server.log'), log)

  const baseline: Samples = { kpis: [], ingest: [], healthz: [] }
  const noisy: Samples = { kpis: [], ingest: [], healthz: [] }
  const stats: NoisyStats = { done: 0, refused: 0, failed: [], statementMs: [] }
  // a first untimed round of each probe (the first KPI query reads cold parts)
  await measure(server, performance.now() + 2000, { kpis: [], ingest: [], healthz: [] })
  for (let round = 1; round <= ROUNDS; round++) {
    log(`round ${round}/${ROUNDS}: baseline for ${PHASE_MS / 1000} s`)
    await measure(server, performance.now() + PHASE_MS, baseline)
    log(`round ${round}/${ROUNDS}: beta sends ${STATEMENTS} statements at once for ${PHASE_MS / 1000} s`)
    const stop = new AbortController()
    const clients = Array.from({ length: STATEMENTS }, () => noisyClient(server, stop.signal, stats))
    // the statements are running before the probes start
    await sleep(1000)
    await measure(server, performance.now() + PHASE_MS, noisy)
    stop.abort()
    await Promise.all(clients)
    // beta's clients went away mid-statement; Pulso kills those before the next phase
    await sleep(3000)
    const ended = server.ended()
    if (ended) throw new Error(ended)
  }
  await server.stop()

  const row = (name: string, base: number[], loud: number[], goal: number) => {
    const b = sorted(base)
    const n = sorted(loud)
    const p95 = quantile(n, 0.95)
    return `| ${name} | ${ms(quantile(b, 0.5))} / ${ms(quantile(b, 0.95))} / ${ms(b[b.length - 1]!)} | ${ms(quantile(n, 0.5))} / ${ms(p95)} / ${ms(n[n.length - 1]!)} | p95 ≤ ${ms(goal)} | ${p95 <= goal ? 'met' : 'NOT met'} |`
  }
  console.log(
    `bench:isolation — ${generated.lines} events of acme and beta; ${ROUNDS} rounds of ${PHASE_MS / 1000} s per phase; beta: ${STATEMENTS} clients of \`${NOISY_SQL}\``,
  )
  console.log('')
  console.log("| acme's request (samples: baseline / noisy) | baseline p50 / p95 / max | beta's statements running: p50 / p95 / max | goal | |")
  console.log('|---|---|---|---|---|')
  console.log(row(`\`GET ${KPIS.split('?')[0]}\` 30 days by day (${baseline.kpis.length} / ${noisy.kpis.length})`, baseline.kpis, noisy.kpis, GOALS.kpis))
  console.log(row(`\`POST /v1/events\` one event (${baseline.ingest.length} / ${noisy.ingest.length})`, baseline.ingest, noisy.ingest, GOALS.ingest))
  console.log(row(`\`GET /healthz\` (${baseline.healthz.length} / ${noisy.healthz.length})`, baseline.healthz, noisy.healthz, GOALS.healthz))
  console.log('')
  const statement = sorted(stats.statementMs)
  console.log(
    `beta: ${stats.done} statements completed (${statement.length ? `median ${ms(quantile(statement, 0.5))} from request to answer` : 'none'}), ${stats.refused} answered 429, ${stats.failed.length} failed${stats.failed.length ? `: ${stats.failed.slice(0, 3).join('; ')}` : ''}`,
  )
  console.log(`every KPI answer of the run was the same: ${kpiAnswers.size === 1 ? 'yes' : `NO (${kpiAnswers.size} different answers)`}`)
  if (kpiAnswers.size !== 1) process.exitCode = 1
}

const cleanUp = () => {
  for (const child of children) child.kill('SIGKILL')
  if (!values.keep) rmSync(root, { recursive: true, force: true })
}
process.on('SIGINT', () => {
  cleanUp()
  process.exit(130)
})
main()
  .catch((error) => {
    console.error(error)
    process.exitCode = 1
  })
  .finally(cleanUp)
