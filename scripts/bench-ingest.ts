// `npm run bench:ingest`: Kafka → ClickHouse throughput of one worker, beside two ceilings
// measured in the same run on the same events: kafkajs consuming without writing, and chDB
// inserting without Kafka, each measured just before the worker and again just after it. Also the
// worker's CPU per event by thread and its peak RSS, with embedded chDB and, as the scale-out
// stack runs it, writing to ClickHouse over HTTP (chDB served from another process by
// kafka/clickhouse-over-http.ts). Prints a Markdown table for BENCHMARKS.md and writes
// test-artifacts/bench-ingest.json.
//
//   npm run bench:ingest                      # 1,000,000 events, 6 partitions, private broker
//   BENCH_EVENTS=300000 npm run bench:ingest  # smaller run
//   PULSO_KAFKA_BROKERS=host:9092 npm run bench:ingest   # an existing broker
//   PULSO_KAFKA_PREPARE_THREADS=1 npm run bench:ingest    # passed on to the worker
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir, totalmem } from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { Kafka, logLevel } from 'kafkajs'
import { loadConfig } from '../config/config.ts'
import { prepareBatch } from '../ingest/intake.ts'
import { WORKER_FETCH } from '../ingest/kafka/worker.ts'
import { simulate } from '../ingest/simulator/simulator.ts'
import { openWarehouse } from '../warehouse/client.ts'
import { migrate } from '../warehouse/migrations.ts'
import { insertEventRows } from '../warehouse/repositories/events.ts'
import { benchBrokers, freePort, REPO_ROOT } from './kafka/broker.ts'
import { spawnWorkerProcess } from './kafka/worker-process.ts'
import { cpuMsByThread, processCpuMs, processMemoryMb } from './proc-stats.ts'

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000)
const PARTITIONS = Number(process.env.BENCH_PARTITIONS ?? 6)
const BLOCK_EVENTS = Number(process.env.BENCH_BLOCK_EVENTS ?? 20_000)
const API_KEYS = 'acme:ingest:bench-ingest-key-1'
const WORKER_NODE_OPTIONS = process.env.BENCH_WORKER_NODE_OPTIONS ?? '--max-old-space-size=256'
// Flags NODE_OPTIONS refuses (e.g. --cpu-prof --cpu-prof-dir=DIR to profile the worker) go on its command line.
const WORKER_NODE_ARGS = process.env.BENCH_WORKER_NODE_ARGS?.split(' ').filter(Boolean) ?? []

const log = (message: string) => console.error(`[bench:ingest] ${message}`)
const rate = (n: number, ms: number) => Math.round((n / ms) * 1000)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function makeEvents(): string[] {
  // about 6.7 events per simulated conversation; simulate a little more and cut to EVENTS
  const perDay = Math.ceil(EVENTS / 6.0 / 30)
  const events = simulate({ tenantId: 'acme', endDate: new Date('2024-03-31T00:00:00Z'), days: 30, conversationsPerDay: perDay, seed: 42, duplicateRate: 0 })
  return events.slice(0, EVENTS).map((e) => JSON.stringify(e))
}

async function produceAll(kafka: Kafka, topic: string, events: string[]): Promise<number> {
  const producer = kafka.producer()
  await producer.connect()
  const started = Date.now()
  const inFlight: Promise<unknown>[] = []
  for (let i = 0; i < events.length; i += 10_000) {
    const messages = events.slice(i, i + 10_000).map((value) => ({ key: /"conversation_id":"([^"]+)"/.exec(value)?.[1] ?? null, value }))
    inFlight.push(producer.send({ topic, acks: -1, messages }))
    if (inFlight.length >= 4) await inFlight.shift()
  }
  await Promise.all(inFlight)
  const ms = Date.now() - started
  await producer.disconnect()
  return ms
}

/** Ceiling 1: kafkajs reading every message with the worker's fetch settings, writing nothing. */
async function consumeOnly(kafka: Kafka, topic: string, total: number): Promise<number> {
  const consumer = kafka.consumer({ groupId: `bench-consume-${Date.now()}`, ...WORKER_FETCH, maxWaitTimeInMs: 500 })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  let seen = 0
  let started = 0
  let finished = 0
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      if (!started) started = Date.now()
      seen += batch.messages.length
      if (seen >= total && !finished) finished = Date.now()
    },
  })
  while (!finished) await sleep(20)
  await consumer.disconnect()
  return finished - started
}

