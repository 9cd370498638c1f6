// `npm run bench:scale`: Pulso against a plain PostgreSQL 15 on the same data, through Pulso's public
// interfaces only (the `pulso` CLI and the HTTP API). Generates contract-v1 NDJSON like a real
// WhatsApp operation (scripts/bench-scale/generate.ts) for the measured tenant and two others of the
// same size, loads it into a PostgreSQL started here (scripts/bench-scale/postgres.ts) and into
// Pulso with `pulso ingest`, starts `pulso start`, checks that Pulso's KPIs equal PostgreSQL's
// (relative 1e-9; a difference fails the run), then times each question interleaved, Pulso then
// PostgreSQL, and prints medians, p95 and ratios. Results go to bench-results/ as JSON.
//
//   npm run bench:scale                          # 1M events of the measured tenant (3M in the file), 5 runs
//   npm run bench:scale -- --events 10000000     # 10M
//   npm run bench:scale -- --runs 9 --batch 20000   # pulso ingest --batch (default: Pulso's own)
//   npm run bench:scale -- --history-test        # then 10× more older history: 30-day latency long/short
//   npm run bench:scale -- --keep                # keep the temporary folder (data, logs) for a look
//   npm run bench:scale -- --events 10000000 --load-only   # only the loading of both, and its ratio
//   npm run bench:scale -- --http                # also load the file through POST /v1/events/bulk
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir, totalmem } from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { KPI_FIELDS } from '../definitions/kpis.ts'
import { conversationsPerDayFor, type GenerateSummary, generate, TENANTS, USE_CASES } from './bench-scale/generate.ts'
import {
  appendPostgres,
  ESCALATION_BY_INTENT_PULSO_SQL,
  ESCALATION_BY_INTENT_SQL,
  KPI_SQL,
  loadPostgres,
  type RunningPostgres,
  startPostgres,
} from './bench-scale/postgres.ts'
import { api, children, freePort, memoryMb, postBulk, pulsoIngest, REPO_ROOT, type RunningPulso, splitByTenant, startPulso } from './bench-scale/pulso.ts'

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '5' },
    batch: { type: 'string' },
    days: { type: 'string', default: '180' },
    'end-date': { type: 'string', default: '2026-11-15' },
    'history-test': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    'load-only': { type: 'boolean', default: false },
    http: { type: 'boolean', default: false },
  },
})
const EVENTS = Number(args.events)
const RUNS = Number(args.runs)
/** `pulso ingest --batch`; unset: Pulso's own default. */
const BATCH = args.batch === undefined ? undefined : Number(args.batch)
const DAYS = Number(args.days)
const END = args['end-date']
if (![EVENTS, RUNS, BATCH ?? 1, DAYS].every((n) => Number.isInteger(n) && n > 0) || !/^\d{4}-\d{2}-\d{2}$/.test(END) || RUNS < 1 || DAYS < 31) {
  console.error(
    'usage: bench:scale [--events N] [--runs N≥1] [--batch N] [--days N≥31] [--end-date YYYY-MM-DD] [--history-test] [--load-only] [--http] [--keep]',
  )
  process.exit(64)
}
const MEASURED = TENANTS[0]!
const READ_KEY = (tenant: string) => `${tenant}-bench-read-key`
const TOLERANCE = 1e-9

const log = (message: string) => console.error(`[bench:scale ${new Date().toISOString().slice(11, 19)}] ${message}`)
const addDays = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10)
function isoWeek(date: string): string {
  const d = new Date(`${date}T00:00:00Z`)
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7) + 3) // the Thursday of its week names the year
  const week = 1 + Math.floor((d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000 / 7)
  return `${d.getUTCFullYear()}-W${String(week).padStart(2, '0')}`
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}
/** Nearest-rank p95 (with 5 runs: the slowest). */
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.ceil(0.95 * xs.length) - 1]!
const fmtMs = (ms: number) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 1 : 0)} ms`)
const fmtInt = (n: number) => Math.round(n).toLocaleString('en')

// ---- cleanup on every way out ---------------------------------------------------------------
const root = mkdtempSync(path.join(tmpdir(), 'pulso-bench-scale-'))
let postgres: RunningPostgres | undefined
let server: RunningPulso | undefined
let cleaned = false
async function cleanup() {
  if (cleaned) return
  cleaned = true
  await server?.stop().catch(() => undefined)
  for (const child of children) child.kill('SIGKILL')
  await postgres?.client.end().catch(() => undefined)
  postgres?.stop()
  if (args.keep) log(`kept ${root}`)
  else rmSync(root, { recursive: true, force: true })
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping Pulso and PostgreSQL, removing ${root}`)
    void cleanup().finally(() => process.exit(130))
  })
}

