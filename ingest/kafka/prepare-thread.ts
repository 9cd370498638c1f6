// The worker thread that prepares blocks (prepareBlock), so that the main thread only reads (from
// Kafka or a file) and drives inserts. BlockPreparer runs it from its bundle (build/bundle.js).
import { parentPort, workerData } from 'node:worker_threads'
import type { PreparingThreadSetup } from './block-preparer.ts'
import type { PackedValues } from './packed-values.ts'
import { prepareBlock } from './prepare-block.ts'

const { config, options } = workerData as PreparingThreadSetup

parentPort!.on('message', ({ id, packed }: { id: number; packed: PackedValues }) => {
  try {
    const result = prepareBlock(packed, config, options)
    // the encoded rows move to the main thread without a copy (the buffer is the rows' own)
    parentPort!.postMessage({ id, result }, [result.encodedRows.buffer as ArrayBuffer])
  } catch (error) {
    parentPort!.postMessage({ id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) })
  }
})
