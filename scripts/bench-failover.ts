// `npm run bench:failover`: how long the consumer group stalls when one of two workers is killed
// with SIGKILL (no goodbye to the group: the coordinator waits PULSO_KAFKA_SESSION_TIMEOUT_MS
// before it gives the dead worker's partitions away), for several session timeouts; and whether a
// session timeout survives a busy 2-core machine: two workers storing a backlog at full speed
// beside CPU-bound processes, counting the rebalances nobody asked for and the longest gap
// between heartbeats. Prints Markdown for BENCHMARKS.md and writes test-artifacts/bench-failover.json.
//
//   npm run bench:failover                                   # private broker
//   BENCH_SESSION_TIMEOUTS=30000,10000,6000 BENCH_RUNS=2 npm run bench:failover
//   BENCH_BUSY_SESSION_MS=10000 BENCH_BUSY_SECONDS=180 BENCH_BURNERS=2 npm run bench:failover
//   PULSO_KAFKA_BROKERS=host:9092 npm run bench:failover     # an existing broker
//
// Each worker has its own embedded data folder (one chDB per process): the stall is measured at
// the broker, from the group's committed offsets, and does not depend on where rows are stored.
import { type ChildProcess, spawn } from 'node:child_process'
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir, totalmem } from 'node:os'
import path from 'node:path'
import { type Admin, Kafka, logLevel } from 'kafkajs'
import { createTopic, partitionSeries } from '../ingest/kafka/testing.ts'
import { simulate } from '../ingest/simulator/simulator.ts'
import { benchBrokers, freePort, REPO_ROOT } from './kafka/broker.ts'
import { spawnWorkerProcess, type WorkerProcess } from './kafka/worker-process.ts'

const SESSION_TIMEOUTS = (process.env.BENCH_SESSION_TIMEOUTS ?? '30000,10000,6000').split(',').map(Number)
const RUNS = Number(process.env.BENCH_RUNS ?? 2)
const PARTITIONS = Number(process.env.BENCH_PARTITIONS ?? 6)
/** Events per second produced during a failover run: a steady stream, so that every partition commits about once a second. */
const TRICKLE_PER_S = Number(process.env.BENCH_TRICKLE_PER_S ?? 600)
const BUSY_SESSION_MS = Number(process.env.BENCH_BUSY_SESSION_MS ?? 10_000)
const BUSY_SECONDS = Number(process.env.BENCH_BUSY_SECONDS ?? 180)
/** Events the busy run produces in each round, again and again under new ids while it lasts. */
const BUSY_ROUND_EVENTS = 200_000
const BURNERS = Number(process.env.BENCH_BURNERS ?? 2)
const API_KEYS = 'acme:ingest:bench-failover-key'
const LOG_DIR = path.join(REPO_ROOT, 'test-artifacts/bench-failover-logs')

const log = (message: string) => console.error(`[bench:failover] ${message}`)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const seconds = (ms: number) => Math.round(ms / 100) / 10

function makeEvents(count: number): { key: string; value: string }[] {
  const perDay = Math.ceil(count / 6 / 30)
  return simulate({ tenantId: 'acme', endDate: new Date('2024-03-31T00:00:00Z'), days: 30, conversationsPerDay: perDay, seed: 5, duplicateRate: 0 })
    .slice(0, count)
    .map((e) => ({ key: String(e.conversation_id), value: JSON.stringify(e) }))
}

type Worker = WorkerProcess & { name: string; metricsPort: number; dataDir: string }

async function startWorker(name: string, brokers: string[], topic: string, group: string, sessionTimeoutMs: number): Promise<Worker> {
  const dataDir = mkdtempSync(path.join(tmpdir(), `pulso-bench-failover-${name}-`))
  const metricsPort = await freePort()
  const worker = spawnWorkerProcess(
    {
      PULSO_DATA_DIR: dataDir,
      PULSO_DEMO: '0',
      PULSO_API_KEYS: API_KEYS,
      PULSO_HASH_KEY: 'bench',
      PULSO_KAFKA_BROKERS: brokers.join(','),
      PULSO_KAFKA_TOPIC: topic,
      PULSO_KAFKA_GROUP: group,
      PULSO_KAFKA_SESSION_TIMEOUT_MS: String(sessionTimeoutMs),
      PULSO_METRICS_PORT: String(metricsPort),
      PULSO_LOG_LEVEL: 'info',
      // as in docker-compose.yml
      PULSO_KAFKA_BLOCK_EVENTS: '20000',
      PULSO_KAFKA_BLOCK_MS: '1000',
      NODE_OPTIONS: '--max-old-space-size=256',
    },
    { stdio: ['ignore', 'ignore', 'pipe'] },
  )
  // kafkajs logs every refused heartbeat of a rebalance as an error: kept in a file, not on the terminal
  mkdirSync(LOG_DIR, { recursive: true })
  worker.child.stderr!.pipe(createWriteStream(path.join(LOG_DIR, `${group}-${name}.log`)))
  return { ...worker, name, metricsPort, dataDir }
}