// ---- comparisons --------------------------------------------------------------------------
type Row = Record<string, unknown>

function sameNumber(a: unknown, b: unknown): boolean {
  if (a === null || a === undefined || b === null || b === undefined) return (a ?? null) === (b ?? null)
  const x = Number(a)
  const y = Number(b)
  if (!Number.isFinite(x) || !Number.isFinite(y)) return false
  return Math.abs(x - y) <= TOLERANCE * Math.max(Math.abs(x), Math.abs(y)) || Math.abs(x - y) < 1e-12
}

/** Differences between rows keyed by `keys`, each field compared with sameNumber (empty = equal). */
function compareRows(
  name: string,
  left: Row[],
  right: Row[],
  keyOf: (r: Row) => string,
  fields: readonly string[],
  leftName: string,
  rightName: string,
): string[] {
  const diffs: string[] = []
  const rightByKey = new Map(right.map((r) => [keyOf(r), r]))
  const leftKeys = new Set<string>()
  for (const l of left) {
    const key = keyOf(l)
    leftKeys.add(key)
    const r = rightByKey.get(key)
    if (!r) {
      diffs.push(`${name} ${key}: only in ${leftName}`)
      continue
    }
    for (const f of fields) if (!sameNumber(l[f], r[f])) diffs.push(`${name} ${key} ${f}: ${leftName} ${l[f]} ≠ ${rightName} ${r[f]}`)
  }
  for (const key of rightByKey.keys()) if (!leftKeys.has(key)) diffs.push(`${name} ${key}: only in ${rightName}`)
  return diffs
}

// ---- the run ------------------------------------------------------------------------------
type Shape = { name: string; from: string; to: string; grain: string; by?: string }
type Timing = { question: string; pulso: number[]; postgres?: number[] }

