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
//
// The work follows days × segments × distinct values, not conversations: the warehouse sums the
// conversations per day and group (queryRegressionGroups); each segment keeps per day its totals
// and its durations as counts over the segment's sorted distinct values; a window's duration
// counts move with the lookback by the days that leave and enter it; the Mann–Whitney test and the
// median walk those counts once (statistics.ts). The results are those of the per-conversation
// computation bit for bit (regressions-summaries.test.ts compares them on random data with ties).
import type { RegressionSettings } from '../config/operating-loop.ts'
import type { BaselineKind, Regression, RegressionReport, SegmentRef } from '../definitions/api.ts'
import { KPI_CATALOG, type KpiName, SEGMENTS } from '../definitions/kpis.ts'
import type { BotRelease, RegressionGroup } from '../warehouse/repositories/regression-samples.ts'
import { addDays } from './dates.ts'
import { benjaminiHochberg, mannWhitneyUTestOfCounts, medianOfCounts, positionOf, twoProportionZTest } from './statistics.ts'

type CountField = 'conversations' | 'csat_good_n'
type SumField = 'escalated_sum' | 'bot_resolved_sum' | 'had_fallback_sum' | 'csat_good_sum'
type DurationField = 'frt_s_values' | 'handoff_wait_s_values'
type KpiSpec = { kpi: KpiName; scale: number } & (
  | { kind: 'rate' /** conversations with a value */; samples: CountField /** how many of them are 1 */; sum: SumField }
  | { kind: 'duration'; values: DurationField }
)

/**
 * What is tested; the per-conversation values are defined in the fct_regression_samples mart:
 * escalated, had_fallback, bot_resolved and csat_good (null without a CSAT) for the rates, frt_s
 * and handoff_wait_s for the durations.
 */
export const REGRESSION_KPIS: KpiSpec[] = [
  { kpi: 'escalation_rate', kind: 'rate', scale: 1, samples: 'conversations', sum: 'escalated_sum' },
  { kpi: 'fallback_rate', kind: 'rate', scale: 1, samples: 'conversations', sum: 'had_fallback_sum' },
  { kpi: 'bot_resolution_rate', kind: 'rate', scale: 1, samples: 'conversations', sum: 'bot_resolved_sum' },
  { kpi: 'csat_score', kind: 'rate', scale: 100, samples: 'csat_good_n', sum: 'csat_good_sum' },
  { kpi: 'frt_p50_s', kind: 'duration', scale: 1, values: 'frt_s_values' },
  { kpi: 'handoff_wait_p50_s', kind: 'duration', scale: 1, values: 'handoff_wait_s_values' },
]

const TOTAL_FIELDS = ['conversations', 'csat_good_n', 'escalated_sum', 'bot_resolved_sum', 'had_fallback_sum', 'csat_good_sum'] as const
const DURATION_FIELDS = ['frt_s_values', 'handoff_wait_s_values'] as const

/** A regression is a change the wrong way: against the KPI's better direction in the catalog. */
export function worseWhen(kpi: KpiName): 'higher' | 'lower' {
  return KPI_CATALOG[kpi].better === 'higher' ? 'lower' : 'higher'
}

