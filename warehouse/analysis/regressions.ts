// The regression detector. For each KPI × segment (all, use case, intent, bot version, channel)
// the current window (window_days ending on as_of) is compared with two baselines:
//   previous_window  the window_days just before it;
//   trailing_weeks   the same weekdays of the trailing_weeks weeks before it (weekly seasonality).
// Rates use a one-sided two-proportion z-test, durations a one-sided Mann–Whitney U test; pairs
// with fewer than min_samples on either side are not tested; Benjamini–Hochberg controls the false
// discovery rate over every test of one evaluation; and a change must also be practically large
// (min_relative_effect). The evaluation runs for every day of the lookback (lookback_days before
// as_of, up to as_of): a KPI × segment flagged on at least min_days_flagged of those days is a
// regression, reported with its strongest evaluation. "First seen" is the first day it was
// flagged; the release it follows is the latest bot version first seen within two windows
// before that day (for a bot_version segment, that version itself).
import type { RegressionSettings } from '../../config/operating-loop.ts'
import type { BotRelease, RegressionSample } from '../repositories/regression-samples.ts'
import { addDays } from './dates.ts'
import { benjaminiHochberg, mannWhitneyUTest, median, twoProportionZTest } from './statistics.ts'

type Kind = 'rate' | 'duration'
type KpiSpec = { kpi: string; kind: Kind; worse: 'higher' | 'lower'; scale: number; value: (s: RegressionSample) => number | null }

/** What is tested; the per-conversation values are defined in the fct_regression_samples mart. */
export const REGRESSION_KPIS: KpiSpec[] = [
  { kpi: 'escalation_rate', kind: 'rate', worse: 'higher', scale: 1, value: (s) => s.escalated },
  { kpi: 'fallback_rate', kind: 'rate', worse: 'higher', scale: 1, value: (s) => s.had_fallback },
  { kpi: 'bot_resolution_rate', kind: 'rate', worse: 'lower', scale: 1, value: (s) => s.bot_resolved },
  { kpi: 'csat_score', kind: 'rate', worse: 'lower', scale: 100, value: (s) => s.csat_good },
  { kpi: 'frt_p50_s', kind: 'duration', worse: 'higher', scale: 1, value: (s) => s.frt_s },
  { kpi: 'handoff_wait_p50_s', kind: 'duration', worse: 'higher', scale: 1, value: (s) => s.handoff_wait_s },
]

export const SEGMENT_DIMENSIONS = ['use_case', 'intent', 'bot_version', 'channel'] as const
export type SegmentRef = { by: (typeof SEGMENT_DIMENSIONS)[number]; value: string } | null
export type BaselineKind = 'previous_window' | 'trailing_weeks'

export type ComparisonResult = {
  kpi: string
  segment: SegmentRef
  baseline: BaselineKind
  test: 'two_proportion_z' | 'mann_whitney_u'
  current: { value: number; samples: number }
  reference: { value: number; samples: number }
  effect: { absolute: number; relative: number | null }
  worse_when: 'higher' | 'lower'
  p_value: number
  p_adjusted: number
  flagged: boolean
}

export type Regression = {
  kpi: string
  segment: SegmentRef
  worse_when: 'higher' | 'lower'
  test: ComparisonResult['test']
  baseline: { kind: BaselineKind; from: string; to: string; value: number; samples: number }
  current: { from: string; to: string; value: number; samples: number }
  effect: { absolute: number; relative: number | null }
  p_value: number
  p_adjusted: number
  /** First and latest evaluation day it was flagged; active = flagged on as_of. */
  first_seen: string
  last_seen: string
  days_flagged: number
  active: boolean
  release: { bot_version: string; first_seen_at: string } | null
}

export type RegressionReport = { as_of: string; window_days: number; lookback_days: number; tests_run: number; tests_skipped_small_samples: number; regressions: Regression[] }

const segmentKey = (kpi: string, segment: SegmentRef) => `${kpi}|${segment ? `${segment.by}=${segment.value}` : 'all'}`

function daysOfWindow(end: string, length: number): string[] {
  return Array.from({ length }, (_, i) => addDays(end, i - length + 1))
}

/** The days of each window evaluated on `asOf`. */
export function windowsAt(asOf: string, settings: RegressionSettings) {
  const current = daysOfWindow(asOf, settings.window_days)
  const previous = current.map((d) => addDays(d, -settings.window_days))
  const inCurrent = new Set(current)
  const trailing = [...new Set(Array.from({ length: settings.trailing_weeks }, (_, k) => current.map((d) => addDays(d, -7 * (k + 1)))).flat())].filter((d) => !inCurrent.has(d))
  return { current, previous_window: previous, trailing_weeks: trailing }
}

/** Samples indexed by segment then day, so every window of every evaluation is cheap to assemble. */
type SampleIndex = Map<string, Map<string, RegressionSample[]>>

const segmentId = (segment: SegmentRef) => (segment ? `${segment.by}=${segment.value}` : 'all')