async function main() {
  const results: Record<string, unknown> = {
    bench: 'bench:scale',
    date: new Date().toISOString(),
    commit: await gitHead(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memory_gb: Math.round(totalmem() / 2 ** 30) },
    options: {
      events_per_tenant: EVENTS,
      tenants: TENANTS.map((t) => t.id),
      measured_tenant: MEASURED.id,
      days: DAYS,
      end_date: END,
      runs: RUNS,
      batch: BATCH,
    },
  }
  const failures: string[] = []
  const file = path.join(root, 'events.ndjson')
  const configFile = path.join(root, 'pulso.config.json')
  const dataDir = path.join(root, 'pulso-data')
  writeFileSync(configFile, JSON.stringify(pulsoConfig(), null, 2))
  const pulsoEnv = {
    PULSO_DATA_DIR: dataDir,
    PULSO_CONFIG: configFile,
    PULSO_DEMO: '0',
    PULSO_HASH_KEY: 'bench-scale-hash-key',
    PULSO_LOG_LEVEL: process.env.PULSO_LOG_LEVEL ?? 'warn',
  }
  const perDay = conversationsPerDayFor(EVENTS, DAYS)

  // 1. the data
  log(`generating ~${fmtInt(EVENTS)} events for each of ${TENANTS.length} tenants over ${DAYS} days ending ${END} into ${file}`)
  const t = performance.now()
  let lastProgress = 0
  const generated = await generate({
    file,
    tenants: TENANTS,
    endDate: END,
    fromDaysBack: DAYS - 1,
    toDaysBack: 0,
    conversationsPerDay: perDay,
    onProgress: (done, total, lines) => {
      if (performance.now() - lastProgress > 15_000) {
        lastProgress = performance.now()
        log(`  day ${done}/${total}, ${fmtInt(lines)} events`)
      }
    },
  })
  log(
    `  ${fmtInt(generated.lines)} events (${fmtInt(generated.duplicates)} repeated event_ids), ${fmtInt(generated.conversations)} conversations, ${(generated.bytes / 2 ** 20).toFixed(0)} MB in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  )
  results.data = { ...generated, measured_tenant_events: generated.byTenant[MEASURED.id] }

  // 2. PostgreSQL
  postgres = await startPostgres(root, await freePort(), log)
  log(`loading ${file} into PostgreSQL (COPY → typed INSERT → indexes → ANALYZE)`)
  const pgLoad = await loadPostgres(postgres.client, file, TENANTS, log)
  const pgRate = generated.lines / (pgLoad.totalMs / 1000)
  log(`  PostgreSQL: ${fmtInt(pgLoad.rows)} events stored in ${(pgLoad.totalMs / 1000).toFixed(1)} s = ${fmtInt(pgRate)} events/s`)

  // 3. Pulso
  log(`loading ${file} into Pulso: pulso ingest${BATCH ? ` --batch ${BATCH}` : ''} (embedded chDB, fresh data folder)`)
  const ingest = await pulsoIngest(file, BATCH, pulsoEnv, log)
  const pulsoRate = generated.lines / (ingest.ms / 1000)
  log(
    `  Pulso: ${fmtInt(ingest.accepted)} accepted, ${fmtInt(ingest.duplicates)} duplicates, ${ingest.rejected} rejected in ${(ingest.ms / 1000).toFixed(1)} s = ${fmtInt(pulsoRate)} events/s, peak RSS ${ingest.peakRssMb} MB`,
  )
  if (ingest.rejected > 0) failures.push(`pulso ingest rejected ${ingest.rejected} events:\n${ingest.output}`)
  if (ingest.accepted !== pgLoad.rows) failures.push(`Pulso stored ${ingest.accepted} events, PostgreSQL ${pgLoad.rows}`)
  results.load = {
    postgres: {
      ms: Math.round(pgLoad.totalMs),
      events_per_s: Math.round(pgRate),
      copy_ms: Math.round(pgLoad.copyMs),
      insert_ms: Math.round(pgLoad.insertMs),
      index_ms: Math.round(pgLoad.indexMs),
      analyze_ms: Math.round(pgLoad.analyzeMs),
      rows: pgLoad.rows,
    },
    pulso: {
      ms: Math.round(ingest.ms),
      events_per_s: Math.round(pulsoRate),
      accepted: ingest.accepted,
      duplicates: ingest.duplicates,
      rejected: ingest.rejected,
      peak_rss_mb: ingest.peakRssMb,
    },
    ratio_pulso_over_postgres: pulsoRate / pgRate,
  }

  log(`  load ratio Pulso / PostgreSQL: ${(pulsoRate / pgRate).toFixed(2)}× (goal ≥ 1.5 and ≥ 75,000 events/s)`)
  if (args.http) {
    const http = await loadOverHttp(file, root, pulsoEnv, generated.lines)
    if (http.accepted !== pgLoad.rows) failures.push(`POST /v1/events/bulk stored ${http.accepted} events, PostgreSQL ${pgLoad.rows}`)
    if (http.rejected > 0) failures.push(`POST /v1/events/bulk rejected ${http.rejected} events`)
    const httpRate = generated.lines / (http.ms / 1000)
    log(`  load ratio POST /v1/events/bulk / PostgreSQL: ${(httpRate / pgRate).toFixed(2)}× (goal ≥ 1.5)`)
    Object.assign(results.load as object, { http: { ...http, events_per_s: Math.round(httpRate), ratio_over_postgres: httpRate / pgRate } })
  }

  if (args['load-only']) {
    writeResults(results, failures, `load-only ${fmtInt(pgLoad.rows)} events: PostgreSQL ${fmtInt(pgRate)}/s, Pulso ${fmtInt(pulsoRate)}/s`)
    return
  }

  // 4. the server
  server = await startPulso(
    await freePort(),
    { ...pulsoEnv, PULSO_API_KEYS: TENANTS.map((x) => `${x.id}:read:${READ_KEY(x.id)}`).join(',') },
    path.join(root, 'pulso-server.log'),
    log,
  )
  const startRss = memoryMb(server.pid, 'VmRSS')
  log(`  pulso start: /healthz answered after ${(server.startMs / 1000).toFixed(1)} s, RSS ${startRss} MB (peak ${memoryMb(server.pid, 'VmHWM')} MB)`)
  results.server = { start_ms: Math.round(server.startMs), rss_after_start_mb: startRss, peak_rss_after_start_mb: memoryMb(server.pid, 'VmHWM') }

  // 5. correctness, then interleaved timings
  const shapes: Shape[] = [
    { name: '30 days, grain=day', from: addDays(END, -29), to: END, grain: 'day' },
    { name: '30 days, grain=all', from: addDays(END, -29), to: END, grain: 'all' },
    { name: `${DAYS} days, grain=week&by=use_case`, from: addDays(END, -(DAYS - 1)), to: END, grain: 'week', by: 'use_case' },
  ]
  const key = READ_KEY(MEASURED.id)
  const kpiPath = (s: Shape) => `/v1/kpis?from=${s.from}&to=${s.to}&grain=${s.grain}${s.by ? `&by=${s.by}` : ''}`
  const pulsoKpis = async (s: Shape) => {
    const r = await api<{ rows: Row[] }>(server!.url, key, kpiPath(s))
    return { ms: r.ms, rows: r.body.rows }
  }
  const pgKpis = async (s: Shape) => {
    const started = performance.now()
    const r = await postgres!.client.query(KPI_SQL, [MEASURED.id, s.from, s.to, s.grain, s.by ?? ''])
    return { ms: performance.now() - started, rows: r.rows as Row[] }
  }
  const segmentKey = (by?: string) => (r: Row) => `${r.period}${by ? ` ${by}=${String(r[by] ?? r.segment ?? 'null')}` : ''}`
  const toSegmentRows = (rows: Row[], by?: string) => (by ? rows.map((r) => ({ ...r, [by]: r.segment })) : rows)
  const correctness: Record<string, unknown> = {}
  const timings: Timing[] = []
  const shortKpis = new Map<string, Row[]>()
  for (const s of shapes) {
    log(`${s.name}: ${kpiPath(s)} — comparing with PostgreSQL, then ${RUNS} interleaved runs each`)
    const p = await pulsoKpis(s)
    const q = await pgKpis(s)
    const pulsoRows = p.rows.filter((r) => Number(r.conversations) > 0)
    shortKpis.set(s.name, pulsoRows)
    const diffs = compareRows(s.name, pulsoRows, toSegmentRows(q.rows, s.by), segmentKey(s.by), KPI_FIELDS, 'Pulso', 'PostgreSQL')
    correctness[s.name] = { rows: pulsoRows.length, equal: diffs.length === 0, differences: diffs.slice(0, 50) }
    if (diffs.length) failures.push(`${s.name}: ${diffs.length} differences between Pulso and PostgreSQL:\n  ${diffs.slice(0, 15).join('\n  ')}`)
    else log(`  equal: ${pulsoRows.length} rows × ${KPI_FIELDS.length} KPIs (first runs: Pulso ${fmtMs(p.ms)}, PostgreSQL ${fmtMs(q.ms)})`)
    const timing: Timing = { question: `/v1/kpis ${s.name}`, pulso: [], postgres: [] }
    for (let run = 0; run < RUNS; run++) {
      timing.pulso.push((await pulsoKpis(s)).ms)
      timing.postgres!.push((await pgKpis(s)).ms)
    }
    log(`  Pulso median ${fmtMs(median(timing.pulso))}, PostgreSQL median ${fmtMs(median(timing.postgres!))}`)
    timings.push(timing)
  }

  // the data team's question: escalation rate by intent and bot version over every conversation
  {
    log('data-team SQL: escalation rate by intent and bot_version over fct_conversations (POST /v1/sql) and the same in PostgreSQL')
    const pulsoSql = async () => {
      const r = await api<{ data: Row[] }>(server!.url, key, '/v1/sql', { sql: ESCALATION_BY_INTENT_PULSO_SQL, format: 'json' })
      return { ms: r.ms, rows: r.body.data }
    }
    const pgSql = async () => {
      const started = performance.now()
      const r = await postgres!.client.query(ESCALATION_BY_INTENT_SQL, [MEASURED.id])
      return { ms: performance.now() - started, rows: r.rows as Row[] }
    }
    const timing: Timing = { question: 'POST /v1/sql escalation by intent × bot_version', pulso: [], postgres: [] }
    try {
      const p = await pulsoSql()
      const q = await pgSql()
      const diffs = compareRows(
        'sql',
        p.rows,
        q.rows,
        (r) => `${r.intent ?? 'null'}/${r.bot_version ?? 'null'}`,
        ['conversations', 'escalation_rate'],
        'Pulso',
        'PostgreSQL',
      )
      correctness['data-team SQL'] = { rows: p.rows.length, equal: diffs.length === 0, differences: diffs.slice(0, 50) }
      if (diffs.length) failures.push(`data-team SQL: ${diffs.length} differences:\n  ${diffs.slice(0, 15).join('\n  ')}`)
      else log(`  equal: ${p.rows.length} rows (first runs: Pulso ${fmtMs(p.ms)}, PostgreSQL ${fmtMs(q.ms)})`)
      for (let run = 0; run < RUNS; run++) {
        timing.pulso.push((await pulsoSql()).ms)
        timing.postgres!.push((await pgSql()).ms)
      }
      timings.push(timing)
    } catch (error) {
      failures.push(`data-team SQL through /v1/sql failed: ${(error as Error).message}${serverEnded()}`)
      correctness['data-team SQL'] = { error: (error as Error).message }
    }
  }

  // the other read endpoints, Pulso only (PostgreSQL has no equivalent of the operating loop)
  const reviewWeek = isoWeek(addDays(END, -7))
  const endpoints = [
    { question: 'GET /v1/goals', path: `/v1/goals?as_of=${END}` },
    { question: `GET /v1/review?week=${reviewWeek}`, path: `/v1/review?week=${reviewWeek}` },
    { question: 'GET /v1/regressions', path: `/v1/regressions?as_of=${END}` },
    { question: 'GET /v1/conversations?flag=escalated (30 days)', path: `/v1/conversations?from=${addDays(END, -29)}&to=${END}&flag=escalated` },
    { question: 'GET /v1/proactive (30 days)', path: `/v1/proactive?from=${addDays(END, -29)}&to=${END}` },
  ]
  for (const e of endpoints) {
    log(`${e.question}: ${e.path}`)
    const timing: Timing = { question: e.question, pulso: [] }
    try {
      await api(server.url, key, e.path)
      for (let run = 0; run < RUNS; run++) timing.pulso.push((await api(server.url, key, e.path)).ms)
      log(`  median ${fmtMs(median(timing.pulso))}`)
      timings.push(timing)
    } catch (error) {
      failures.push(`${e.question} failed: ${(error as Error).message}${serverEnded()}`)
    }
  }
  ;(results.server as Record<string, unknown>).peak_rss_mb = memoryMb(server.pid, 'VmHWM')
  ;(results.server as Record<string, unknown>).rss_end_mb = memoryMb(server.pid, 'VmRSS')
  results.correctness = correctness
  results.timings = timings.map(summarize)
  await server.stop()
  server = undefined

  // 6. the history test: the same last 30 days after 10× more older history
  if (args['history-test']) {
    results.history_test = await historyTest({
      perDay,
      pulsoEnv,
      short: timings[0]!,
      shortRows: shortKpis.get(shapes[0]!.name)!,
      shape: shapes[0]!,
      failures,
      summary: generated,
    })
  }

  // 7. report
  const table = report(results, timings)
  console.log(table)
  writeResults(results, failures, table)
}

/** Writes the results to bench-results/ and fails the run (exit 1) when anything differed. */
function writeResults(results: Record<string, unknown>, failures: string[], table: string): void {
  mkdirSync(path.join(REPO_ROOT, 'bench-results'), { recursive: true })
  const out = path.join(REPO_ROOT, 'bench-results', `bench-scale-${EVENTS}-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}.json`)
  results.failures = failures
  results.table = table
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`)
  log(`results written to ${path.relative(REPO_ROOT, out)}`)
  if (failures.length) {
    console.error(`\n${'='.repeat(72)}\nFAIL: ${failures.length} problem(s)\n${failures.join('\n')}\n${'='.repeat(72)}`)
    process.exitCode = 1
  }
}

