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

/** Conversations and customers a file ingest lets wait for their facts before refreshing them. */
const DEFERRED_FACTS_LIMIT = 500_000

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

  const submit = async (batch: { text: string; line: number }[]) => {
    let result: IntakeResult
    if (options.url) {
      result = await postBatch(options.url, options.key!, batch.map((b) => b.text))
    } else {
      const items = parseNdjsonLines(batch.map((b) => b.text))
      // The stored facts are refreshed once for the whole file (below), not once per batch
      result = await runtime!.intake.ingest(items, { source: 'file', tenantId: options.tenant, deferFacts: true })
    }
    summary.accepted += result.accepted
    summary.duplicates += result.duplicates
    summary.rejected += result.rejected.length
    for (const r of result.rejected) {
      if (summary.firstRejections.length < 20) summary.firstRejections.push({ line: batch[r.index]!.line, event_id: r.event_id, reason: r.reason })
    }
    bar.update(bytes, { events: summary.accepted + summary.duplicates + summary.rejected })
  }

  // Two batches in flight: the next one is parsed and validated here while the engine stores the
  // one before (the engine works on threads of its own).
  const inFlight: Promise<void>[] = []
  const flush = async () => {
    if (pending.length === 0) return
    const batch = pending
    pending = []
    const submitted = submit(batch)
    submitted.catch(() => undefined) // awaited below; this only keeps Node from calling it unhandled first
    inFlight.push(submitted)
    if (inFlight.length >= 2) await inFlight.shift()
    // A bound on what waits for its facts: a large file refreshes them along the way.
    if (runtime && runtime.intake.deferredConversations >= DEFERRED_FACTS_LIMIT) await refreshFacts()
  }

  const refreshFacts = async () => {
    await Promise.all(inFlight.splice(0))
    await runtime!.intake.refreshDeferredFacts((done, total) => bar.update(bytes, { events: `${summary.accepted + summary.duplicates + summary.rejected} (facts ${Math.round((100 * done) / total)} %)` }))
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
    await Promise.all(inFlight.splice(0))
    if (runtime) await refreshFacts()
    bar.update(total || 1, { events: summary.accepted + summary.duplicates + summary.rejected })
  } finally {
    bar.stop()
    await runtime?.close()
  }
  return summary
}
