// What `pulso ingest FILE` reports: lines read, events stored, repeats, and the first rejections
// with the file line each came from.
import type { IntakeResult } from '../intake.ts'

export type IngestSummary = {
  lines: number
  accepted: number
  duplicates: number
  rejected: number
  firstRejections: { line: number; event_id: string | null; reason: string }[]
}

/** Rejections the summary quotes; the rest are counted (and kept as dead letters). */
const QUOTED_REJECTIONS = 20

export function emptySummary(): IngestSummary {
  return { lines: 0, accepted: 0, duplicates: 0, rejected: 0, firstRejections: [] }
}

/** Adds a block's result; `lineNumbers[i]` is the file line of the block's i-th item. */
export function addBlockResult(summary: IngestSummary, result: IntakeResult, lineNumbers: ArrayLike<number>): void {
  summary.accepted += result.accepted
  summary.duplicates += result.duplicates
  summary.rejected += result.rejected.length
  for (const r of result.rejected) {
    if (summary.firstRejections.length < QUOTED_REJECTIONS)
      summary.firstRejections.push({ line: lineNumbers[r.index]!, event_id: r.event_id, reason: r.reason })
  }
}

/** Events counted so far: stored, repeated or rejected. */
export function countedEvents(summary: IngestSummary): number {
  return summary.accepted + summary.duplicates + summary.rejected
}