/** Why requests fail when the server is gone: how it ended, and its log's tail. */
function serverEnded(): string {
  const ended = server?.ended()
  return ended ? ` — ${ended}` : ''
}

function summarize(t: Timing) {
  return {
    question: t.question,
    pulso_ms: t.pulso.map((x) => Math.round(x * 10) / 10),
    pulso_median_ms: median(t.pulso),
    pulso_p95_ms: p95(t.pulso),
    ...(t.postgres
      ? {
          postgres_ms: t.postgres.map((x) => Math.round(x * 10) / 10),
          postgres_median_ms: median(t.postgres),
          postgres_p95_ms: p95(t.postgres),
          pulso_speedup: median(t.postgres) / median(t.pulso),
        }
      : {}),
  }
}

async function historyTest(o: {
  perDay: number
  pulsoEnv: Record<string, string>
  short: Timing
  shortRows: Row[]
  shape: Shape
  failures: string[]
  summary: GenerateSummary
}) {
  // the short run has DAYS − 30 days before the window; the long run 10× as many
  const olderDays = DAYS - 30
  const fromDaysBack = DAYS - 1 + olderDays * 9
  const file = path.join(root, 'older-history.ndjson')
  log(`history test: generating ${olderDays * 9} more days of ${MEASURED.id}'s history (days ${fromDaysBack}…${DAYS} before ${END}) into ${file}`)
  let lastProgress = performance.now()
  const older = await generate({
    file,
    tenants: [MEASURED],
    endDate: END,
    fromDaysBack,
    toDaysBack: DAYS,
    conversationsPerDay: o.perDay,
    onProgress: (done, total, lines) => {
      if (performance.now() - lastProgress > 15_000) {
        lastProgress = performance.now()
        log(`  day ${done}/${total}, ${fmtInt(lines)} events`)
      }
    },
  })
  log(`  ${fmtInt(older.lines)} events, ${(older.bytes / 2 ** 20).toFixed(0)} MB`)
  log('  appending to PostgreSQL (COPY → typed INSERT into the indexed table → ANALYZE)')
  const pgAppend = await appendPostgres(postgres!.client, file, log)
  log(`  PostgreSQL: ${fmtInt(pgAppend.rows)} rows in ${(pgAppend.totalMs / 1000).toFixed(1)} s`)
  log('  appending to Pulso: pulso ingest')
  const ingest = await pulsoIngest(file, BATCH, o.pulsoEnv, log)
  log(`  Pulso: ${fmtInt(ingest.accepted)} accepted in ${(ingest.ms / 1000).toFixed(1)} s = ${fmtInt(older.lines / (ingest.ms / 1000))} events/s`)
  rmSync(file, { force: true })
  server = await startPulso(
    await freePort(),
    { ...o.pulsoEnv, PULSO_API_KEYS: `${MEASURED.id}:read:${READ_KEY(MEASURED.id)}` },
    path.join(root, 'pulso-server-long.log'),
    log,
  )
  const startRss = memoryMb(server.pid, 'VmRSS')
  log(`  pulso start with the long history: ${(server.startMs / 1000).toFixed(1)} s, RSS ${startRss} MB`)
  const s = o.shape
  const kpiPath = `/v1/kpis?from=${s.from}&to=${s.to}&grain=${s.grain}`
  const first = await api<{ rows: Row[] }>(server.url, READ_KEY(MEASURED.id), kpiPath)
  const rows = first.body.rows.filter((r) => Number(r.conversations) > 0)
  const sameAsShort = compareRows('history', rows, o.shortRows, (r) => String(r.period), KPI_FIELDS, 'long', 'short')
  if (sameAsShort.length) o.failures.push(`history test: the last 30 days differ after adding older history:\n  ${sameAsShort.slice(0, 15).join('\n  ')}`)
  const pgFirst = await postgres!.client.query(KPI_SQL, [MEASURED.id, s.from, s.to, s.grain, ''])
  const pgDiffs = compareRows('history', rows, pgFirst.rows as Row[], (r) => String(r.period), KPI_FIELDS, 'Pulso', 'PostgreSQL')
  if (pgDiffs.length) o.failures.push(`history test: Pulso and PostgreSQL differ:\n  ${pgDiffs.slice(0, 15).join('\n  ')}`)
  const timing: Timing = { question: `/v1/kpis ${s.name}, 10× older history`, pulso: [], postgres: [] }
  for (let run = 0; run < RUNS; run++) {
    timing.pulso.push((await api(server.url, READ_KEY(MEASURED.id), kpiPath)).ms)
    const started = performance.now()
    await postgres!.client.query(KPI_SQL, [MEASURED.id, s.from, s.to, s.grain, ''])
    timing.postgres!.push(performance.now() - started)
  }
  const peak = memoryMb(server.pid, 'VmHWM')
  const startMs = server.startMs
  await server.stop()
  server = undefined
  const ratio = median(timing.pulso) / median(o.short.pulso)
  const pgRatio = median(timing.postgres!) / median(o.short.postgres!)
  log(
    `  30-day grain=day: Pulso ${fmtMs(median(timing.pulso))} long against ${fmtMs(median(o.short.pulso))} short = ${ratio.toFixed(2)}× (goal ≤ 1.3); PostgreSQL ${pgRatio.toFixed(2)}×`,
  )
  return {
    older_days_added: olderDays * 9,
    older_events: older.lines,
    measured_tenant_events_total: (o.summary.byTenant[MEASURED.id] ?? 0) + older.lines,
    pulso_ingest: { ms: Math.round(ingest.ms), events_per_s: Math.round(older.lines / (ingest.ms / 1000)), accepted: ingest.accepted },
    postgres_append_ms: Math.round(pgAppend.totalMs),
    server: { start_ms: Math.round(startMs), rss_after_start_mb: startRss, peak_rss_mb: peak },
    last_30_days_identical: sameAsShort.length === 0,
    equal_to_postgres: pgDiffs.length === 0,
    long: summarize(timing),
    short: summarize(o.short),
    pulso_ratio_long_over_short: ratio,
    postgres_ratio_long_over_short: pgRatio,
  }
}

