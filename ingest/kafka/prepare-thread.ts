// The worker thread that prepares Kafka blocks (prepareBlock), so that the worker's main thread
// only reads from Kafka and drives inserts. BlockPreparer bundles this file with esbuild and runs it.
import { parentPort, workerData } from 'node:worker_threads'
import { prepareBlock, type PrepareConfig } from './prepare-block.ts'
import type { PackedValues } from './packed-values.ts'

const config = workerData as PrepareConfig

parentPort!.on('message', ({ id, packed }: { id: number; packed: PackedValues }) => {
  try {
    const result = prepareBlock(packed, config)
    // the encoded rows move to the main thread without a copy (the buffer is the rows' own)
    parentPort!.postMessage({ id, result }, [result.encodedRows.buffer as ArrayBuffer])
  } catch (error) {
    parentPort!.postMessage({ id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) })
  }
})
