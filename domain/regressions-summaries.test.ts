// The summary-based regression detector (regressions.ts: totals per day and segment, durations as
// counts over distinct values) against the per-conversation computation it replaced
// (regressions.test-oracle.ts), on random data with many ties: the same comparisons, p-values,
// medians, rates and flags, bit for bit.
import { describe, expect, it } from 'vitest'
import type { RegressionSettings } from '../config/operating-loop.ts'
import type { BotRelease } from '../warehouse/repositories/regression-samples.ts'
import { addDays } from './dates.ts'
import {
  detectRegressionsPerSample,
  evaluateAtPerSample,
  indexSamples,
  mannWhitneyUTestPerSample,
  medianPerSample,
  type RegressionSample,
  summarizeSamples,
} from './regressions.test-oracle.ts'
import { detectRegressions, evaluateAt, indexGroups, samplesNeededDays } from './regressions.ts'
import { histogram, mannWhitneyUTest, mannWhitneyUTestOfCounts, median, medianOfCounts } from './statistics.ts'

/** A seeded generator (mulberry32), so a failure can be replayed. */
function random(seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Numbers with many ties: a few distinct values, seconds, tenths or milliseconds. */
function tiedSample(rand: () => number, n: number, shift = 0): number[] {
  const kind = Math.floor(rand() * 4)
  return Array.from({ length: n }, () => {
    const x = -Math.log(1 - rand()) * 3 + shift
    if (kind === 0) return Math.floor(rand() * 3) // 0, 1, 2 only
    if (kind === 1) return Math.round(x)
    if (kind === 2) return Math.round(x * 10) / 10
    return Math.round(x * 1000) / 1000
  })
}

describe('Mann–Whitney U and the median from counts', () => {
  it('equal the per-sample computation on random samples with ties', () => {
    const rand = random(1)
    for (let trial = 0; trial < 400; trial++) {
      const current = tiedSample(rand, 1 + Math.floor(rand() * 200), rand() < 0.5 ? 0 : rand())
      const baseline = tiedSample(rand, 1 + Math.floor(rand() * 300))
      for (const alternative of ['greater', 'less'] as const) {
        const expected = mannWhitneyUTestPerSample(current, baseline, alternative)
        expect(mannWhitneyUTest(current, baseline, alternative)).toStrictEqual(expected)
        // counts over a wider set of values (ones neither sample has count 0)
        const { values } = histogram([...current, ...baseline, -1, 1e6, 0.5])
        const over = (sample: number[]) => Float64Array.from(values, (v) => sample.filter((x) => x === v).length)
        expect(mannWhitneyUTestOfCounts(over(current), over(baseline), alternative)).toStrictEqual(expected)
        expect(medianOfCounts(values, over(current))).toBe(medianPerSample(current))
      }
      expect(median(baseline)).toBe(medianPerSample(baseline))
    }
    expect(median([])).toBeNull()
    expect(mannWhitneyUTestOfCounts([0, 0], [1, 2], 'greater')).toStrictEqual({ statistic: 0, pValue: 1 })
  })
})

/** Conversations over `days` days to `end`: segments with and without values, nulls, ties, and a release that worsens one use case. */
function simulateSamples(seed: number, end: string, days: number): { samples: RegressionSample[]; releases: BotRelease[] } {
  const rand = random(seed)
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!
  const releaseDay = addDays(end, -Math.floor(days / 3))
  const samples: RegressionSample[] = []
  for (let d = days - 1; d >= 0; d--) {
    const day = addDays(end, -d)
    const released = day >= releaseDay
    const conversations = 30 + Math.floor(rand() * 40)
    for (let i = 0; i < conversations; i++) {
      const useCase = pick(['', 'returns', 'faq', 'order_status'])
      const worse = released && useCase === 'returns'
      const escalated = rand() < (worse ? 0.45 : 0.15) ? 1 : 0
      const csat = rand() < 0.4 ? (rand() < (worse ? 0.4 : 0.75) ? 1 : 0) : null
      samples.push({
        started_on: day,
        use_case: useCase,
        intent: pick(['', 'refund', 'where_is_my_order', 'coupon', 'size']),
        bot_version: released ? pick(['v2', 'v2', 'v2', '']) : pick(['v1', '']),
        channel: pick(['web', 'whatsapp']),
        escalated,
        bot_resolved: escalated ? 0 : rand() < 0.7 ? 1 : 0,
        had_fallback: rand() < (worse ? 0.3 : 0.1) ? 1 : 0,
        csat_good: csat,
        frt_s: rand() < 0.1 ? null : (worse ? 2 : 0) + (rand() < 0.5 ? Math.round(rand() * 8) : Math.round(rand() * 8000) / 1000),
        handoff_wait_s: escalated ? (rand() < 0.3 ? 0 : Math.round(rand() * (worse ? 400 : 200))) : null,
      })
    }
  }
  return { samples, releases: [{ bot_version: 'v2', first_seen_at: `${releaseDay} 00:00:00.000`, first_seen_on: releaseDay, conversations: 1 }] }
}

function shuffled<T>(xs: T[], rand: () => number): T[] {
  const out = [...xs]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1))
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}