/**
 * The file loaded again through a server's POST /v1/events/bulk, into a fresh data folder: one
 * request per tenant (an ingest key belongs to one tenant), one after the other, as the server
 * runs one bulk load at a time. Timed from the first request to the last answer; the split of
 * the file by tenant and the server's start are not timed.
 */
async function loadOverHttp(file: string, root: string, pulsoEnv: Record<string, string>, lines: number) {
  log('splitting the file by tenant for POST /v1/events/bulk (not timed)')
  const parts = await splitByTenant(
    file,
    TENANTS.map((t) => t.id),
    root,
  )
  const dataDir = path.join(root, 'pulso-http-data')
  const ingestKey = (tenant: string) => `${tenant}-bench-ingest-key`
  const server = await startPulso(
    await freePort(),
    { ...pulsoEnv, PULSO_DATA_DIR: dataDir, PULSO_API_KEYS: TENANTS.map((x) => `${x.id}:ingest:${ingestKey(x.id)}`).join(',') },
    path.join(root, 'pulso-http-server.log'),
    log,
  )
  try {
    log(`loading ${fmtInt(lines)} events through POST /v1/events/bulk, one request per tenant (fresh data folder)`)
    const total = { ms: 0, lines: 0, accepted: 0, duplicates: 0, rejected: 0, peak_rss_mb: 0 }
    const started = performance.now()
    for (const tenant of TENANTS) {
      const result = await postBulk(server.url, ingestKey(tenant.id), parts.get(tenant.id)!)
      log(
        `  ${tenant.id}: ${fmtInt(result.accepted)} accepted, ${fmtInt(result.duplicates)} duplicates, ${result.rejected} rejected in ${(result.ms / 1000).toFixed(1)} s`,
      )
      total.lines += result.lines
      total.accepted += result.accepted
      total.duplicates += result.duplicates
      total.rejected += result.rejected
    }
    total.ms = Math.round(performance.now() - started)
    total.peak_rss_mb = memoryMb(server.pid, 'VmHWM')
    log(
      `  POST /v1/events/bulk: ${fmtInt(total.accepted)} accepted in ${(total.ms / 1000).toFixed(1)} s = ${fmtInt(lines / (total.ms / 1000))} events/s, server peak RSS ${total.peak_rss_mb} MB`,
    )
    return total
  } finally {
    await server.stop()
    rmSync(dataDir, { recursive: true, force: true })
    for (const part of parts.values()) rmSync(part, { force: true })
  }
}

