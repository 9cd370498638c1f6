// A bulk load on a ClickHouse server (where the engine cannot read the load's files): Node reads
// the input in blocks of lines, and BlockLoad validates and stores them, as the Kafka worker does.
import type { BlockLoad } from '../block-load.ts'
import { type PackedValues, PackedValuesBuilder } from '../kafka/packed-values.ts'
import { inputChunks, LineSplitter, type LoadInput, type ReadProgress } from './input-lines.ts'
import { addBlockResult, emptySummary, type IngestSummary } from './load-summary.ts'
import type { LoadProgress } from './sql-file-load.ts'

/** A block of the input's non-blank lines, and the input line number of each. */
type LineBlock = { values: PackedValues; lineNumbers: Int32Array }

/**
 * The input's lines in blocks of `size` (blank lines skipped), as bytes: the preparing thread
 * decodes and parses them, the main thread only finds the line ends.
 */
async function* lineBlocks(input: LoadInput, size: number, read: ReadProgress): AsyncGenerator<LineBlock> {
  let builder = new PackedValuesBuilder()
  let lineNumbers: number[] = []
  // the blocks a chunk filled, handed on once it is split
  const filled: LineBlock[] = []
  const takeBlock = (): LineBlock => {
    const block = { values: builder.packed(), lineNumbers: Int32Array.from(lineNumbers) }
    // the next block gets its own buffers: this one's are kept until it is stored (a refused row's dead letter quotes its line)
    builder = new PackedValuesBuilder(builder.size)
    lineNumbers = []
    return block
  }
  const lines = new LineSplitter(read, (bytes, from, to, lineNumber) => {
    builder.add(bytes.subarray(from, to))
    lineNumbers.push(lineNumber)
    if (lineNumbers.length >= size) filled.push(takeBlock())
  })
  for await (const chunk of inputChunks(input)) {
    lines.add(chunk)
    yield* filled.splice(0)
  }
  lines.end()
  yield* filled.splice(0)
  if (lineNumbers.length > 0) yield takeBlock()
}

/** Reads the input in blocks of `blockLines` lines and stores them through `load`, then refreshes the facts. */
export async function loadInBlocks(
  input: LoadInput,
  load: BlockLoad,
  blockLines: number,
  onProgress: (progress: LoadProgress) => void,
): Promise<IngestSummary> {
  const summary = emptySummary()
  const read: ReadProgress = { bytes: 0, lines: 0 }
  const submit = async ({ values, lineNumbers }: LineBlock) => {
    addBlockResult(summary, await load.load(values), lineNumbers)
    onProgress({ step: 'reading', bytesRead: read.bytes, lines: read.lines })
  }
  // Two blocks in flight: the next one is read and prepared while the engine stores the one before.
  const inFlight: Promise<void>[] = []
  for await (const block of lineBlocks(input, blockLines, read)) {
    const submitted = submit(block)
    submitted.catch(() => undefined) // awaited below; this only keeps Node from calling it unhandled first
    inFlight.push(submitted)
    if (inFlight.length >= 2) await inFlight.shift()
  }
  await Promise.all(inFlight.splice(0))
  await load.refreshFacts((done, total) => onProgress({ step: 'facts', done, total }))
  summary.lines = read.lines
  return summary
}