async function metricsText(worker: Worker): Promise<string> {
  return fetch(`http://127.0.0.1:${worker.metricsPort}/metrics`).then((r) => r.text())
}

function metricValue(text: string, series: string): number {
  return Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN)
}

async function waitForAssignment(workers: Worker[], partitionsEach: number[], timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const assigned = await Promise.all(
      workers.map((w) =>
        metricsText(w)
          .then((t) => metricValue(t, 'pulso_kafka_assigned_partitions'))
          .catch(() => 0),
      ),
    )
    if (assigned.every((n, i) => n === partitionsEach[i])) return
    if (Date.now() > deadline) throw new Error(`workers did not get ${partitionsEach.join('+')} partitions within ${timeoutMs} ms (have ${assigned.join('+')})`)
    await sleep(200)
  }
}

async function committedOffsets(admin: Admin, group: string, topic: string): Promise<Map<number, number>> {
  const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] })
  return new Map(offsets?.partitions.map((p) => [p.partition, Number(p.offset)]))
}

async function stopWorker(worker: Worker): Promise<void> {
  if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL')
  await worker.exited
  rmSync(worker.dataDir, { recursive: true, force: true })
}

type FailoverRun = {
  sessionTimeoutMs: number
  /** A new worker was started as soon as the killed one was gone, as `restart: unless-stopped` does. */
  restarted: boolean
  /** From the kill until every partition of the killed worker committed again. */
  killedPartitionsResumeMs: number
  /** From the kill until the coordinator began a rebalance (it noticed the dead member, or the new one joined). */
  rebalanceStartMs: number
  /** The longest time without a commit on a partition the survivor owned all along, after the kill. */
  survivorLongestGapMs: number
}

/**
 * Two workers share the topic under a steady stream; one is killed (and, with `restart`, a new
 * one started at once); the group's committed offsets tell the rest.
 */
async function failoverRun(
  kafka: Kafka,
  brokers: string[],
  sessionTimeoutMs: number,
  restart: boolean,
  events: { key: string; value: string }[],
): Promise<FailoverRun> {
  const topic = `failover-${Date.now()}`
  const group = `${topic}-workers`
  await createTopic(brokers, topic, PARTITIONS)
  const admin = kafka.admin()
  await admin.connect()
  const producer = kafka.producer()
  await producer.connect()
  const workers: Worker[] = []
  let producing = true
  let sent = 0
  // 10 sends a second, each of TRICKLE_PER_S / 10 events
  const stream = (async () => {
    while (producing) {
      const chunk = Array.from({ length: TRICKLE_PER_S / 10 }, () => events[sent++ % events.length]!)
      await producer.send({ topic, acks: -1, messages: chunk })
      await sleep(100)
    }
  })()
  try {
    workers.push(await startWorker('a', brokers, topic, group, sessionTimeoutMs))
    await waitForAssignment(workers, [PARTITIONS])
    workers.push(await startWorker('b', brokers, topic, group, sessionTimeoutMs))
    await waitForAssignment(workers, [PARTITIONS / 2, PARTITIONS / 2])
    // a few seconds of steady state: both commit about once a second
    await sleep(5_000)
    const [killed, survivor] = workers as [Worker, Worker]
    const owned = async (w: Worker) => [...partitionSeries(await metricsText(w), 'pulso_kafka_consumer_lag', topic).keys()]
    const killedPartitions = await owned(killed)
    const survivorPartitions = await owned(survivor)
    const killedAt = Date.now()
    killed.child.kill('SIGKILL')
    await killed.exited
    // read after the kill: the killed worker commits nothing more, so any later advance on its partitions is the survivor's
    const atKill = await committedOffsets(admin, group, topic)
    if (restart) workers.push(await startWorker('a-restarted', brokers, topic, group, sessionTimeoutMs))

    const resumedAt = new Map<number, number>()
    const lastCommit = new Map(survivorPartitions.map((p) => [p, killedAt]))
    let survivorLongestGapMs = 0
    let rebalanceStartMs = NaN
    let previous = atKill
    // a few seconds past the killed worker's partitions' return, to see the survivor's resume too
    let allResumedAt: number | undefined
    while (allResumedAt === undefined || Date.now() - allResumedAt < 3_000) {
      if (Date.now() - killedAt > sessionTimeoutMs + 120_000)
        throw new Error(`the killed worker's partitions did not resume within ${sessionTimeoutMs + 120_000} ms`)
      await sleep(100)
      const now = Date.now()
      const offsets = await committedOffsets(admin, group, topic)
      if (Number.isNaN(rebalanceStartMs)) {
        const { groups } = await admin.describeGroups([group])
        if (groups[0]?.state !== 'Stable') rebalanceStartMs = now - killedAt
      }
      for (const p of killedPartitions) if (!resumedAt.has(p) && (offsets.get(p) ?? -1) > (atKill.get(p) ?? -1)) resumedAt.set(p, now)
      if (allResumedAt === undefined && resumedAt.size === killedPartitions.length) allResumedAt = now
      for (const p of survivorPartitions) {
        if ((offsets.get(p) ?? -1) > (previous.get(p) ?? -1)) lastCommit.set(p, now)
        survivorLongestGapMs = Math.max(survivorLongestGapMs, now - lastCommit.get(p)!)
      }
      previous = offsets
    }
    return {
      sessionTimeoutMs,
      restarted: restart,
      killedPartitionsResumeMs: Math.max(...resumedAt.values()) - killedAt,
      rebalanceStartMs,
      survivorLongestGapMs,
    }
  } finally {
    producing = false
    await stream.catch(() => undefined)
    await producer.disconnect()
    for (const w of workers) await stopWorker(w)
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined)
    await admin.disconnect()
  }
}

