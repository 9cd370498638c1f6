// `pulso ingest FILE.ndjson`: streams the file in batches through the intake (or to a running API).
import { createReadStream, statSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { SingleBar, Presets } from 'cli-progress'
import type { PulsoConfig } from '../config/config.ts'
import { parseNdjsonLines, type IntakeResult } from '../ingest/intake.ts'

export type IngestSummary = {
  lines: number
  accepted: number
  duplicates: number
  rejected: number
  firstRejections: { line: number; event_id: string | null; reason: string }[]
}

type Options = { tenant?: string; batch: number; url?: string; key?: string }

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

export async function ingestFile(config: PulsoConfig, file: string, options: Options): Promise<IngestSummary> {
  if (options.url && !options.key) throw new Error('--url needs --key (an API key with the ingest role)')
  const total = file === '-' ? 0 : statSync(file).size
  const input = file === '-' ? process.stdin : createReadStream(file)
  const bar = new SingleBar({ format: 'ingest [{bar}] {percentage}% | {value}/{total} bytes | {events} events', hideCursor: true, stream: process.stderr }, Presets.shades_classic)
  bar.start(total || 1, 0, { events: 0 })

  const runtime = options.url ? undefined : await (await import('./runtime.ts')).openRuntime(config)
  const summary: IngestSummary = { lines: 0, accepted: 0, duplicates: 0, rejected: 0, firstRejections: [] }
  let bytes = 0
  let pending: { text: string; line: number }[] = []

  const flush = async () => {
    if (pending.length === 0) return
    const batch = pending
    pending = []
    let result: IntakeResult
    if (options.url) {
      result = await postBatch(options.url, options.key!, batch.map((b) => b.text))
    } else {
      const items = parseNdjsonLines(batch.map((b) => b.text))
      result = await runtime!.intake.ingest(items, { source: 'file', tenantId: options.tenant })
    }
    summary.accepted += result.accepted
    summary.duplicates += result.duplicates
    summary.rejected += result.rejected.length
    for (const r of result.rejected) {
      if (summary.firstRejections.length < 20) summary.firstRejections.push({ line: batch[r.index]!.line, event_id: r.event_id, reason: r.reason })
    }
    bar.update(bytes, { events: summary.accepted + summary.duplicates + summary.rejected })
  }

  try {
    const lines = createInterface({ input, crlfDelay: Infinity })
    for await (const text of lines) {
      summary.lines++
      bytes += Buffer.byteLength(text) + 1
      // Blank lines are skipped, so batch indexes map back to file lines through `line`.
      if (text.trim() === '') continue
      pending.push({ text, line: summary.lines })
      if (pending.length >= options.batch) await flush()
    }
    await flush()
    bar.update(total || 1)
  } finally {
    bar.stop()
    await runtime?.close()
  }
  return summary
}
