// The worker's Prometheus metrics (prom-client) and the small HTTP server that serves them.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'
import type { PartitionLag } from './group-observer.ts'

export class WorkerMetrics {
  readonly registry = new Registry()
  /** Asked at each scrape (see `measureCommittedLag`): the broker's numbers, not the worker's. */
  readonly committedLag = new Gauge({
    name: 'pulso_kafka_consumer_lag',
    help: "Messages of each partition this worker owns after the group's committed offset (high watermark minus committed offset), asked of the broker at each scrape; absent while the broker does not answer",
    labelNames: ['topic', 'partition'],
    registers: [this.registry],
    collect: () => this.collectCommittedLag(),
  })
  readonly fetchLag = new Gauge({
    name: 'pulso_kafka_fetch_lag',
    help: 'Messages of each partition this worker owns after the last one it read (at its last fetch); read but uncommitted messages are not in it',
    labelNames: ['topic', 'partition'],
    registers: [this.registry],
  })
  readonly events = new Counter({
    name: 'pulso_kafka_events_total',
    help: 'Events read from Kafka and stored, by outcome (stored, dead_lettered; skipped: Rasa events Pulso does not count)',
    labelNames: ['outcome'],
    registers: [this.registry],
  })
  readonly eventsPerSecond = new Gauge({
    name: 'pulso_kafka_events_per_second',
    help: 'Events stored per second over the last 10 seconds',
    registers: [this.registry],
  })
  readonly blockEvents = new Histogram({
    name: 'pulso_kafka_block_events',
    help: 'Events per stored block',
    buckets: [10, 100, 1_000, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000],
    registers: [this.registry],
  })
  readonly insertSeconds = new Histogram({
    name: 'pulso_kafka_insert_seconds',
    help: 'Time to store one block in ClickHouse (events and dead letters), retries included',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  })
  readonly deadLetters = new Counter({
    name: 'pulso_kafka_dead_letters_total',
    help: 'Messages sent to the dead-letter table and topic',
    registers: [this.registry],
  })
  readonly retries = new Counter({
    name: 'pulso_kafka_retries_total',
    help: 'Retried operations after a failure, by operation',
    labelNames: ['operation'],
    registers: [this.registry],
  })
  readonly commits = new Counter({
    name: 'pulso_kafka_commits_total',
    help: 'Offset commits, by result (ok, skipped_after_rebalance, failed)',
    labelNames: ['result'],
    registers: [this.registry],
  })
  readonly rebalances = new Counter({
    name: 'pulso_kafka_rebalances_total',
    help: 'Group joins of this worker (each drops the unstored block)',
    registers: [this.registry],
  })
  readonly assignedPartitions = new Gauge({ name: 'pulso_kafka_assigned_partitions', help: 'Partitions assigned to this worker', registers: [this.registry] })
  readonly heartbeatSeconds = new Histogram({
    name: 'pulso_kafka_heartbeat_interval_seconds',
    help: 'Time between two heartbeats of this worker to the group (from its join to the first one); the group drops a worker silent for PULSO_KAFKA_SESSION_TIMEOUT_MS',
    buckets: [1, 2, 3, 4, 5, 7.5, 10, 15, 20, 30, 45],
    registers: [this.registry],
  })
  private readonly window: { at: number; events: number }[] = []
  private committedLagSource: (() => Promise<{ topic: string; partitions: PartitionLag[] } | undefined>) | undefined

  constructor(options: { defaultMetrics?: boolean } = {}) {
    // Process metrics include process_resident_memory_bytes, the worker's RSS.
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'pulso_worker_' })
  }

  /**
   * Where the committed lag comes from at each scrape: the partitions the worker owns at that
   * moment, with their lag as the broker reports it, or undefined when it cannot be known (the
   * broker does not answer). Only the partitions given are exported, so after a rebalance the
   * series of a partition the worker no longer owns are gone.
   */
  measureCommittedLag(source: () => Promise<{ topic: string; partitions: PartitionLag[] } | undefined>): void {
    this.committedLagSource = source
  }

  /** Forgets the per-partition series, at a group join or when the worker leaves the group. */
  forgetPartitions(): void {
    this.fetchLag.reset()
    this.committedLag.reset()
  }

  private async collectCommittedLag(): Promise<void> {
    const measured = await this.committedLagSource?.()
    this.committedLag.reset()
    for (const { partition, lag } of measured?.partitions ?? []) this.committedLag.set({ topic: measured!.topic, partition: String(partition) }, lag)
  }

  recordStored(events: number, now = Date.now()): void {
    this.events.inc({ outcome: 'stored' }, events)
    this.window.push({ at: now, events })
    while (this.window.length && this.window[0]!.at < now - 10_000) this.window.shift()
    const total = this.window.reduce((sum, w) => sum + w.events, 0)
    this.eventsPerSecond.set(total / 10)
  }
}

/**
 * Serves GET /metrics (Prometheus text) and GET /healthz on `port` (0: a free port). /healthz
 * answers 200 when the report's status is ok and 503 otherwise, with the report as JSON.
 */
export async function serveMetrics(
  metrics: WorkerMetrics,
  port: number,
  health: () => Promise<{ status: 'ok' | 'unhealthy' }>,
): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/metrics') {
      metrics.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
        (error: Error) => res.writeHead(500).end(error.message),
      )
    } else if (req.method === 'GET' && req.url === '/healthz') {
      health().then(
        (report) => res.writeHead(report.status === 'ok' ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(report)),
        (error: Error) =>
          res
            .writeHead(503, { 'content-type': 'application/json' })
            .end(JSON.stringify({ status: 'unhealthy', problems: [`the health check failed: ${error.message}`] })),
      )
    } else {
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: 'not_found', message: `no route for ${req.method} ${req.url}; try GET /metrics or GET /healthz` }))
    }
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, () => resolve())
  })
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