type BusyRun = {
  sessionTimeoutMs: number
  seconds: number
  burners: number
  eventsStored: number
  unaskedRebalances: number
  /** Per worker: how many heartbeat intervals fell at or under each bucket bound (seconds). */
  heartbeatIntervals: Record<string, number>[]
  longestHeartbeatIntervalAtMostS: number
  workersExited: number
}

/** A histogram's cumulative buckets from Prometheus text: bound (s) → count. */
function histogram(text: string, metric: string): Record<string, number> {
  return Object.fromEntries([...text.matchAll(new RegExp(`^${metric}_bucket\\{le="([^"]+)"\\} (\\S+)$`, 'gm'))].map((m) => [m[1]!, Number(m[2])]))
}

/** The smallest bucket bound that holds every observation: an upper bound of the longest one. */
function longestAtMost(buckets: Record<string, number>): number {
  const total = buckets['+Inf'] ?? 0
  const bound = Object.entries(buckets).find(([, count]) => count === total)?.[0]
  return bound === '+Inf' ? Infinity : Number(bound)
}

/**
 * Two workers store events at full speed for BUSY_SECONDS beside BURNERS CPU-bound processes,
 * while this process keeps producing. Once both have their share of the partitions, every
 * further group join is a rebalance nobody asked for: a worker missed its session timeout, or
 * the coordinator thought so.
 */
async function busyRun(kafka: Kafka, brokers: string[], events: { key: string; value: string }[]): Promise<BusyRun> {
  const topic = `busy-${Date.now()}`
  const group = `${topic}-workers`
  await createTopic(brokers, topic, PARTITIONS)
  const producer = kafka.producer()
  await producer.connect()
  // each round sends the events again under new ids, so that every round is stored, not dropped as repeats
  let round = 0
  const sendRound = async () => {
    round++
    for (let i = 0; i < events.length; i += 10_000) {
      const messages = events.slice(i, i + 10_000).map((m) => ({ key: m.key, value: m.value.replace(/"event_id":"([^"]+)"/, `"event_id":"$1-r${round}"`) }))
      await producer.send({ topic, acks: -1, messages })
    }
  }
  await sendRound()
  const admin = kafka.admin()
  await admin.connect()
  const burners: ChildProcess[] = []
  const workers: Worker[] = []
  let producing = true
  let stream: Promise<void> = Promise.resolve()
  try {
    workers.push(await startWorker('busy-a', brokers, topic, group, BUSY_SESSION_MS))
    await waitForAssignment(workers, [PARTITIONS])
    workers.push(await startWorker('busy-b', brokers, topic, group, BUSY_SESSION_MS))
    await waitForAssignment(workers, [PARTITIONS / 2, PARTITIONS / 2])
    const joins = async () => (await Promise.all(workers.map((w) => metricsText(w)))).map((t) => metricValue(t, 'pulso_kafka_rebalances_total'))
    const joinsBefore = await joins()
    for (let i = 0; i < BURNERS; i++) burners.push(spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }))
    stream = (async () => {
      while (producing) await sendRound()
    })()
    const started = Date.now()
    while (Date.now() - started < BUSY_SECONDS * 1000 && workers.every((w) => w.child.exitCode === null && w.child.signalCode === null)) await sleep(500)
    const elapsed = seconds(Date.now() - started)
    producing = false
    for (const b of burners) b.kill('SIGKILL')
    const exited = workers.filter((w) => w.child.exitCode !== null || w.child.signalCode !== null).length
    const joinsAfter = await joins()
    const texts = await Promise.all(workers.map((w) => metricsText(w)))
    const heartbeatIntervals = texts.map((t) => histogram(t, 'pulso_kafka_heartbeat_interval_seconds'))
    return {
      sessionTimeoutMs: BUSY_SESSION_MS,
      seconds: elapsed,
      burners: BURNERS,
      eventsStored: texts.reduce((n, t) => n + metricValue(t, 'pulso_kafka_events_total{outcome="stored"}'), 0),
      unaskedRebalances: joinsAfter.reduce((n, after, i) => n + after - joinsBefore[i]!, 0),
      heartbeatIntervals,
      longestHeartbeatIntervalAtMostS: Math.max(...heartbeatIntervals.map(longestAtMost)),
      workersExited: exited,
    }
  } finally {
    producing = false
    await stream.catch(() => undefined)
    await producer.disconnect()
    for (const b of burners) b.kill('SIGKILL')
    for (const w of workers) await stopWorker(w)
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined)
    await admin.disconnect()
  }
}

