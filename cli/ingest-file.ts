// `pulso ingest FILE.ndjson`: streams the file in blocks into the data folder (or to a running API).
import { createReadStream, statSync } from 'node:fs'
import { Presets, SingleBar } from 'cli-progress'
import type { PulsoConfig } from '../config/config.ts'
import { BlockLoad } from '../ingest/block-load.ts'
import type { IntakeResult } from '../ingest/intake.ts'
import { type PackedValues, PackedValuesBuilder, unpackValue } from '../ingest/kafka/packed-values.ts'

export type IngestSummary = {
  lines: number
  accepted: number
  duplicates: number
  rejected: number
  firstRejections: { line: number; event_id: string | null; reason: string }[]
}

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
  const input = file === '-' ? process.stdin : createReadStream(file, { highWaterMark: 1 << 20 })
  const bar = new SingleBar(
    { format: 'ingest [{bar}] {percentage}% | {value}/{total} bytes | {events} events', hideCursor: true, stream: process.stderr },
    Presets.shades_classic,
  )
  bar.start(total || 1, 0, { events: 0 })

  const runtime = options.url ? undefined : await (await import('../runtime/runtime.ts')).openRuntime(config)
  const load = runtime && new BlockLoad(runtime.warehouse, config, runtime.facts, { tenantId: options.tenant })
  const summary: IngestSummary = { lines: 0, accepted: 0, duplicates: 0, rejected: 0, firstRejections: [] }
  const read: ReadProgress = { bytes: 0, lines: 0 }
  const counted = () => summary.accepted + summary.duplicates + summary.rejected

  const submit = async ({ values, lineNumbers }: LineBlock) => {
    const result = load ? await load.load(values) : await postBatch(options.url!, options.key!, blockTexts(values))
    summary.accepted += result.accepted
    summary.duplicates += result.duplicates
    summary.rejected += result.rejected.length
    for (const r of result.rejected) {
      if (summary.firstRejections.length < 20) summary.firstRejections.push({ line: lineNumbers[r.index]!, event_id: r.event_id, reason: r.reason })
    }
    bar.update(read.bytes, { events: counted() })
  }

  // Two blocks in flight: the next one is read and prepared while the engine stores the one before.
  const inFlight: Promise<void>[] = []
  try {
    for await (const block of lineBlocks(input, options.batch, read)) {
      const submitted = submit(block)
      submitted.catch(() => undefined) // awaited below; this only keeps Node from calling it unhandled first
      inFlight.push(submitted)
      if (inFlight.length >= 2) await inFlight.shift()
    }
    await Promise.all(inFlight.splice(0))
    await load?.refreshFacts((done, all) => bar.update(read.bytes, { events: `${counted()} (facts ${Math.round((100 * done) / Math.max(all, 1))} %)` }))
    summary.lines = read.lines
    bar.update(total || 1, { events: counted() })
  } finally {
    bar.stop()
    await load?.close()
    await runtime?.close()
  }
  return summary
}
