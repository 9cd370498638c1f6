// The worker thread that prepares Kafka blocks (prepareBlock), so that the worker's main thread
// only reads from Kafka and drives inserts. BlockPreparer bundles this file with esbuild and runs it.
import { parentPort, workerData } from 'node:worker_threads'
import { prepareBlock, type PrepareConfig } from './prepare-block.ts'
import type { PackedValues } from './packed-values.ts'

const config = workerData as PrepareConfig

parentPort!.on('message', ({ id, packed }: { id: number; packed: PackedValues }) => {
  try {
    parentPort!.postMessage({ id, result: prepareBlock(packed, config) })
  } catch (error) {
    parentPort!.postMessage({ id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) })
  }
})
