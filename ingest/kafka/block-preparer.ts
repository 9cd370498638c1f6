// Prepares Kafka blocks on a worker thread. Validation, mapping and serialization are most of a
// worker's CPU; on the main thread they would stall kafkajs (fetches, heartbeats) and the
// hand-over of the previous block to ClickHouse. Blocks are prepared one at a time, in order.
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { buildSync } from 'esbuild'
import type { PackedValues } from './packed-values.ts'
import { prepareBlock, type PrepareConfig, type PreparedBlock } from './prepare-block.ts'

let threadCode: string | undefined

/**
 * The thread's code: prepare-thread.ts and what it imports, bundled by esbuild (the compiler tsx
 * runs on) into one CommonJS script. A thread that registered tsx's loader instead would carry a
 * loader and every module's transpilation: ~65 MB of RSS against ~25 MB for the bundle.
 */
function bundledThreadCode(): string {
  threadCode ??= buildSync({
    entryPoints: [fileURLToPath(new URL('./prepare-thread.ts', import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    write: false,
    logLevel: 'silent',
  }).outputFiles[0]!.text
  return threadCode
}

export class BlockPreparer {
  private worker: Worker | undefined
  private nextId = 0
  private readonly waiting = new Map<number, { resolve: (block: PreparedBlock) => void; reject: (error: Error) => void }>()

  /** `threaded: false` prepares on the calling thread. */
  constructor(
    private readonly config: PrepareConfig,
    private readonly threaded = true,
  ) {}

  /** The values are copied to the thread, so the caller can prepare them again should it die. */
  prepare(values: PackedValues): Promise<PreparedBlock> {
    if (!this.threaded) return Promise.resolve(prepareBlock(values, this.config))
    const worker = this.start()
    const id = ++this.nextId
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject })
      worker.postMessage({ id, packed: values })
    })
  }

  async close(): Promise<void> {
    const worker = this.worker
    this.worker = undefined
    await worker?.terminate()
  }

  private start(): Worker {
    if (this.worker) return this.worker
    const worker = new Worker(bundledThreadCode(), {
      eval: true,
      // No heap limit of its own: a block larger than a limit would fail on every retry and stall
      // the worker for good; the thread's heap follows the block size (PULSO_KAFKA_BLOCK_EVENTS).
      workerData: { hashKey: this.config.hashKey, tenants: this.config.tenants } satisfies PrepareConfig,
    })
    worker.on('message', ({ id, result, error }: { id: number; result?: PreparedBlock; error?: string }) => {
      const waiter = this.waiting.get(id)
      this.waiting.delete(id)
      if (error !== undefined) waiter?.reject(new Error(`preparing a block failed: ${error}`))
      else waiter?.resolve(result!)
    })
    const fail = (error: Error) => {
      // A dead thread fails the blocks it held; the next block starts a new one.
      if (this.worker === worker) this.worker = undefined
      for (const waiter of this.waiting.values()) waiter.reject(error)
      this.waiting.clear()
    }
    worker.on('error', fail)
    worker.on('exit', (code) => fail(new Error(`the block-preparing thread exited with code ${code}`)))
    this.worker = worker
    return worker
  }
}
