// The Kafka ingest worker: a member of a consumer group that reads conversation events, cuts
// them into blocks bounded by size and time, stores each block in ClickHouse (events, plus dead
// letters for bad messages, also published to a dead-letter topic), and only then commits the
// block's offsets. A crash anywhere before the commit means the block is read again: nothing is
// lost, and a repeated event counts once because stg_events deduplicates by (tenant_id, event_id).
import { type Consumer, type EachBatchPayload, type Kafka, Partitioners, type Producer } from 'kafkajs'
import type { Logger } from 'pino'
import type { KafkaSettings, PulsoConfig } from '../../config/config.ts'
import type { Warehouse } from '../../warehouse/client.ts'
import { type DeadLetterRow, insertDeadLetters } from '../../warehouse/repositories/events.ts'
import { TouchedConversations } from '../../warehouse/touched-conversations.ts'
import type { StoredEventsListener } from '../intake.ts'
import { retryWithBackoff } from './backoff.ts'
import { Block } from './block.ts'
import { BlockPreparer } from './block-preparer.ts'
import { insertBlockRows } from './block-rows.ts'
import { createKafka, ensureTopics } from './client.ts'
import { GroupObserver, type PartitionLag } from './group-observer.ts'
import { checkHealth, type HealthReport, type WorkerSelf } from './health.ts'
import { serveMetrics, WorkerMetrics } from './metrics.ts'
import { type BlockDeadLetter, KAFKA_BLOCKS, type PreparedBlock, type PrepareOptions } from './prepare-block.ts'

export type WorkerDeps = {
  config: Pick<PulsoConfig, 'hashKey' | 'tenants'> & { kafka: KafkaSettings }
  warehouse: Warehouse
  /** Keeps the stored conversation facts current: refreshed after each block is stored, before its commit. */
  facts: StoredEventsListener
  logger: Logger
  metrics?: WorkerMetrics
  /** Serve /metrics on config.kafka.metricsPort (the CLI does; in-process tests need not). */
  serveMetrics?: boolean
  /** Called when the consumer crashed beyond kafkajs's own restarts; the CLI exits non-zero. */
  onFatal?: (error: Error) => void
  /** What a message is: a v1 event (the default), or a Rasa tracker event mapped onto v1 events (`rasa`). */
  blocks?: PrepareOptions
}

/**
 * How much one fetch may bring. Every message of a fetch is decoded into objects at once, and they
 * live until the fetch is packed into the block. A 1 MB fetch (~3.8k events) is mostly packed
 * before the young generation's next collection; of 4 MB ones, twice as much survived into the old
 * generation (36–39 against 83–88 MB per 300k events), for more main-thread CPU and RSS (BENCHMARKS.md).
 */
export const WORKER_FETCH = { maxBytesPerPartition: 1024 * 1024, maxBytes: 1024 * 1024 }

/** How long the worker keeps starting a new consumer after a crash kafkajs does not restart from. */
const RESTART_GIVE_UP_MS = 5 * 60_000

export type WorkerState = 'idle' | 'running' | 'draining' | 'stopped'

/**
 * At most this many stored blocks wait for one refresh of their facts (and so for their commit)
 * while blocks keep coming: the facts lag the events by no more than that (docs/kafka.md).
 */
const REFRESH_AFTER_BLOCKS = 4

export class KafkaWorker {
  readonly metrics: WorkerMetrics
  metricsPort: number | undefined
  private readonly settings: KafkaSettings
  private readonly kafka: Kafka
  private consumer: Consumer | undefined
  private producer: Producer | undefined
  private metricsServer: { close(): Promise<void> } | undefined
  private generation = 0
  private block = new Block(0)
  /** Blocks are stored and committed one after another, in the order they were cut. */
  private flushing: Promise<void> = Promise.resolve()
  /** Blocks cut but not yet stored and committed, oldest first. */
  private pending: Promise<void>[] = []
  /** Blocks stored whose conversations' facts are not refreshed yet, so not committed yet either. */
  private unrefreshed: { blocks: Block[]; touched: TouchedConversations } = { blocks: [], touched: new TouchedConversations() }
  /** Blocks cut and waiting for the store of the one before them to finish. */
  private waitingToStore = 0
  private timer: NodeJS.Timeout | undefined
  private state: WorkerState = 'idle'
  private stopped: Promise<void> | undefined
  private assignment: Record<string, number[]> = {}
  private readonly preparer: BlockPreparer
  private readonly blocks: PrepareOptions
  /** Asks the broker for the group's committed offsets and members (/metrics, /healthz). */
  private readonly observer: GroupObserver
  private memberId: string | undefined
  private notMemberBecause: string | undefined
  private storeFailure: WorkerSelf['storeFailure']
  /** When the worker last heard from the group (its join or a heartbeat). */
  private lastGroupContact: number | undefined