export type ComparisonResult = {
  kpi: KpiName
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

const segmentKey = (kpi: string, segment: SegmentRef) => `${kpi}|${segment ? `${segment.by}=${segment.value}` : 'all'}`

function daysOfWindow(end: string, length: number): string[] {
  return Array.from({ length }, (_, i) => addDays(end, i - length + 1))
}

/** The days of each window evaluated on `asOf`. */
export function windowsAt(asOf: string, settings: RegressionSettings) {
  const current = daysOfWindow(asOf, settings.window_days)
  const previous = current.map((d) => addDays(d, -settings.window_days))
  const inCurrent = new Set(current)
  const trailing = [...new Set(Array.from({ length: settings.trailing_weeks }, (_, k) => current.map((d) => addDays(d, -7 * (k + 1)))).flat())].filter(
    (d) => !inCurrent.has(d),
  )
  return { current, previous_window: previous, trailing_weeks: trailing }
}

type Totals = Record<(typeof TOTAL_FIELDS)[number], number>

/** One duration of one segment: its distinct values over all days, and per day how often each occurs. */
type DurationCounts = {
  /** Ascending, distinct. */
  values: Float64Array
  /** Per day: the positions in `values` that occur that day (any order), how often, and the day's total. */
  days: Map<string, { index: Int32Array; count: Float64Array; n: number }>
  /** Per window of an evaluation: its days, and the counts over them (see measure). */
  windows: Partial<Record<'current' | BaselineKind, { days: Set<string>; counts: Float64Array; n: number }>>
}

/** One segment: its totals per day and its durations. */
type Summary = { segment: SegmentRef; totals: Map<string, Totals>; durations: Record<DurationField, DurationCounts> }

/** Per segment ('all', 'use_case=returns', …), its summary. */
export type RegressionIndex = Map<string, Summary>

const segmentId = (segment: SegmentRef) => (segment ? `${segment.by}=${segment.value}` : 'all')

/** Sums the groups into each segment they belong to: 'all' and one per dimension with a value. */
export function indexGroups(groups: RegressionGroup[]): RegressionIndex {
  // Each duration value as its position among the distinct values of all groups (one sort).
  const dictionaries = {} as Record<DurationField, Float64Array>
  const positions = {} as Record<DurationField, Int32Array[]>
  for (const field of DURATION_FIELDS) {
    const all = new Float64Array(groups.reduce((n, g) => n + g[field].length, 0))
    let at = 0
    for (const g of groups) for (const v of g[field]) all[at++] = Number(v)
    all.sort()
    let distinct = 0
    for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[distinct - 1]) all[distinct++] = all[i]!
    const dictionary = (dictionaries[field] = all.slice(0, distinct))
    positions[field] = groups.map((g) => {
      const own = new Int32Array(g[field].length)
      for (let k = 0; k < own.length; k++) own[k] = positionOf(dictionary, Number(g[field][k]))
      return own
    })
  }
  type Building = { segment: SegmentRef; totals: Map<string, Totals>; positions: Record<DurationField, Map<string, number[]>> }
  const building = new Map<string, Building>()
  const add = (segment: SegmentRef, g: RegressionGroup, i: number) => {
    const id = segmentId(segment)
    let entry = building.get(id)
    if (!entry) building.set(id, (entry = { segment, totals: new Map(), positions: { frt_s_values: new Map(), handoff_wait_s_values: new Map() } }))
    let totals = entry.totals.get(g.started_on)
    if (!totals)
      entry.totals.set(
        g.started_on,
        (totals = { conversations: 0, csat_good_n: 0, escalated_sum: 0, bot_resolved_sum: 0, had_fallback_sum: 0, csat_good_sum: 0 }),
      )
    for (const field of TOTAL_FIELDS) totals[field] += Number(g[field])
    for (const field of DURATION_FIELDS) {
      const own = positions[field][i]!
      if (own.length === 0) continue
      const byDay = entry.positions[field]
      let list = byDay.get(g.started_on)
      if (!list) byDay.set(g.started_on, (list = []))
      for (let k = 0; k < own.length; k++) list.push(own[k]!)
    }
  }
  groups.forEach((g, i) => {
    add(null, g, i)
    for (const by of SEGMENTS) if (g[by] !== '') add({ by, value: g[by] }, g, i)
  })
  const index: RegressionIndex = new Map()
  for (const [id, { segment, totals, positions: byField }] of building) {
    const durations = {} as Record<DurationField, DurationCounts>
    for (const field of DURATION_FIELDS) durations[field] = countDurations(dictionaries[field], byField[field])
    index.set(id, { segment, totals, durations })
  }
  return index
}

