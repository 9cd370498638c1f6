// For tests only: the regression detector's comparisons as they were computed per conversation
// (every window a list of values, Mann–Whitney ranks by sorting them, the median by sorting), kept
// as the oracle the summary-based detector (regressions.ts) is compared with, and
// summarizeSamples, which sums per-conversation values the way queryRegressionGroups does in SQL.
// What did not change shares the detector's code: the p-value from ranks (mannWhitneyFromRanks)
// a comparison's effect and its flag (comparison, flagComparisons), and the report from the
// days' comparisons (reportRegressions).
import type { RegressionSettings } from '../config/operating-loop.ts'
import type { RegressionReport, SegmentRef } from '../definitions/api.ts'
import { type KpiName, SEGMENTS } from '../definitions/kpis.ts'
import type { BotRelease, RegressionGroup } from '../warehouse/repositories/regression-samples.ts'
import { type ComparisonResult, comparison, flagComparisons, reportRegressions, type UnflaggedComparison, windowsAt } from './regressions.ts'
import { type Alternative, mannWhitneyFromRanks, type TestResult, twoProportionZTest } from './statistics.ts'

/** One row of fct_regression_samples (the local day instead of started_at). */
export type RegressionSample = {
  started_on: string
  use_case: string
  intent: string
  bot_version: string
  channel: string
  escalated: number
  bot_resolved: number
  had_fallback: number
  csat_good: number | null
  frt_s: number | null
  handoff_wait_s: number | null
}

/** The rows of queryRegressionGroups, from per-conversation rows (group and value order aside). */
export function summarizeSamples(samples: RegressionSample[]): RegressionGroup[] {
  const groups = new Map<string, RegressionGroup>()
  for (const s of samples) {
    const key = JSON.stringify([s.started_on, s.use_case, s.intent, s.bot_version, s.channel])
    let g = groups.get(key)
    if (!g) {
      groups.set(
        key,
        (g = {
          started_on: s.started_on,
          use_case: s.use_case,
          intent: s.intent,
          bot_version: s.bot_version,
          channel: s.channel,
          conversations: 0,
          escalated_sum: 0,
          bot_resolved_sum: 0,
          had_fallback_sum: 0,
          csat_good_n: 0,
          csat_good_sum: 0,
          frt_s_values: [],
          handoff_wait_s_values: [],
        }),
      )
    }
    g.conversations++
    g.escalated_sum += s.escalated
    g.bot_resolved_sum += s.bot_resolved
    g.had_fallback_sum += s.had_fallback
    if (s.csat_good !== null) {
      g.csat_good_n++
      g.csat_good_sum += s.csat_good
    }
    if (s.frt_s !== null) g.frt_s_values.push(s.frt_s)
    if (s.handoff_wait_s !== null) g.handoff_wait_s_values.push(s.handoff_wait_s)
  }
  return [...groups.values()]
}

// ---- the per-conversation statistics, as they were --------------------------------------------

export function mannWhitneyUTestPerSample(current: number[], baseline: number[], alternative: Alternative): TestResult {
  const n1 = current.length
  const n2 = baseline.length
  if (n1 === 0 || n2 === 0) return { statistic: 0, pValue: 1 }
  const all = [...current.map((v) => ({ v, g: 0 })), ...baseline.map((v) => ({ v, g: 1 }))].sort((a, b) => a.v - b.v)
  const n = n1 + n2
  let rankSumCurrent = 0
  let tieTerm = 0
  for (let i = 0; i < n; ) {
    let j = i
    while (j + 1 < n && all[j + 1]!.v === all[i]!.v) j++
    const rank = (i + j) / 2 + 1 // average rank of the tied run, 1-based
    const ties = j - i + 1
    tieTerm += ties ** 3 - ties
    for (let k = i; k <= j; k++) if (all[k]!.g === 0) rankSumCurrent += rank
    i = j + 1
  }
  // the ranks are this oracle's own; the p-value from them is the detector's
  return mannWhitneyFromRanks(rankSumCurrent, n1, n2, tieTerm, alternative)
}

export function medianPerSample(values: number[]): number | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  const h = (sorted.length - 1) * 0.5
  const lo = Math.floor(h)
  return sorted[lo]! + (h - lo) * (sorted[Math.min(lo + 1, sorted.length - 1)]! - sorted[lo]!)
}

// ---- the per-conversation detector, as it was -------------------------------------------------