async function main() {
  const { brokers, stop: stopBroker } = await benchBrokers(log)
  try {
    const kafka = new Kafka({ clientId: 'bench-failover', brokers, logLevel: logLevel.NOTHING })
    const trickle = makeEvents(20_000)
    const failovers: FailoverRun[] = []
    // interleaved: every setting once, then again, so that a slow minute of the machine does not fall on one setting
    for (let run = 1; run <= RUNS; run++) {
      for (const sessionTimeoutMs of SESSION_TIMEOUTS) {
        for (const restart of [false, true]) {
          log(`run ${run}/${RUNS}: kill -9 of one of two workers${restart ? ', restarted at once' : ''}, session timeout ${sessionTimeoutMs} ms`)
          const result = await failoverRun(kafka, brokers, sessionTimeoutMs, restart, trickle)
          log(JSON.stringify(result))
          failovers.push(result)
        }
      }
    }
    log(
      `busy machine: two workers store events at full speed for ${BUSY_SECONDS} s beside ${BURNERS} CPU-bound processes, session timeout ${BUSY_SESSION_MS} ms`,
    )
    const busy = await busyRun(kafka, brokers, makeEvents(BUSY_ROUND_EVENTS))
    log(JSON.stringify(busy))

    const results = {
      date: new Date().toISOString(),
      machine: `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
      partitions: PARTITIONS,
      trickle_events_per_s: TRICKLE_PER_S,
      failovers,
      busy,
    }
    mkdirSync(path.join(REPO_ROOT, 'test-artifacts'), { recursive: true })
    writeFileSync(path.join(REPO_ROOT, 'test-artifacts/bench-failover.json'), JSON.stringify(results, null, 2))

    const range = (values: number[]) =>
      Math.min(...values) === Math.max(...values) ? `${seconds(values[0]!)}` : `${seconds(Math.min(...values))}–${seconds(Math.max(...values))}`
    const rows = SESSION_TIMEOUTS.filter(() => RUNS > 0).flatMap((s) =>
      [false, true].map((restarted) => {
        const runs = failovers.filter((f) => f.sessionTimeoutMs === s && f.restarted === restarted)
        return `| ${s.toLocaleString('en-US')} ms | ${restarted ? 'at once' : 'no'} | ${range(runs.map((r) => r.killedPartitionsResumeMs))} s | ${range(runs.map((r) => r.survivorLongestGapMs))} s | ${range(runs.map((r) => r.rebalanceStartMs))} s |`
      }),
    )
    console.log(`| session timeout | killed worker restarted | its partitions commit again after (${RUNS} runs) | the survivor's partitions: longest time without a commit | a rebalance starts after |
|---|---|---|---|---|
${rows.join('\n')}

| busy machine: 2 workers storing at full speed for ${busy.seconds} s beside ${busy.burners} CPU-bound processes and the producer, session timeout ${busy.sessionTimeoutMs.toLocaleString('en-US')} ms | result |
|---|---|
| events stored | ${busy.eventsStored.toLocaleString('en-US')} |
| rebalances nobody asked for | ${busy.unaskedRebalances} |
| longest interval between two heartbeats | ≤ ${busy.longestHeartbeatIntervalAtMostS} s (heartbeat every ${Math.min(3_000, Math.floor(busy.sessionTimeoutMs / 3)) / 1000} s) |
| workers that exited | ${busy.workersExited} |

${results.machine}, ${results.date}, ${PARTITIONS} partitions, ${TRICKLE_PER_S} events/s during the failover runs`)
  } finally {
    await stopBroker()
  }
}

await main()