const DEFAULTS: RegressionSettings = {
  window_days: 7,
  trailing_weeks: 4,
  min_samples: 30,
  fdr: 0.01,
  min_relative_effect: 0.2,
  lookback_days: 14,
  min_days_flagged: 2,
}

describe('the regression detector from per-day summaries', () => {
  const cases: { seed: number; settings: RegressionSettings }[] = [
    { seed: 11, settings: DEFAULTS },
    { seed: 12, settings: { ...DEFAULTS, min_samples: 5, fdr: 0.05, min_relative_effect: 0.1 } },
    { seed: 13, settings: { ...DEFAULTS, window_days: 3, trailing_weeks: 2, lookback_days: 10, min_samples: 10 } },
    // windows longer than a week: the trailing weeks overlap each other and the current window
    { seed: 14, settings: { ...DEFAULTS, window_days: 10, trailing_weeks: 3, min_samples: 20 } },
  ]
  for (const { seed, settings } of cases) {
    it(`finds what the per-conversation detector finds (seed ${seed}, window ${settings.window_days}, min_samples ${settings.min_samples})`, () => {
      const end = '2026-03-31'
      const { samples, releases } = simulateSamples(seed, end, samplesNeededDays(settings) + 1)
      // SQL returns groups, and the values in a group, in any order
      const rand = random(seed + 100)
      const groups = shuffled(summarizeSamples(samples), rand).map((g) => ({
        ...g,
        frt_s_values: shuffled(g.frt_s_values, rand),
        handoff_wait_s_values: shuffled(g.handoff_wait_s_values, rand),
      }))
      const index = indexGroups(groups)
      const perSample = indexSamples(samples)
      let compared = 0
      let flagged = 0
      for (let back = settings.lookback_days; back >= 0; back--) {
        const day = addDays(end, -back)
        const expected = evaluateAtPerSample(perSample, day, settings)
        expect(evaluateAt(index, day, settings)).toStrictEqual(expected)
        compared += expected.results.length
        flagged += expected.results.filter((r) => r.flagged).length
      }
      // each window's counts follow the days asked for, in any order (detectRegressions goes day by day)
      for (const back of [0, 9, 3, 3, settings.lookback_days, 1]) {
        const day = addDays(end, -back)
        expect(evaluateAt(index, day, settings)).toStrictEqual(evaluateAtPerSample(perSample, day, settings))
      }
      // the data exercise both tests, skips and flags
      expect(compared).toBeGreaterThan(100)
      expect(flagged).toBeGreaterThan(0)
      const report = detectRegressions(groups, releases, end, settings)
      expect(report).toStrictEqual(detectRegressionsPerSample(samples, releases, end, settings))
      expect(report.regressions.length).toBeGreaterThan(0)
    })
  }
})