/** One segment's durations: its own distinct values (of `dictionary`), and per day how often each occurs. */
function countDurations(dictionary: Float64Array, byDay: Map<string, number[]>): DurationCounts {
  const local = new Int32Array(dictionary.length).fill(-1)
  for (const list of byDay.values()) for (let k = 0; k < list.length; k++) local[list[k]!] = 0
  let distinct = 0
  for (let p = 0; p < dictionary.length; p++) if (local[p] === 0) local[p] = distinct++
  const values = new Float64Array(distinct)
  for (let p = 0; p < dictionary.length; p++) if (local[p]! >= 0) values[local[p]!] = dictionary[p]!
  const tally = new Float64Array(distinct)
  const seen = new Int32Array(distinct)
  const days: DurationCounts['days'] = new Map()
  for (const [day, list] of byDay) {
    let m = 0
    for (let k = 0; k < list.length; k++) {
      const v = local[list[k]!]!
      if (tally[v]!++ === 0) seen[m++] = v
    }
    const index = seen.slice(0, m)
    const count = new Float64Array(m)
    for (let k = 0; k < m; k++) {
      count[k] = tally[index[k]!]!
      tally[index[k]!] = 0
    }
    days.set(day, { index, count, n: list.length })
  }
  return { values, days, windows: {} }
}

/** One KPI of one segment over some days: how many values, and what the test needs of them. */
type Measured =
  | { kind: 'rate'; n: number /** how many are 1 */; x: number }
  | { kind: 'duration'; n: number; values: Float64Array /** per value */; counts: Float64Array }

type WindowKind = 'current' | BaselineKind

function measure(summary: Summary | undefined, spec: KpiSpec, days: string[], window: WindowKind): Measured {
  if (spec.kind === 'rate') {
    let n = 0
    let x = 0
    for (const day of days) {
      const t = summary?.totals.get(day)
      if (t) {
        n += t[spec.samples]
        x += t[spec.sum]
      }
    }
    return { kind: 'rate', n, x }
  }
  const durations = summary?.durations[spec.values]
  if (!durations) return { kind: 'duration', n: 0, values: new Float64Array(0), counts: new Float64Array(0) }
  // The window's counts were left on the days of the previous evaluation: the lookback moves each
  // window by a day, so only the days that leave and enter it are added up (the days are distinct).
  const w = (durations.windows[window] ??= { days: new Set(), counts: new Float64Array(durations.values.length), n: 0 })
  const wanted = new Set(days)
  const shift = (day: string, sign: 1 | -1) => {
    const d = durations.days.get(day)
    if (!d) return
    for (let k = 0; k < d.index.length; k++) w.counts[d.index[k]!]! += sign * d.count[k]!
    w.n += sign * d.n
  }
  for (const day of w.days) if (!wanted.has(day)) shift(day, -1)
  for (const day of wanted) if (!w.days.has(day)) shift(day, 1)
  w.days = wanted
  return { kind: 'duration', n: w.n, values: durations.values, counts: w.counts }
}

/** The KPI's value on each side (rate × scale, or median) and the one-sided test's p-value. */
function compare(spec: KpiSpec, current: Measured, reference: Measured): { currentValue: number; referenceValue: number; pValue: number } {
  const alternative = worseWhen(spec.kpi) === 'higher' ? 'greater' : 'less'
  if (current.kind === 'rate' && reference.kind === 'rate') {
    return {
      currentValue: (current.x / current.n) * spec.scale,
      referenceValue: (reference.x / reference.n) * spec.scale,
      pValue: twoProportionZTest(current.x, current.n, reference.x, reference.n, alternative).pValue,
    }
  }
  if (current.kind === 'duration' && reference.kind === 'duration') {
    return {
      currentValue: medianOfCounts(current.values, current.counts)!,
      referenceValue: medianOfCounts(reference.values, reference.counts)!,
      pValue: mannWhitneyUTestOfCounts(current.counts, reference.counts, alternative).pValue,
    }
  }
  throw new Error(`${spec.kpi}: a rate compared with a duration`)
}

/** Every comparison of one evaluation date, with BH-adjusted p-values and the flag. */
export function evaluateAt(index: RegressionIndex, asOf: string, settings: RegressionSettings): { results: ComparisonResult[]; skipped: number } {
  const windows = windowsAt(asOf, settings)
  // The segments with a conversation in the current window.
  const present = new Map<string, Set<string>>(SEGMENTS.map((by) => [by, new Set()]))
  for (const { segment, totals } of index.values()) if (segment && windows.current.some((d) => totals.has(d))) present.get(segment.by)!.add(segment.value)
  const segments: SegmentRef[] = [null]
  for (const by of SEGMENTS) for (const value of [...present.get(by)!].sort()) segments.push({ by, value })
  const results: UnflaggedComparison[] = []
  let skipped = 0
  for (const segment of segments) {
    const summary = index.get(segmentId(segment))
    for (const spec of REGRESSION_KPIS) {
      const current = measure(summary, spec, windows.current, 'current')
      for (const baseline of ['previous_window', 'trailing_weeks'] as const) {
        const reference = measure(summary, spec, windows[baseline], baseline)
        if (current.n < settings.min_samples || reference.n < settings.min_samples) {
          skipped++
          continue
        }
        const { currentValue, referenceValue, pValue } = compare(spec, current, reference)
        results.push(
          comparison(
            { ...spec, worse: worseWhen(spec.kpi) },
            segment,
            baseline,
            { value: currentValue, samples: current.n },
            { value: referenceValue, samples: reference.n },
            pValue,
          ),
        )
      }
    }
  }
  return { skipped, results: flagComparisons(results, settings) }
}

