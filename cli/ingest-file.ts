// `pulso ingest FILE.ndjson`: loads a file (or standard input) into the data folder, or sends it
// to a running API. On embedded chDB the engine reads the file itself (ingest/file-load); on a
// ClickHouse server, and towards an API, Node reads it in blocks.
import { createReadStream, statSync } from 'node:fs'
import { Presets, SingleBar } from 'cli-progress'
import type { PulsoConfig } from '../config/config.ts'
import { BlockLoad } from '../ingest/block-load.ts'
import { addBlockResult, countedEvents, emptySummary, type IngestSummary } from '../ingest/file-load/load-summary.ts'
import { type LoadProgress, loadFileInSql } from '../ingest/file-load/sql-file-load.ts'
import type { IntakeResult } from '../ingest/intake.ts'
import { type PackedValues, PackedValuesBuilder, unpackValue } from '../ingest/kafka/packed-values.ts'

export type { IngestSummary }

type Options = { tenant?: string; batch: number; url?: string; key?: string }

/** A block of a file's non-blank lines, and the file line number of each. */
type LineBlock = { values: PackedValues; lineNumbers: Int32Array }

const NEWLINE = 10
const CARRIAGE_RETURN = 13

/** True when the bytes are only spaces, tabs and carriage returns. */
function isBlank(bytes: Uint8Array): boolean {
  for (const byte of bytes) if (byte !== 32 && byte !== 9 && byte !== CARRIAGE_RETURN) return false
  return true
}

/** How far a reading of the input got. */
type ReadProgress = { bytes: number; lines: number }

/**
 * The input's lines in blocks of `size` (blank lines skipped), as bytes: the preparing thread
 * decodes and parses them, the main thread only finds the line ends.
 */
async function* lineBlocks(input: NodeJS.ReadableStream, size: number, read: ReadProgress): AsyncGenerator<LineBlock> {
  let builder = new PackedValuesBuilder()
  let lineNumbers: number[] = []
  const addLine = (line: Uint8Array) => {
    const lineNumber = ++read.lines
    const end = line.length > 0 && line[line.length - 1] === CARRIAGE_RETURN ? line.length - 1 : line.length
    if (isBlank(line)) return
    builder.add(line.subarray(0, end))
    lineNumbers.push(lineNumber)
  }
  const takeBlock = (): LineBlock => {
    const block = { values: builder.packed(), lineNumbers: Int32Array.from(lineNumbers) }
    // the next block gets its own buffers: this one's are kept until it is stored (a refused row's dead letter quotes its line)
    builder = new PackedValuesBuilder(builder.size)
    lineNumbers = []
    return block
  }
  // The start of a line whose end is in a later chunk, piece by piece (a long line is joined once).
  let partial: Buffer[] = []
  for await (const chunk of input as AsyncIterable<Buffer>) {
    read.bytes += chunk.length
    let start = 0
    for (let end = chunk.indexOf(NEWLINE); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
      if (partial.length > 0) {
        addLine(Buffer.concat([...partial, chunk.subarray(0, end)]))
        partial = []
      } else {
        addLine(chunk.subarray(start, end))
      }
      start = end + 1
      if (lineNumbers.length >= size) yield takeBlock()
    }
    if (start < chunk.length) partial.push(Buffer.from(chunk.subarray(start))) // a copy: the stream may reuse its chunk
  }
  if (partial.length > 0) addLine(Buffer.concat(partial))
  if (lineNumbers.length > 0) yield takeBlock()
}

async function postBatch(url: string, key: string, lines: string[]): Promise<IntakeResult> {
  const response = await fetch(new URL('/v1/events', url), {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson' },
    body: lines.join('\n'),
  })
  const body = (await response.json()) as IntakeResult & { message?: string }
  if (!response.ok) throw new Error(`the API answered ${response.status}: ${body.message ?? JSON.stringify(body)}`)
  return body
}

function blockTexts(values: PackedValues): string[] {
  return Array.from(values.ends, (_, index) => Buffer.from(unpackValue(values, index) ?? new Uint8Array()).toString('utf8'))
}

export async function ingestFile(config: PulsoConfig, file: string, options: Options): Promise<IngestSummary> {
  if (options.url && !options.key) throw new Error('--url needs --key (an API key with the ingest role)')
  const total = file === '-' ? 0 : statSync(file).size
  const bar = new SingleBar(
    { format: 'ingest [{bar}] {percentage}% | {value}/{total} bytes | {events}', hideCursor: true, stream: process.stderr },
    Presets.shades_classic,
  )
  bar.start(total || 1, 0, { events: '' })
  const runtime = options.url ? undefined : await (await import('../runtime/runtime.ts')).openRuntime(config)
  const load = runtime && new BlockLoad(runtime.warehouse, config, runtime.facts, { tenantId: options.tenant })
  try {
    if (runtime?.warehouse.engine === 'embedded') {
      const summary = await loadFileInSql(runtime.warehouse, config, load!, file, {
        tenantId: options.tenant,
        blockLines: options.batch,
        onProgress: (p) => bar.update(p.step === 'reading' ? p.bytesRead : total || 1, { events: describeProgress(p) }),
      })
      bar.update(total || 1, { events: `${countedEvents(summary)} events` })
      return summary
    }
    return await ingestInBlocks(file, options, load, (bytes, summary) => bar.update(bytes, { events: `${countedEvents(summary)} events` }))
  } finally {
    bar.stop()
    await load?.close()
    await runtime?.close()
  }
}

function describeProgress(progress: LoadProgress): string {
  switch (progress.step) {
    case 'reading':
      return `${progress.lines} lines read`
    case 'storing':
      return `storing ${progress.lines} lines`
    case 'checking':
      return `checking ${progress.done}/${progress.total} lines the engine could not vouch for`
    case 'facts':
      return `conversation facts ${Math.round((100 * progress.done) / Math.max(progress.total, 1))} %`
  }
}

/** Node reads the input in blocks and stores them (`load`) or posts them to an API (`--url`). */
async function ingestInBlocks(
  file: string,
  options: Options,
  load: BlockLoad | undefined,
  onProgress: (bytesRead: number, summary: IngestSummary) => void,
): Promise<IngestSummary> {
  const input = file === '-' ? process.stdin : createReadStream(file, { highWaterMark: 1 << 20 })
  const summary = emptySummary()
  const read: ReadProgress = { bytes: 0, lines: 0 }
  const submit = async ({ values, lineNumbers }: LineBlock) => {
    const result = load ? await load.load(values) : await postBatch(options.url!, options.key!, blockTexts(values))
    addBlockResult(summary, result, lineNumbers)
    onProgress(read.bytes, summary)
  }
  // Two blocks in flight: the next one is read and prepared while the engine stores the one before.
  const inFlight: Promise<void>[] = []
  for await (const block of lineBlocks(input, options.batch, read)) {
    const submitted = submit(block)
    submitted.catch(() => undefined) // awaited below; this only keeps Node from calling it unhandled first
    inFlight.push(submitted)
    if (inFlight.length >= 2) await inFlight.shift()
  }
  await Promise.all(inFlight.splice(0))
  await load?.refreshFacts(() => onProgress(read.bytes, summary))
  summary.lines = read.lines
  return summary
}