function indexSamples(samples: RegressionSample[]): SampleIndex {
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
    for (const by of SEGMENT_DIMENSIONS) if (s[by] !== '') add({ by, value: s[by] }, s)
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


/** Every comparison of one evaluation date, with BH-adjusted p-values and the flag. */
export function evaluateAt(index: SampleIndex, asOf: string, settings: RegressionSettings): { results: ComparisonResult[]; skipped: number } {
  const windows = windowsAt(asOf, settings)
  const all = index.get('all')
  const currentSamples = windows.current.flatMap((d) => all?.get(d) ?? [])
  const segments: SegmentRef[] = [null]
  for (const by of SEGMENT_DIMENSIONS) {
    for (const value of [...new Set(currentSamples.map((s) => s[by]))].sort()) if (value !== '') segments.push({ by, value })
  }
  const results: Omit<ComparisonResult, 'p_adjusted' | 'flagged'>[] = []
  let skipped = 0
  for (const segment of segments) {
    for (const spec of REGRESSION_KPIS) {
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
          currentValue = median(current)!
          referenceValue = median(reference)!
          pValue = mannWhitneyUTest(current, reference, alternative).pValue
        }
        const absolute = currentValue - referenceValue
        results.push({
          kpi: spec.kpi,
          segment,
          baseline,
          test: spec.kind === 'rate' ? 'two_proportion_z' : 'mann_whitney_u',
          current: { value: currentValue, samples: current.length },
          reference: { value: referenceValue, samples: reference.length },
          effect: { absolute, relative: referenceValue === 0 ? null : absolute / Math.abs(referenceValue) },
          worse_when: spec.worse,
          p_value: pValue,
        })
      }
    }
  }
  const adjusted = benjaminiHochberg(results.map((r) => r.p_value))
  return {
    skipped,
    results: results.map((r, i) => {
      const worse = r.worse_when === 'higher' ? r.effect.absolute > 0 : r.effect.absolute < 0
      // From a zero baseline any worsening is a large relative change.
      const large = r.effect.relative === null ? worse : Math.abs(r.effect.relative) >= settings.min_relative_effect
      return { ...r, p_adjusted: adjusted[i]!, flagged: worse && large && adjusted[i]! < settings.fdr }
    }),
  }
}

/** How many days of samples detectRegressions needs before as_of. */
export function samplesNeededDays(settings: RegressionSettings): number {
  return settings.lookback_days + Math.max(2 * settings.window_days, settings.window_days + 7 * settings.trailing_weeks)
}

export function detectRegressions(samples: RegressionSample[], releases: BotRelease[], asOf: string, settings: RegressionSettings): RegressionReport {
  const index = indexSamples(samples)
  // Per KPI × segment: the days it was flagged and its strongest flagged comparison.
  const found = new Map<string, { days: string[]; best: ComparisonResult; bestDay: string }>()
  let atAsOf = { tests: 0, skipped: 0 }
  for (let back = settings.lookback_days; back >= 0; back--) {
    const day = addDays(asOf, -back)
    const evaluation = evaluateAt(index, day, settings)
    if (back === 0) atAsOf = { tests: evaluation.results.length, skipped: evaluation.skipped }
    const flaggedToday = new Set<string>()
    for (const r of evaluation.results) {
      if (!r.flagged) continue
      const key = segmentKey(r.kpi, r.segment)
      let entry = found.get(key)
      if (!entry) found.set(key, (entry = { days: [], best: r, bestDay: day }))
      if (!flaggedToday.has(key)) entry.days.push(day)
      flaggedToday.add(key)
      if (r.p_adjusted < entry.best.p_adjusted) Object.assign(entry, { best: r, bestDay: day })
    }
  }
  const regressions: Regression[] = []
  for (const { days, best: r, bestDay } of found.values()) {
    if (days.length < settings.min_days_flagged) continue
    const seen = days[0]!
    const earliest = addDays(seen, -2 * settings.window_days + 1)
    const release = [...releases].reverse().find((rel) => rel.first_seen_on <= seen && rel.first_seen_on >= earliest && (r.segment?.by !== 'bot_version' || rel.bot_version === r.segment.value))
    const windows = windowsAt(bestDay, settings)
    const baselineDays = [...windows[r.baseline]].sort()
    regressions.push({
      kpi: r.kpi,
      segment: r.segment,
      worse_when: r.worse_when,
      test: r.test,
      baseline: { kind: r.baseline, from: baselineDays[0]!, to: baselineDays[baselineDays.length - 1]!, ...r.reference },
      current: { from: windows.current[0]!, to: bestDay, ...r.current },
      effect: r.effect,
      p_value: r.p_value,
      p_adjusted: r.p_adjusted,
      first_seen: seen,
      last_seen: days[days.length - 1]!,
      days_flagged: days.length,
      active: days[days.length - 1] === asOf,
      release: release ? { bot_version: release.bot_version, first_seen_at: release.first_seen_at } : null,
    })
  }
  regressions.sort((a, b) => a.p_adjusted - b.p_adjusted || a.kpi.localeCompare(b.kpi))
  return { as_of: asOf, window_days: settings.window_days, lookback_days: settings.lookback_days, tests_run: atAsOf.tests, tests_skipped_small_samples: atAsOf.skipped, regressions }
}