/** Ceiling 2: the same events validated and mapped, then inserted into chDB in blocks; no Kafka. */
async function insertOnly(events: string[]): Promise<{ prepareMs: number; insertMs: number }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'pulso-bench-chdb-'))
  const config = loadConfig({ PULSO_DATA_DIR: dataDir, PULSO_DEMO: '0', PULSO_API_KEYS: API_KEYS, PULSO_HASH_KEY: 'bench' })
  const warehouse = await openWarehouse(config)
  try {
    await migrate(warehouse)
    let prepareMs = 0
    let insertMs = 0
    for (let i = 0; i < events.length; i += BLOCK_EVENTS) {
      let t = Date.now()
      const items = events.slice(i, i + BLOCK_EVENTS).map((raw) => ({ raw, value: JSON.parse(raw) as unknown }))
      const { rows } = prepareBatch(items, config, { source: 'kafka' })
      prepareMs += Date.now() - t
      t = Date.now()
      await insertEventRows(warehouse, rows, `bench:${i}`)
      insertMs += Date.now() - t
    }
    return { prepareMs, insertMs }
  } finally {
    await warehouse.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

/**
 * CPU used by each thread during the run. Node's threads carry no names, so the preparing
 * threads are told from V8's helpers and libuv's pool by their load: they are the busiest
 * (PULSO_KAFKA_PREPARE_THREADS of them, 1 by default); the others are summed.
 */
function namePreparingThreads(atEnd: Map<string, number>, atStart: Map<string, number>): Map<string, number> {
  const used = new Map([...atEnd].map(([name, ms]) => [name, ms - (atStart.get(name) ?? 0)]))
  const nodeThreads = [...used].filter(([name]) => name.startsWith('node:')).sort((a, b) => b[1] - a[1])
  const preparing = Number(process.env.PULSO_KAFKA_PREPARE_THREADS ?? 1)
  const named = new Map([...used].filter(([name]) => !name.startsWith('node:')))
  named.set(
    'preparing thread',
    nodeThreads.slice(0, preparing).reduce((n, [, ms]) => n + ms, 0),
  )
  named.set(
    "V8's helpers and libuv",
    nodeThreads.slice(preparing).reduce((n, [, ms]) => n + ms, 0),
  )
  return named
}

type WorkerRun = {
  ms: number
  cpuMs: number
  blocks: number
  blockEventsMean: number
  cpuByThread: Map<string, number>
  peakRssMb: number
  heapMb: number
  externalMb: number
  rssAnonMb: number
  rssFileMb: number
}

/**
 * One `pulso ingest kafka` process over the whole topic, from its group join until it has
 * committed everything: with embedded chDB, or writing to `clickhouseUrl`.
 */
async function workerRun(brokers: string[], topic: string, total: number, clickhouseUrl?: string): Promise<WorkerRun> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'pulso-bench-worker-'))
  const metricsPort = await freePort()
  const group = `bench-worker-${Date.now()}`
  const { child, exited } = spawnWorkerProcess(
    {
      PULSO_DATA_DIR: dataDir,
      PULSO_DEMO: '0',
      PULSO_API_KEYS: API_KEYS,
      PULSO_HASH_KEY: 'bench',
      PULSO_KAFKA_BROKERS: brokers.join(','),
      PULSO_KAFKA_TOPIC: topic,
      PULSO_KAFKA_GROUP: group,
      PULSO_KAFKA_BLOCK_EVENTS: String(BLOCK_EVENTS),
      PULSO_KAFKA_BLOCK_MS: '1000',
      PULSO_METRICS_PORT: String(metricsPort),
      PULSO_LOG_LEVEL: 'warn',
      ...(clickhouseUrl ? { CLICKHOUSE_URL: clickhouseUrl } : {}),
      ...(process.env.PULSO_KAFKA_PREPARE_THREADS ? { PULSO_KAFKA_PREPARE_THREADS: process.env.PULSO_KAFKA_PREPARE_THREADS } : {}),
      // as in docker-compose.yml: a bounded heap makes V8 collect before RSS grows
      NODE_OPTIONS: WORKER_NODE_OPTIONS,
    },
    { nodeArgs: WORKER_NODE_ARGS },
  )
  let exitCode: number | null | undefined
  void exited.then(({ code }) => (exitCode = code))
  const metric = async (name: string) => {
    const text = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => r.text())
    return Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? 0)
  }
  const admin = new Kafka({ clientId: 'bench-admin', brokers, logLevel: logLevel.NOTHING }).admin()
  await admin.connect()
  try {
    // The clock starts when the worker has joined the group and been given the partitions.
    while ((await metric('pulso_kafka_assigned_partitions').catch(() => 0)) === 0) {
      if (exitCode !== undefined) throw new Error(`the worker exited with ${exitCode} before it joined the group (see its output above)`)
      await sleep(20)
    }
    const started = Date.now()
    const cpuAtStart = processCpuMs(child.pid!)
    const threadCpuAtStart = cpuMsByThread(child.pid!)
    // Where the worker's memory is, sampled while it runs: V8's heap and the buffers outside it.
    const peaks = { heapMb: 0, externalMb: 0, rssMb: 0, rssAnonMb: 0, rssFileMb: 0 }
    for (let sample = 0; ; sample++) {
      // RSS split at its highest sample: anonymous memory, and pages of mapped files (mostly libchdb.so's code)
      const memory = processMemoryMb(child.pid!)
      if (memory('VmRSS') > peaks.rssMb) Object.assign(peaks, { rssMb: memory('VmRSS'), rssAnonMb: memory('RssAnon'), rssFileMb: memory('RssFile') })
      // /metrics costs the worker's main thread ~1.5 ms an answer (process.memoryUsage() among
      // others), so it is read once a second; /proc costs the worker nothing and is read every look
      if (sample % 10 === 0) {
        const text = await fetch(`http://127.0.0.1:${metricsPort}/metrics`)
          .then((r) => r.text())
          .catch(() => '')
        const mb = (name: string) => Math.round(Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? 0) / 2 ** 20)
        peaks.heapMb = Math.max(peaks.heapMb, mb('pulso_worker_nodejs_heap_size_total_bytes'))
        peaks.externalMb = Math.max(peaks.externalMb, mb('pulso_worker_nodejs_external_memory_bytes'))
      }
      const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] })
      const committed = (offsets?.partitions ?? []).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0)
      if (committed >= total) break
      if (exitCode !== undefined) throw new Error(`the worker exited with ${exitCode} before it had stored every event`)
      await sleep(100)
    }
    const ms = Date.now() - started
    const cpuMs = processCpuMs(child.pid!) - cpuAtStart
    const cpuByThread = namePreparingThreads(cpuMsByThread(child.pid!), threadCpuAtStart)
    const peakRssMb = processMemoryMb(child.pid!)('VmHWM')
    // Blocks cut early (by PULSO_KAFKA_BLOCK_MS) make more, smaller parts: more inserts and merges.
    const blocks = await metric('pulso_kafka_block_events_count')
    const blockEventsMean = Math.round((await metric('pulso_kafka_block_events_sum')) / Math.max(1, blocks))
    child.kill('SIGTERM')
    const { code } = await exited
    if (code !== 0) throw new Error(`the worker exited with ${code} after SIGTERM`)
    return { ms, cpuMs, blocks, blockEventsMean, cpuByThread, peakRssMb, ...peaks }
  } finally {
    await admin.disconnect()
    if (child.exitCode === null) child.kill('SIGKILL')
    rmSync(dataDir, { recursive: true, force: true })
  }
}