function report(results: Record<string, unknown>, timings: Timing[]): string {
  const load = results.load as {
    postgres: { events_per_s: number; ms: number }
    pulso: { events_per_s: number; ms: number; peak_rss_mb: number }
    ratio_pulso_over_postgres: number
    http?: { events_per_s: number; ms: number; peak_rss_mb: number; ratio_over_postgres: number }
  }
  const srv = results.server as { start_ms: number; rss_after_start_mb: number; peak_rss_mb: number }
  const data = results.data as GenerateSummary & { measured_tenant_events: number }
  const lines = [
    '',
    `bench:scale — ${fmtInt(data.measured_tenant_events)} events of the measured tenant (${fmtInt(data.lines)} in the file, ${TENANTS.length} tenants, ${fmtInt(data.conversations)} conversations), ${DAYS} days to ${END}, ${RUNS} interleaved runs, commit ${String(results.commit).slice(0, 10)}`,
    '',
    '| question | Pulso median | Pulso p95 | PostgreSQL median | PostgreSQL p95 | Pulso speed-up |',
    '|---|---|---|---|---|---|',
    ...timings.map((t) => {
      const pg = t.postgres
      return `| ${t.question} | ${fmtMs(median(t.pulso))} | ${fmtMs(p95(t.pulso))} | ${pg ? fmtMs(median(pg)) : '—'} | ${pg ? fmtMs(p95(pg)) : '—'} | ${pg ? `${(median(pg) / median(t.pulso)).toFixed(2)}×` : '—'} |`
    }),
    '',
    '| measure | Pulso | PostgreSQL |',
    '|---|---|---|',
    `| load the file (events/s) | ${fmtInt(load.pulso.events_per_s)} (${(load.pulso.ms / 1000).toFixed(1)} s, \`pulso ingest${BATCH ? ` --batch ${BATCH}` : ''}\`, peak RSS ${load.pulso.peak_rss_mb} MB) | ${fmtInt(load.postgres.events_per_s)} (${(load.postgres.ms / 1000).toFixed(1)} s, COPY + INSERT + indexes + ANALYZE) |`,
    `| load ratio Pulso / PostgreSQL | ${load.ratio_pulso_over_postgres.toFixed(2)}× | |`,
    ...(load.http
      ? [
          `| load through \`POST /v1/events/bulk\` (events/s) | ${fmtInt(load.http.events_per_s)} (${(load.http.ms / 1000).toFixed(1)} s, one request per tenant, server peak RSS ${load.http.peak_rss_mb} MB) | |`,
          `| its ratio / PostgreSQL | ${load.http.ratio_over_postgres.toFixed(2)}× | |`,
        ]
      : []),
    `| start-up until /healthz | ${(srv.start_ms / 1000).toFixed(1)} s | |`,
    `| server RSS after start-up / peak | ${srv.rss_after_start_mb} MB / ${srv.peak_rss_mb} MB | |`,
  ]
  const h = results.history_test as
    | {
        older_days_added: number
        measured_tenant_events_total: number
        long: { pulso_median_ms: number; postgres_median_ms: number }
        short: { pulso_median_ms: number; postgres_median_ms: number }
        pulso_ratio_long_over_short: number
        postgres_ratio_long_over_short: number
        last_30_days_identical: boolean
        server: { start_ms: number; rss_after_start_mb: number; peak_rss_mb: number }
      }
    | undefined
  if (h) {
    lines.push(
      '',
      `History test: ${h.older_days_added} more days of older history (${fmtInt(h.measured_tenant_events_total)} events of the measured tenant), same last 30 days${h.last_30_days_identical ? ' (KPIs identical)' : ' (KPIs DIFFER)'}`,
      '',
      '| 30 days, grain=day | short history | 10× older history | ratio (goal ≤ 1.3) |',
      '|---|---|---|---|',
      `| Pulso median | ${fmtMs(h.short.pulso_median_ms)} | ${fmtMs(h.long.pulso_median_ms)} | ${h.pulso_ratio_long_over_short.toFixed(2)}× |`,
      `| PostgreSQL median | ${fmtMs(h.short.postgres_median_ms)} | ${fmtMs(h.long.postgres_median_ms)} | ${h.postgres_ratio_long_over_short.toFixed(2)}× |`,
      `| Pulso start-up until /healthz; RSS after it / peak | | ${(h.server.start_ms / 1000).toFixed(1)} s; ${h.server.rss_after_start_mb} MB / ${h.server.peak_rss_mb} MB | |`,
    )
  }
  return lines.join('\n')
}