type Kind = 'rate' | 'duration'
type KpiSpec = { kpi: KpiName; kind: Kind; worse: 'higher' | 'lower'; scale: number; value: (s: RegressionSample) => number | null }

const KPIS: KpiSpec[] = [
  { kpi: 'escalation_rate', kind: 'rate', worse: 'higher', scale: 1, value: (s) => s.escalated },
  { kpi: 'fallback_rate', kind: 'rate', worse: 'higher', scale: 1, value: (s) => s.had_fallback },
  { kpi: 'bot_resolution_rate', kind: 'rate', worse: 'lower', scale: 1, value: (s) => s.bot_resolved },
  { kpi: 'csat_score', kind: 'rate', worse: 'lower', scale: 100, value: (s) => s.csat_good },
  { kpi: 'frt_p50_s', kind: 'duration', worse: 'higher', scale: 1, value: (s) => s.frt_s },
  { kpi: 'handoff_wait_p50_s', kind: 'duration', worse: 'higher', scale: 1, value: (s) => s.handoff_wait_s },
]

export type SampleIndex = Map<string, Map<string, RegressionSample[]>>

const segmentId = (segment: SegmentRef) => (segment ? `${segment.by}=${segment.value}` : 'all')

export function indexSamples(samples: RegressionSample[]): SampleIndex {
  const index: SampleIndex = new Map()
  const add = (segment: SegmentRef, s: RegressionSample) => {
    const id = segmentId(segment)
    let byDay = index.get(id)
    if (!byDay) index.set(id, (byDay = new Map()))
    let list = byDay.get(s.started_on)
    if (!list) byDay.set(s.started_on, (list = []))
    list.push(s)
  }
  for (const s of samples) {
    add(null, s)
    for (const by of SEGMENTS) if (s[by] !== '') add({ by, value: s[by] }, s)
  }
  return index
}

function collect(index: SampleIndex, days: string[], segment: SegmentRef, spec: KpiSpec): number[] {
  const byDay = index.get(segmentId(segment))
  const values: number[] = []
  if (!byDay) return values
  for (const day of days) {
    for (const s of byDay.get(day) ?? []) {
      const v = spec.value(s)
      if (v !== null && v !== undefined) values.push(Number(v))
    }
  }
  return values
}

export function evaluateAtPerSample(index: SampleIndex, asOf: string, settings: RegressionSettings): { results: ComparisonResult[]; skipped: number } {
  const windows = windowsAt(asOf, settings)
  const all = index.get('all')
  const currentSamples = windows.current.flatMap((d) => all?.get(d) ?? [])
  const segments: SegmentRef[] = [null]
  for (const by of SEGMENTS) {
    for (const value of [...new Set(currentSamples.map((s) => s[by]))].sort()) if (value !== '') segments.push({ by, value })
  }
  const results: UnflaggedComparison[] = []
  let skipped = 0
  for (const segment of segments) {
    for (const spec of KPIS) {
      const current = collect(index, windows.current, segment, spec)
      for (const baseline of ['previous_window', 'trailing_weeks'] as const) {
        const reference = collect(index, windows[baseline], segment, spec)
        if (current.length < settings.min_samples || reference.length < settings.min_samples) {
          skipped++
          continue
        }
        const alternative = spec.worse === 'higher' ? 'greater' : 'less'
        let currentValue: number
        let referenceValue: number
        let pValue: number
        if (spec.kind === 'rate') {
          const x1 = current.reduce((a, b) => a + b, 0)
          const x2 = reference.reduce((a, b) => a + b, 0)
          currentValue = (x1 / current.length) * spec.scale
          referenceValue = (x2 / reference.length) * spec.scale
          pValue = twoProportionZTest(x1, current.length, x2, reference.length, alternative).pValue
        } else {
          currentValue = medianPerSample(current)!
          referenceValue = medianPerSample(reference)!
          pValue = mannWhitneyUTestPerSample(current, reference, alternative).pValue
        }
        results.push(
          comparison(spec, segment, baseline, { value: currentValue, samples: current.length }, { value: referenceValue, samples: reference.length }, pValue),
        )
      }
    }
  }
  return { skipped, results: flagComparisons(results, settings) }
}

export function detectRegressionsPerSample(samples: RegressionSample[], releases: BotRelease[], asOf: string, settings: RegressionSettings): RegressionReport {
  const index = indexSamples(samples)
  return reportRegressions((day) => evaluateAtPerSample(index, day, settings), releases, asOf, settings)
}