  constructor(private readonly deps: WorkerDeps) {
    this.settings = deps.config.kafka
    this.metrics = deps.metrics ?? new WorkerMetrics()
    this.kafka = createKafka(this.settings, deps.logger, 'pulso-worker')
    this.blocks = deps.blocks ?? KAFKA_BLOCKS
    this.preparer = new BlockPreparer(deps.config, deps.config.kafka.prepareThreads, this.blocks)
    this.observer = new GroupObserver(this.kafka, this.settings.group)
    this.metrics.measureCommittedLag(() => this.ownedPartitionsLag())
  }

  get status(): { state: WorkerState; generation: number; buffered: number; assignment: Record<string, number[]>; memberId: string | undefined } {
    return { state: this.state, generation: this.generation, buffered: this.block.size, assignment: this.assignment, memberId: this.memberId }
  }

  async start(): Promise<void> {
    const { logger } = this.deps
    if (this.deps.serveMetrics) {
      const served = await serveMetrics(this.metrics, this.settings.metricsPort, () => this.health())
      this.metricsServer = served
      this.metricsPort = served.port
      logger.info({ port: served.port }, 'worker metrics on /metrics')
    }
    await this.preparer.start()
    await retryWithBackoff(() => ensureTopics(this.kafka, this.settings), {
      onRetry: (error, attempt, delayMs) => {
        this.metrics.retries.inc({ operation: 'connect' })
        logger.warn({ err: error, attempt, delayMs }, 'Kafka not reachable yet; retrying')
      },
      maxMs: 5_000,
    })
    this.producer = this.kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner })
    await this.producer.connect()
    await this.runConsumer()
    // Checked every 5 % of the time bound (at least every 20 ms), so that a block waits at most
    // ~5 % longer than PULSO_KAFKA_BLOCK_MS: the last events of a burst are stored that much sooner.
    const tick = Math.max(20, Math.min(250, Math.floor(this.settings.blockMs / 20)))
    this.timer = setInterval(() => {
      if (this.state === 'running' && this.pending.length <= 1 && this.block.ageMs() >= this.settings.blockMs) void this.flush().catch(() => undefined)
    }, tick)
    logger.info(
      { topic: this.settings.topic, group: this.settings.group, blockEvents: this.settings.blockEvents, blockMs: this.settings.blockMs },
      'Kafka worker started',
    )
  }

  /** Creates the group's consumer, joins and starts consuming. */
  private async runConsumer(): Promise<void> {
    const { logger } = this.deps
    const consumer = this.kafka.consumer({
      groupId: this.settings.group,
      ...WORKER_FETCH,
      maxWaitTimeInMs: Math.min(500, this.settings.blockMs),
      sessionTimeout: this.settings.sessionTimeoutMs,
      heartbeatInterval: this.settings.heartbeatIntervalMs,
      // kafkajs restarts a crashed consumer by itself; the group join that follows drops the block.
      retry: { initialRetryTime: 300, maxRetryTime: 5_000, retries: 30, restartOnFailure: async () => true },
    })
    this.consumer = consumer
    consumer.on(consumer.events.GROUP_JOIN, (event) => this.onGroupJoin(event.payload.memberId, event.payload.memberAssignment))
    consumer.on(consumer.events.HEARTBEAT, () => this.onHeartbeat())
    consumer.on(consumer.events.CRASH, (event) => {
      logger.error({ err: event.payload.error, restart: event.payload.restart }, 'Kafka consumer crashed')
      // kafkajs has left the group (it disconnects on a crash) and joins again when it restarts.
      this.onGroupLeft(`its consumer crashed (${event.payload.error.message})${event.payload.restart ? '; kafkajs restarts it' : ''}`)
      if (!event.payload.restart && this.state === 'running' && this.consumer === consumer) void this.replaceConsumer(event.payload.error)
    })
    await consumer.connect()
    await consumer.subscribe({ topics: [this.settings.topic], fromBeginning: true })
    // before run(): a batch that arrives while the worker is not running is not kept (onBatch)
    if (this.state === 'idle') this.state = 'running'
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: true, partitionsConsumedConcurrently: 1, eachBatch: (payload) => this.onBatch(payload) })
  }

  /**
   * A crash kafkajs does not restart from: it calls some errors final that a broker restart
   * causes ("Failed to find group coordinator" while the restarted broker loads the group), and
   * its consumer then stays stopped. The worker starts a new consumer, with backoff; only when
   * that keeps failing for RESTART_GIVE_UP_MS is the crash fatal (the CLI exits non-zero).
   */
  private async replaceConsumer(crash: Error): Promise<void> {
    const { logger } = this.deps
    const since = Date.now()
    try {
      await retryWithBackoff(
        async () => {
          if (this.state !== 'running') return
          await this.consumer?.disconnect().catch(() => undefined)
          await this.runConsumer()
        },
        {
          maxMs: 5_000,
          giveUp: () => Date.now() - since > RESTART_GIVE_UP_MS || this.state !== 'running',
          onRetry: (error, attempt, delayMs) => {
            this.metrics.retries.inc({ operation: 'consumer_restart' })
            logger.warn({ err: error, attempt, delayMs }, 'Kafka consumer not restarted yet; retrying')
          },
        },
      )
      logger.warn({ err: crash }, 'Kafka consumer restarted by the worker after a crash kafkajs does not restart from')
    } catch (error) {
      if (this.state === 'running') this.deps.onFatal?.(error instanceof Error ? error : crash)
    }
  }

  /** Finishes the block in flight (stored and committed), leaves the group and disconnects. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      const { logger } = this.deps
      const wasRunning = this.state === 'running'
      this.state = 'draining'
      clearInterval(this.timer)
      if (wasRunning) {
        logger.info({ buffered: this.block.size }, 'draining: storing the block in flight')
        await this.flush().catch((error) => logger.error({ err: error }, 'the last block was not stored; it will be read again'))
      }
      await this.consumer?.disconnect().catch((error) => logger.warn({ err: error }, 'consumer disconnect failed'))
      this.onGroupLeft('it stopped')
      await this.observer.close()
      await this.producer?.disconnect().catch((error) => logger.warn({ err: error }, 'producer disconnect failed'))
      await this.metricsServer?.close()
      await this.preparer.close()
      this.state = 'stopped'
      logger.info('Kafka worker stopped')
    })()
    return this.stopped
  }

  /** Healthy only when the group coordinator lists this worker and ClickHouse answers (see health.ts). */
  health(): Promise<HealthReport> {
    const self: WorkerSelf = {
      state: this.state,
      group: this.settings.group,
      memberId: this.memberId,
      notMemberBecause: this.notMemberBecause,
      storeFailure: this.storeFailure,
    }
    return checkHealth(self, this.observer, this.deps.warehouse)
  }

  private onGroupJoin(memberId: string, assignment: Record<string, number[]>): void {
    // kafkajs rebalances eagerly: every join revokes every partition, and a new generation
    // reads each partition it is given from the committed offset. So the unstored block is
    // dropped whole — its messages come back to whoever owns their partitions now — and a block
    // of an earlier generation being stored right now will not commit.
    this.generation++
    const dropped = this.block.size
    this.block = new Block(this.generation)
    this.assignment = assignment
    this.memberId = memberId
    this.notMemberBecause = undefined
    this.lastGroupContact = Date.now()
    this.metrics.rebalances.inc()
    this.metrics.assignedPartitions.set(Object.values(assignment).reduce((n, p) => n + p.length, 0))
    // the series of partitions given away go; those of the new assignment come at the next fetch and scrape
    this.metrics.forgetPartitions()
    this.deps.logger.info({ generation: this.generation, assignment, dropped }, 'joined the consumer group')
  }

  private onGroupLeft(because: string): void {
    this.memberId = undefined
    this.notMemberBecause = because
    this.assignment = {}
    this.lastGroupContact = undefined
    this.metrics.assignedPartitions.set(0)
    this.metrics.forgetPartitions()
  }

  private onHeartbeat(): void {
    const now = Date.now()
    if (this.lastGroupContact !== undefined) this.metrics.heartbeatSeconds.observe((now - this.lastGroupContact) / 1000)
    this.lastGroupContact = now
  }

  /** The committed lag of the partitions owned now, for /metrics; undefined when the broker does not answer. */
  private async ownedPartitionsLag(): Promise<{ topic: string; partitions: PartitionLag[] } | undefined> {
    const topic = this.settings.topic
    const owned = this.assignment[topic] ?? []
    if (owned.length === 0) return { topic, partitions: [] }
    try {
      const lags = await this.observer.committedLag(topic, owned)
      // a rebalance while the broker answered: keep only what is still owned
      const stillOwned = new Set(this.assignment[topic] ?? [])
      return { topic, partitions: lags.filter((l) => stillOwned.has(l.partition)) }
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'committed lag not exported: the broker did not answer')
      return undefined
    }
  }

  private async onBatch({ batch, heartbeat }: EachBatchPayload): Promise<void> {
    // While draining, new messages are not buffered; they are not committed either, so they are
    // read again by the next owner of the partition.
    if (this.state !== 'running') return
    this.metrics.fetchLag.set({ topic: batch.topic, partition: String(batch.partition) }, Number(batch.offsetLag()))
    this.block.add(batch.partition, batch.messages)
    if (this.block.size >= this.settings.blockEvents) void this.flush().catch(() => undefined)
    // Reading goes on while one block is stored and the next waits its turn; beyond that the
    // consumer waits (backpressure), heartbeating so that a slow or failing ClickHouse does not
    // get this worker thrown out of the group. At most three blocks are in memory.
    while (this.pending.length > 1) await this.waitHeartbeating(this.pending[0]!, heartbeat)
  }

  private async waitHeartbeating(work: Promise<void>, heartbeat: () => Promise<void>): Promise<void> {
    let done = false
    const settled = work.then(
      () => void (done = true),
      () => void (done = true),
    )
    while (!done) {
      await Promise.race([settled, new Promise((r) => setTimeout(r, 1_000))])
      if (!done) await heartbeat()
    }
  }

  /** Cuts the current block and queues it to be stored and committed. */
  private flush(): Promise<void> {
    if (this.block.size === 0) return this.flushing
    const block = this.block
    this.block = new Block(this.generation, block.sizes)
    // Preparing starts now, on the preparer's thread, while ClickHouse may still be storing the
    // previous block: reading, preparing and storing overlap.
    const prepared = this.preparer.prepare(block.values)
    this.waitingToStore++
    const run = this.flushing.then(() => {
      this.waitingToStore--
      return this.store(block, prepared)
    })
    this.flushing = run.catch(() => undefined)
    this.pending.push(run)
    void run.catch(() => undefined).finally(() => this.pending.splice(this.pending.indexOf(run), 1))
    return run
  }

  private async store(block: Block, preparing: Promise<PreparedBlock>): Promise<void> {
    const { logger, warehouse } = this.deps
    const topic = this.settings.topic
    const retry = (operation: string) => ({
      onRetry: (error: unknown, attempt: number, delayMs: number) => {
        this.metrics.retries.inc({ operation })
        this.storeFailure = { since: this.storeFailure?.since ?? Date.now(), operation, error: (error as Error).message }
        logger.warn({ err: error, attempt, delayMs, events: block.size }, `${operation} failed; retrying`)
      },
    })
    // Preparing is pure; should its thread die, the block is prepared again rather than skipped.
    const prepared = await preparing.catch(() => retryWithBackoff(() => this.preparer.prepare(block.values), retry('prepare')))
    const started = Date.now()
    const token = block.dedupToken(topic)
    const deadLetter = async (letters: BlockDeadLetter[]) => {
      if (letters.length === 0) return
      const rows = letters.map(
        (d): DeadLetterRow => ({
          tenant_id: d.tenant_id,
          source: 'kafka',
          batch_index: d.index,
          event_id: d.event_id,
          reason: withOrigin(d.reason, topic, block, d.index),
          payload: d.payload,
        }),
      )
      await retryWithBackoff(() => this.publishDeadLetters(block, rows), retry('dead_letter_publish'))
      await retryWithBackoff(() => insertDeadLetters(warehouse, rows), retry('dead_letter_insert'))
    }
    await deadLetter(prepared.deadLetters)
    // An event ClickHouse refuses is dead-lettered alone; the rest of the block is stored (block-rows.ts).
    const refused = await retryWithBackoff(() => insertBlockRows(warehouse, this.deps.config, block, prepared, token, this.blocks), retry('insert'))
    await deadLetter(refused)
    const deadLettered = prepared.deadLetters.length + refused.length
    this.unrefreshed.blocks.push(block)
    this.unrefreshed.touched.addAll(TouchedConversations.fromJSON(prepared.touched))
    // The facts are refreshed before the commit: a worker killed between the insert and the
    // refresh reads the block again, its insert is dropped as a repeat (the token) and the
    // refresh runs then. When the next block is already waiting behind this one, its store
    // refreshes both at once (a conversation both touched is recomputed once), up to
    // REFRESH_AFTER_BLOCKS blocks; a block with none behind it is refreshed and committed now.
    if (this.waitingToStore === 0 || this.unrefreshed.blocks.length >= REFRESH_AFTER_BLOCKS) await this.refreshAndCommit(retry)
    const storedMs = Date.now() - started
    this.metrics.insertSeconds.observe(storedMs / 1000)
    this.metrics.blockEvents.observe(block.size)
    this.metrics.recordStored(prepared.rows - refused.length)
    this.metrics.events.inc({ outcome: 'dead_lettered' }, deadLettered)
    this.metrics.events.inc({ outcome: 'skipped' }, prepared.skipped)
    this.metrics.deadLetters.inc(deadLettered)
    this.storeFailure = undefined
    logger.debug({ events: prepared.rows - refused.length, deadLetters: deadLettered, duplicates: prepared.duplicates, storedMs, token }, 'block stored')
  }

  /** Refreshes the facts of the blocks stored since the last refresh, then commits them in order. */
  private async refreshAndCommit(retry: (operation: string) => Parameters<typeof retryWithBackoff>[1]): Promise<void> {
    const { blocks, touched } = this.unrefreshed
    this.unrefreshed = { blocks: [], touched: new TouchedConversations() }
    await retryWithBackoff(() => this.deps.facts.refresh(touched), retry('facts_refresh'))
    for (const block of blocks) await this.commit(block)
  }

  private async commit(block: Block): Promise<void> {
    if (block.generation !== this.generation || !this.consumer) {
      this.metrics.commits.inc({ result: 'skipped_after_rebalance' })
      return
    }
    try {
      await this.consumer.commitOffsets(block.commitOffsets(this.settings.topic))
      this.metrics.commits.inc({ result: 'ok' })
    } catch (error) {
      // The block is stored; without the commit it is read again and deduplicated. Not fatal.
      this.metrics.commits.inc({ result: 'failed' })
      this.deps.logger.warn({ err: error }, 'offset commit failed; the block will be read again')
    }
  }

  private async publishDeadLetters(block: Block, deadLetters: DeadLetterRow[]): Promise<void> {
    await this.producer!.send({
      topic: this.settings.deadLetterTopic,
      acks: -1,
      messages: deadLetters.map((d) => {
        const origin = block.origin(d.batch_index)
        return {
          key: origin.key,
          value: d.payload,
          headers: {
            'pulso-reason': d.reason,
            'pulso-topic': this.settings.topic,
            'pulso-partition': String(origin.partition),
            'pulso-offset': origin.offset,
          },
        }
      }),
    })
  }
}

function withOrigin(reason: string, topic: string, block: Block, index: number): string {
  const origin = block.origin(index)
  return `${reason} (kafka ${topic} partition ${origin.partition} offset ${origin.offset})`
}