/** Pulso's config file for the bench: the tenants' zones and currencies, goals and use cases of the measured tenant. */
function pulsoConfig() {
  return {
    tenants: Object.fromEntries(TENANTS.map((t) => [t.id, { name: t.id, timezone: t.timezone, currency: t.currency }])),
    goals: {
      [MEASURED.id]: [
        { id: 'csat', kpi: 'csat_score', target: 80, period: 'week' },
        { id: 'bot-resolution', kpi: 'bot_resolution_rate', target: 0.6, period: 'week' },
        { id: 'escalation', kpi: 'escalation_rate', target: 0.25, period: 'week' },
        { id: 'escalation-returns', kpi: 'escalation_rate', target: 0.15, period: 'week', segment: { by: 'use_case', value: 'returns' } },
        { id: 'frt', kpi: 'frt_p50_s', target: 5, period: 'week' },
        { id: 'handoff-wait', kpi: 'handoff_wait_p50_s', target: 180, period: 'week' },
        { id: 'cost', kpi: 'cost_per_conversation', target: 2, period: 'month' },
      ],
    },
    use_cases: { [MEASURED.id]: Object.entries(USE_CASES).map(([name, u]) => ({ name, policy: u.policy, intents: [...u.intents] })) },
  }
}

/** The commit measured: git's HEAD, or BENCH_SCALE_COMMIT when the bench runs from an exported tree. */
async function gitHead(): Promise<string> {
  if (process.env.BENCH_SCALE_COMMIT) return process.env.BENCH_SCALE_COMMIT
  const { execFileSync } = await import('node:child_process')
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  } catch {
    return 'unknown'
  }
}

try {
  await main()
} catch (error) {
  console.error(`\n${'='.repeat(72)}\nFAIL: ${(error as Error).stack ?? error}${serverEnded()}\n${'='.repeat(72)}`)
  process.exitCode = 1
} finally {
  await cleanup()
}