/**
 * The worker as the scale-out stack runs it: no chDB in its process, rows sent over HTTP. There is
 * no ClickHouse server here, so scripts/kafka/clickhouse-over-http.ts serves chDB over the HTTP
 * interface from a process of its own; the worker's RSS is then its own, the database's apart.
 */
async function workerOverHttpRun(brokers: string[], topic: string, total: number): Promise<{ worker: WorkerRun; clickhousePeakRssMb: number }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'pulso-bench-clickhouse-'))
  const server = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'scripts/kafka/clickhouse-over-http.ts'), dataDir], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  try {
    const [line] = (await once(createInterface({ input: server.stdout! }), 'line')) as [string]
    const port = /^listening (\d+)$/.exec(line)?.[1]
    if (!port) throw new Error(`the ClickHouse HTTP endpoint did not start: ${line}`)
    const worker = await workerRun(brokers, topic, total, `http://127.0.0.1:${port}`)
    return { worker, clickhousePeakRssMb: processMemoryMb(server.pid!)('VmHWM') }
  } finally {
    server.kill('SIGTERM')
    await once(server, 'exit').catch(() => undefined)
    rmSync(dataDir, { recursive: true, force: true })
  }
}

async function main() {
  const { brokers, stop: stopBroker } = await benchBrokers(log)
  try {
    const kafka = new Kafka({ clientId: 'bench', brokers, logLevel: logLevel.NOTHING })
    const topic = `bench-${Date.now()}`
    const admin = kafka.admin()
    await admin.connect()
    await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true })
    await admin.disconnect()

    log(`simulating ${EVENTS} events`)
    const events = makeEvents()
    const bytes = events.reduce((n, e) => n + e.length, 0)
    log(`producing to ${topic} (${PARTITIONS} partitions, ${Math.round(bytes / 1e6)} MB)`)
    const produceMs = await produceAll(kafka, topic, events)

    // This VM's speed drifts by tens of percent within minutes, so each ceiling is measured just
    // before the worker and again just after it, and the worker is compared with their mean.
    const ceilings = async (when: string) => {
      log(`ceiling 1, ${when} the worker: kafkajs consume only`)
      const consumeMs = await consumeOnly(kafka, topic, events.length)
      log(`ceiling 2, ${when} the worker: chDB insert only (validation timed apart)`)
      return { consumeMs, ...(await insertOnly(events)) }
    }
    const before = await ceilings('before')
    log('end to end: one worker process')
    const worker = await workerRun(brokers, topic, events.length)
    const after = await ceilings('after')
    const mean = (key: keyof typeof before) => (before[key] + after[key]) / 2
    log('the same worker writing to ClickHouse over HTTP (chDB served by another process), as in the scale-out stack')
    const overHttp = await workerOverHttpRun(brokers, topic, events.length)

    const results = {
      date: new Date().toISOString(),
      machine: `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
      events: events.length,
      partitions: PARTITIONS,
      blockEvents: BLOCK_EVENTS,
      produce_events_per_s: rate(events.length, produceMs),
      consume_only_events_per_s: rate(events.length, mean('consumeMs')),
      consume_only_before_and_after: [rate(events.length, before.consumeMs), rate(events.length, after.consumeMs)],
      chdb_insert_only_events_per_s: rate(events.length, mean('insertMs')),
      chdb_insert_only_before_and_after: [rate(events.length, before.insertMs), rate(events.length, after.insertMs)],
      validate_and_map_events_per_s: rate(events.length, mean('prepareMs')),
      worker_end_to_end_events_per_s: rate(events.length, worker.ms),
      worker_cpu_us_per_event: Math.round((worker.cpuMs * 1000) / events.length),
      worker_cpu_us_per_event_by_thread: Object.fromEntries(
        [...worker.cpuByThread]
          .filter(([, ms]) => ms > 0)
          .sort((a, b) => b[1] - a[1])
          .map(([name, ms]) => [name, Math.round((ms * 10000) / events.length) / 10]),
      ),
      worker_blocks: worker.blocks,
      worker_block_events_mean: worker.blockEventsMean,
      worker_peak_rss_mb: worker.peakRssMb,
      worker_peak_rss_anonymous_mb: worker.rssAnonMb,
      worker_peak_rss_file_mb: worker.rssFileMb,
      worker_peak_v8_heap_mb: worker.heapMb,
      worker_peak_external_mb: worker.externalMb,
      over_http_events_per_s: rate(events.length, overHttp.worker.ms),
      over_http_worker_cpu_us_per_event: Math.round((overHttp.worker.cpuMs * 1000) / events.length),
      over_http_worker_peak_rss_mb: overHttp.worker.peakRssMb,
      over_http_worker_peak_rss_anonymous_mb: overHttp.worker.rssAnonMb,
      over_http_worker_peak_rss_file_mb: overHttp.worker.rssFileMb,
      over_http_clickhouse_peak_rss_mb: overHttp.clickhousePeakRssMb,
    }
    const slower = Math.min(results.consume_only_events_per_s, results.chdb_insert_only_events_per_s)
    const share = Math.round((results.worker_end_to_end_events_per_s / slower) * 100)
    mkdirSync(path.join(REPO_ROOT, 'test-artifacts'), { recursive: true })
    writeFileSync(path.join(REPO_ROOT, 'test-artifacts/bench-ingest.json'), JSON.stringify({ ...results, share_of_slower_ceiling_pct: share }, null, 2))
    const f = (n: number) => n.toLocaleString('en-US')
    console.log(`| measure (${f(results.events)} events, ${PARTITIONS} partitions, blocks of ${f(BLOCK_EVENTS)}) | result |
|---|---|
| **worker end to end, Kafka → ClickHouse (1 worker)** | **${f(results.worker_end_to_end_events_per_s)} events/s** (${share} % of the slower ceiling) |
| worker CPU per event (all its threads, chDB's included) | ${results.worker_cpu_us_per_event} µs (by thread name: ${Object.entries(
      results.worker_cpu_us_per_event_by_thread,
    )
      .map(([name, us]) => `${name} ${us}`)
      .join(', ')}) |
