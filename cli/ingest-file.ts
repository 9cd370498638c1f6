// `pulso ingest FILE.ndjson`: loads a file (or standard input) into the data folder, or streams it
// to a running API's bulk intake (POST /v1/events/bulk). Both are the same bulk load
// (ingest/file-load/bulk-loads.ts): on embedded chDB the engine reads the file itself, on a
// ClickHouse server Node stores it in blocks.
import { statSync } from 'node:fs'
import { Readable } from 'node:stream'
import { Presets, SingleBar } from 'cli-progress'
import type { PulsoConfig } from '../config/config.ts'
import { inputChunks } from '../ingest/file-load/input-lines.ts'
import { countedEvents, type IngestSummary } from '../ingest/file-load/load-summary.ts'
import type { LoadProgress } from '../ingest/file-load/sql-file-load.ts'

export type { IngestSummary }

type Options = { tenant?: string; batch: number; url?: string; key?: string }

export async function ingestFile(config: PulsoConfig, file: string, options: Options): Promise<IngestSummary> {
  if (options.url && !options.key) throw new Error('--url needs --key (an API key with the ingest role)')
  if (options.url && options.tenant) throw new Error("--tenant does not apply with --url: the server takes the events of its API key's tenant only")
  const total = file === '-' ? 0 : statSync(file).size
  const bar = new SingleBar(
    { format: 'ingest [{bar}] {percentage}% | {value}/{total} bytes | {events}', hideCursor: true, stream: process.stderr },
    Presets.shades_classic,
  )
  bar.start(total || 1, 0, { events: '' })
  const onProgress = (p: LoadProgress) => bar.update(p.step === 'reading' ? p.bytesRead : total || 1, { events: describeProgress(p) })
  try {
    const summary = options.url ? await postToBulkIntake(file, options.url, options.key!, onProgress) : await loadLocally(config, file, options, onProgress)
    bar.update(total || 1, { events: `${countedEvents(summary)} events` })
    return summary
  } finally {
    bar.stop()
  }
}

async function loadLocally(config: PulsoConfig, file: string, options: Options, onProgress: (p: LoadProgress) => void): Promise<IngestSummary> {
  const runtime = await (await import('../runtime/runtime.ts')).openRuntime(config)
  try {
    return await runtime.bulkLoads.load(file, { tenantId: options.tenant, blockLines: options.batch, onProgress })
  } finally {
    await runtime.close()
  }
}

/** Streams the file to a running server's bulk intake; it answers the load's summary at the end. */
async function postToBulkIntake(file: string, url: string, key: string, onProgress: (p: LoadProgress) => void): Promise<IngestSummary> {
  let bytesRead = 0
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const chunk of inputChunks(file)) {
      bytesRead += chunk.length
      onProgress({ step: 'reading', bytesRead, lines: 0 })
      yield chunk
    }
    onProgress({ step: 'storing', lines: 0 })
  }
  const response = await fetch(new URL('/v1/events/bulk', url), {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson' },
    body: Readable.toWeb(Readable.from(counted())) as ReadableStream<Uint8Array>,
    duplex: 'half',
  } as RequestInit)
  const body = (await response.json()) as IngestSummary & { message?: string }
  if (!response.ok) throw new Error(`the API answered ${response.status}: ${body.message ?? JSON.stringify(body)}`)
  return body
}

function describeProgress(progress: LoadProgress): string {
  switch (progress.step) {
    case 'reading':
      return progress.lines > 0 ? `${progress.lines} lines read` : ''
    case 'storing':
      return progress.lines > 0 ? `storing ${progress.lines} lines` : 'storing'
    case 'checking':
      return `checking ${progress.done}/${progress.total} lines the engine could not vouch for`
    case 'facts':
      return `conversation facts ${Math.round((100 * progress.done) / Math.max(progress.total, 1))} %`
  }
}
