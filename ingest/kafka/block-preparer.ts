// Prepares blocks of events on worker threads: a Kafka worker's blocks, and a file's for
// `pulso ingest FILE`. Validation, mapping and serialization are most of a load's CPU; on the main
// thread they would stall kafkajs (fetches, heartbeats) and the hand-over of the previous block to
// ClickHouse. A block is split into one share per thread,
// prepared side by side, and put back together in order.
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { freshBundle } from '../../build/bundle.js'
import { TouchedConversations } from '../../warehouse/touched-conversations.ts'
import { type PackedValues, slicePacked } from './packed-values.ts'
import { KAFKA_BLOCKS, type PrepareConfig, type PreparedBlock, type PrepareOptions } from './prepare-block.ts'

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url))

/**
 * The thread's code: prepare-thread.ts and what it imports, as one CommonJS bundle (build/bundle.js).
 * A thread that registered tsx's loader instead would carry a loader and every module's
 * transpilation: ~65 MB of RSS against ~25 MB for the bundle.
 */
let threadBundle: Promise<string> | undefined

/** A block is split only when each share keeps at least this many messages. */
const MIN_SHARE = 1_000

export class BlockPreparer {
  private readonly threads: PreparingThread[]

  constructor(config: PrepareConfig, threads = 1, options: PrepareOptions = KAFKA_BLOCKS) {
    this.threads = Array.from({ length: threads }, () => new PreparingThread({ config, options }))
  }

  /**
   * Starts the threads and waits until each has prepared an empty block. Starting a thread (and
   * building its bundle when its sources changed) costs CPU: paid at start-up, not by the first
   * block (while kafkajs waits to heartbeat).
   */
  async start(): Promise<void> {
    const empty: PackedValues = { bytes: new Uint8Array(0), ends: new Int32Array(0), nulls: new Uint8Array(0) }
    await Promise.all(this.threads.map((thread) => thread.prepare(empty)))
  }

  /**
   * The values are copied to the threads, not handed over, so the caller can prepare them again
   * should a thread die or the engine refuse a row.
   * Repeats of an event in two shares of one block are both stored; stg_events counts them once.
   */
  async prepare(values: PackedValues): Promise<PreparedBlock> {
    const count = values.ends.length
    const shares = Math.max(1, Math.min(this.threads.length, Math.floor(count / MIN_SHARE)))
    const bounds = Array.from({ length: shares + 1 }, (_, i) => Math.round((count * i) / shares))
    const parts = await Promise.all(
      bounds.slice(0, -1).map((from, i) => this.threads[i]!.prepare(shares === 1 ? values : slicePacked(values, from, bounds[i + 1]!))),
    )
    return parts.length === 1 ? parts[0]! : joinShares(parts, bounds)
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((thread) => thread.close()))
  }
}

function joinShares(parts: PreparedBlock[], bounds: number[]): PreparedBlock {
  let rowIdentities: PreparedBlock['rowIdentities']
  if (parts[0]!.rowIdentities) {
    // each share's row ends count from its own first byte; the block's from the first share's
    let offset = 0
    const ends = parts.flatMap((p) => {
      const shifted = Array.from(p.rowIdentities!.ends, (end) => end + offset)
      offset += p.encodedRows.length
      return shifted
    })
    const identities = parts.map((p) => p.rowIdentities!)
    rowIdentities = {
      tenants: identities.flatMap((i) => i.tenants),
      conversations: identities.flatMap((i) => i.conversations),
      events: identities.flatMap((i) => i.events),
      ends: Int32Array.from(ends),
      // a share numbers its messages from 0, like its dead letters
      indexes: Int32Array.from(parts.flatMap((p, i) => Array.from(p.rowIdentities!.indexes, (index) => index + bounds[i]!))),
    }
  }
  return {
    rowIdentities,
    encodedRows: Buffer.concat(parts.map((p) => p.encodedRows)),
    rows: parts.reduce((n, p) => n + p.rows, 0),
    duplicates: parts.reduce((n, p) => n + p.duplicates, 0),
    skipped: parts.reduce((n, p) => n + p.skipped, 0),
    // a share numbers its messages from 0; the block numbers them from its first message
    deadLetters: parts.flatMap((p, i) => p.deadLetters.map((d) => ({ ...d, index: d.index + bounds[i]! }))),
    touched: TouchedConversations.fromJSON(...parts.map((p) => p.touched)).toJSON(),
  }
}

/** What a preparing thread is started with (its workerData). */
export type PreparingThreadSetup = { config: PrepareConfig; options: PrepareOptions }

/** One worker thread; blocks sent to it are prepared one at a time, in order. */
class PreparingThread {
  /** The thread, once its code is found (built first when its sources changed). */
  private worker: Promise<Worker> | undefined
  private nextId = 0
  private readonly waiting = new Map<number, { resolve: (block: PreparedBlock) => void; reject: (error: Error) => void }>()

  constructor(private readonly setup: PreparingThreadSetup) {}

  prepare(values: PackedValues): Promise<PreparedBlock> {
    const worker = this.start()
    const id = ++this.nextId
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject })
      worker.then(
        (started) => started.postMessage({ id, packed: values }),
        (error: Error) => this.fail(worker, error),
      )
    })
  }

  async close(): Promise<void> {
    const worker = this.worker
    this.worker = undefined
    await (await worker?.catch(() => undefined))?.terminate()
  }

  private start(): Promise<Worker> {
    if (!this.worker) {
      const worker: Promise<Worker> = threadCode().then((code) => this.startWorker(code, worker))
      this.worker = worker
    }
    return this.worker
  }

  private startWorker(code: string, started: Promise<Worker>): Worker {
    const worker = new Worker(code, {
      // No heap limit of its own: a block larger than a limit would fail on every retry and stall
      // the worker for good; the thread's heap follows the block size (PULSO_KAFKA_BLOCK_EVENTS).
      workerData: {
        config: { hashKey: this.setup.config.hashKey, tenants: this.setup.config.tenants },
        options: this.setup.options,
      } satisfies PreparingThreadSetup,
    })
    worker.on('message', ({ id, result, error }: { id: number; result?: PreparedBlock; error?: string }) => {
      const waiter = this.waiting.get(id)
      this.waiting.delete(id)
      if (error !== undefined) waiter?.reject(new Error(`preparing a block failed: ${error}`))
      else waiter?.resolve(result!)
    })
    worker.on('error', (error) => this.fail(started, error))
    worker.on('exit', (exitCode) => this.fail(started, new Error(`the block-preparing thread exited with code ${exitCode}`)))
    return worker
  }

  /** A dead thread (or one whose code could not be built) fails the blocks it held; the next block starts a new one. */
  private fail(worker: Promise<Worker>, error: Error): void {
    if (this.worker === worker) this.worker = undefined
    for (const waiter of this.waiting.values()) waiter.reject(error)
    this.waiting.clear()
  }
}

/** The path of the thread's bundle; a build that failed (a syntax error in a source file) is tried again by the next block. */
function threadCode(): Promise<string> {
  threadBundle ??= freshBundle(REPO_ROOT, 'prepare-thread').catch((error: unknown) => {
    threadBundle = undefined
    throw error
  })
  return threadBundle
}