export type UnflaggedComparison = Omit<ComparisonResult, 'p_adjusted' | 'flagged'>

/** One comparison of a KPI × segment's current window with a baseline, before the flagging. */
export function comparison(
  spec: { kpi: KpiName; kind: 'rate' | 'duration'; worse: 'higher' | 'lower' },
  segment: SegmentRef,
  baseline: BaselineKind,
  current: { value: number; samples: number },
  reference: { value: number; samples: number },
  pValue: number,
): UnflaggedComparison {
  const absolute = current.value - reference.value
  return {
    kpi: spec.kpi,
    segment,
    baseline,
    test: spec.kind === 'rate' ? 'two_proportion_z' : 'mann_whitney_u',
    current,
    reference,
    effect: { absolute, relative: reference.value === 0 ? null : absolute / Math.abs(reference.value) },
    worse_when: spec.worse,
    p_value: pValue,
  }
}

/** One evaluation date's comparisons with Benjamini–Hochberg-adjusted p-values and the flag. */
export function flagComparisons(results: UnflaggedComparison[], settings: RegressionSettings): ComparisonResult[] {
  const adjusted = benjaminiHochberg(results.map((r) => r.p_value))
  return results.map((r, i) => {
    const worse = r.worse_when === 'higher' ? r.effect.absolute > 0 : r.effect.absolute < 0
    // From a zero baseline any worsening is a large relative change.
    const large = r.effect.relative === null ? worse : Math.abs(r.effect.relative) >= settings.min_relative_effect
    return { ...r, p_adjusted: adjusted[i]!, flagged: worse && large && adjusted[i]! < settings.fdr }
  })
}

/** How many days of samples detectRegressions needs before as_of. */
export function samplesNeededDays(settings: RegressionSettings): number {
  return settings.lookback_days + Math.max(2 * settings.window_days, settings.window_days + 7 * settings.trailing_weeks)
}

export function detectRegressions(groups: RegressionGroup[], releases: BotRelease[], asOf: string, settings: RegressionSettings): RegressionReport {
  const index = indexGroups(groups)
  return reportRegressions((day) => evaluateAt(index, day, settings), releases, asOf, settings)
}

/**
 * The report from the comparisons of every day of the lookback (`evaluate`, oldest day first):
 * a KPI × segment flagged on enough days, with its strongest comparison and the release it follows.
 */
export function reportRegressions(
  evaluate: (day: string) => { results: ComparisonResult[]; skipped: number },
  releases: BotRelease[],
  asOf: string,
  settings: RegressionSettings,
): RegressionReport {
  // Per KPI × segment: the days it was flagged and its strongest flagged comparison.
  const found = new Map<string, { days: string[]; best: ComparisonResult; bestDay: string }>()
  let atAsOf = { tests: 0, skipped: 0 }
  for (let back = settings.lookback_days; back >= 0; back--) {
    const day = addDays(asOf, -back)
    const evaluation = evaluate(day)
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
    const release = [...releases]
      .reverse()
      .find((rel) => rel.first_seen_on <= seen && rel.first_seen_on >= earliest && (r.segment?.by !== 'bot_version' || rel.bot_version === r.segment.value))
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
  return {
    as_of: asOf,
    window_days: settings.window_days,
    lookback_days: settings.lookback_days,
    tests_run: atAsOf.tests,
    tests_skipped_small_samples: atAsOf.skipped,
    regressions,
  }
}