| blocks the worker stored | ${f(results.worker_blocks)}, of ${f(results.worker_block_events_mean)} events on average |
| ceiling: kafkajs consume only (no writes) | ${f(results.consume_only_events_per_s)} events/s (before the worker ${f(results.consume_only_before_and_after[0]!)}, after it ${f(results.consume_only_before_and_after[1]!)}) |
| ceiling: chDB insert only (no Kafka) | ${f(results.chdb_insert_only_events_per_s)} events/s (before the worker ${f(results.chdb_insert_only_before_and_after[0]!)}, after it ${f(results.chdb_insert_only_before_and_after[1]!)}) |
| validation + mapping alone (prepareBatch) | ${f(results.validate_and_map_events_per_s)} events/s |
| producing the events (acks=all) | ${f(results.produce_events_per_s)} events/s |
| worker peak RSS (VmHWM, NODE_OPTIONS=${WORKER_NODE_OPTIONS}) | ${results.worker_peak_rss_mb} MB (at the highest sample: ${results.worker_peak_rss_anonymous_mb} MB anonymous, ${results.worker_peak_rss_file_mb} MB of mapped files; main thread's V8 heap ≤ ${results.worker_peak_v8_heap_mb} MB, buffers outside it ≤ ${results.worker_peak_external_mb} MB) |
| the worker writing to ClickHouse over HTTP (\`CLICKHOUSE_URL\`; chDB in another process on the same 2 cores) | ${f(results.over_http_events_per_s)} events/s, ${results.over_http_worker_cpu_us_per_event} µs of worker CPU per event |
| its peak RSS (VmHWM) | **${results.over_http_worker_peak_rss_mb} MB** (at the highest sample: ${results.over_http_worker_peak_rss_anonymous_mb} MB anonymous, ${results.over_http_worker_peak_rss_file_mb} MB of mapped files); the ClickHouse process: ${results.over_http_clickhouse_peak_rss_mb} MB |

${results.machine}, ${results.date}`)
  } finally {
    await stopBroker()
  }
}

await main()
