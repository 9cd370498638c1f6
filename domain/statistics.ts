// The tests the regression detector uses. Pure functions: counts and samples in, p-values out.
// One-sided throughout: a regression is a change for the worse, an improvement is not an alarm.

/** Standard normal cumulative distribution (Abramowitz & Stegun 7.1.26 via erf; |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2
  const t = 1 / (1 + 0.3275911 * x)
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x)
  return z >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y)
}

export type Alternative = 'greater' | 'less'

export type TestResult = { statistic: number; pValue: number }

/**
 * Two-proportion z-test with the pooled proportion: is the current rate (x1/n1) greater (or less)
 * than the baseline rate (x2/n2)?
 */
export function twoProportionZTest(x1: number, n1: number, x2: number, n2: number, alternative: Alternative): TestResult {
  if (n1 === 0 || n2 === 0) return { statistic: 0, pValue: 1 }
  const p1 = x1 / n1
  const p2 = x2 / n2
  const pooled = (x1 + x2) / (n1 + n2)
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
  // Both samples all-0 or all-1: no variation, no evidence of change.
  if (se === 0) return { statistic: 0, pValue: 1 }
  const z = (p1 - p2) / se
  return { statistic: z, pValue: alternative === 'greater' ? 1 - normalCdf(z) : normalCdf(z) }
}

/**
 * Values as a histogram: `values` ascending and distinct, `counts[i]` how often values[i] occurs.
 * Two samples compared by rank share one `values` (a value absent from a sample counts 0 there).
 */
export type Histogram = { values: ArrayLike<number>; counts: ArrayLike<number> }

/** The histogram of a list of numbers. */
export function histogram(sample: ArrayLike<number>): Histogram {
  const sorted = Float64Array.from(sample).sort()
  const values: number[] = []
  const counts: number[] = []
  for (let i = 0; i < sorted.length; i++) {
    if (i > 0 && sorted[i] === sorted[i - 1]) counts[counts.length - 1]!++
    else {
      values.push(sorted[i]!)
      counts.push(1)
    }
  }
  return { values, counts }
}

/**
 * Mann–Whitney U test (normal approximation with tie and continuity correction): does the
 * current sample tend to be greater (or less) than the baseline sample? Statistic: U of current.
 * The samples are given as counts over the same ascending distinct values (see Histogram): a
 * value's a + b occurrences are one tied run with the run's average rank, so the cost is one
 * pass over the distinct values, however many samples there are.
 */
export function mannWhitneyUTestOfCounts(current: ArrayLike<number>, baseline: ArrayLike<number>, alternative: Alternative): TestResult {
  let n1 = 0
  let rankSumCurrent = 0
  let tieTerm = 0
  let before = 0 // values below the current one
  for (let k = 0; k < current.length; k++) {
    const a = current[k]!
    const ties = a + baseline[k]!
    if (ties === 0) continue
    const i = before
    const j = before + ties - 1
    const rank = (i + j) / 2 + 1 // average rank of the tied run, 1-based
    // (a run of one adds 0) t·t·t is t³ exactly up to 208063, where Math.pow gives the same and costs more
    if (ties > 1) tieTerm += ties <= 208_063 ? ties * ties * ties - ties : ties ** 3 - ties
    // Every partial sum is a multiple of 0.5 far below 2^52: exact, as adding `rank` a times.
    rankSumCurrent += a * rank
    before += ties
    n1 += a
  }
  return mannWhitneyFromRanks(rankSumCurrent, n1, before - n1, tieTerm, alternative)
}

/**
 * The Mann–Whitney U test's answer from the rank sum of the current sample (average ranks for
 * ties), the sample sizes and the tie term Σ(t³ − t): normal approximation with tie and
 * continuity correction.
 */
export function mannWhitneyFromRanks(rankSumCurrent: number, n1: number, n2: number, tieTerm: number, alternative: Alternative): TestResult {
  if (n1 === 0 || n2 === 0) return { statistic: 0, pValue: 1 }
  const n = n1 + n2
  const u = rankSumCurrent - (n1 * (n1 + 1)) / 2
  const mean = (n1 * n2) / 2
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)))
  if (variance <= 0) return { statistic: u, pValue: 1 }
  const correction = alternative === 'greater' ? -0.5 : 0.5
  const z = (u - mean + correction) / Math.sqrt(variance)
  return { statistic: u, pValue: alternative === 'greater' ? 1 - normalCdf(z) : normalCdf(z) }
}

/** Mann–Whitney U test of two lists of numbers (see mannWhitneyUTestOfCounts). */
export function mannWhitneyUTest(current: number[], baseline: number[], alternative: Alternative): TestResult {
  const { values } = histogram([...current, ...baseline])
  return mannWhitneyUTestOfCounts(countsOver(values, current), countsOver(values, baseline), alternative)
}

/** The position of `v` in `values` (ascending), which holds it: a binary search. */
export function positionOf(values: ArrayLike<number>, v: number): number {
  let lo = 0
  let hi = values.length - 1
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (values[mid]! < v) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** How often each of `values` (ascending, distinct) occurs in `sample`, whose numbers are all among them. */
function countsOver(values: ArrayLike<number>, sample: number[]): Float64Array {
  const counts = new Float64Array(values.length)
  for (const v of sample) counts[positionOf(values, v)]!++
  return counts
}

/**
 * Benjamini–Hochberg adjusted p-values (same order as the input): the smallest false discovery
 * rate at which each hypothesis would be rejected.
 */
export function benjaminiHochberg(pValues: number[]): number[] {
  const m = pValues.length
  const order = pValues.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p)
  const adjusted = new Array<number>(m)
  let running = 1
  for (let rank = m; rank >= 1; rank--) {
    const { p, i } = order[rank - 1]!
    running = Math.min(running, (p * m) / rank)
    adjusted[i] = Math.min(1, running)
  }
  return adjusted
}

/** Median with linear interpolation between closest ranks (as quantileExactInclusive(0.5)). */
export function median(values: number[]): number | null {
  const h = histogram(values)
  return medianOfCounts(h.values, h.counts)
}

/** The median (as `median`) of a sample given as counts over ascending distinct values. */
export function medianOfCounts(values: ArrayLike<number>, counts: ArrayLike<number>): number | null {
  let n = 0
  for (let k = 0; k < counts.length; k++) n += counts[k]!
  if (n === 0) return null
  const h = (n - 1) * 0.5
  const lo = Math.floor(h)
  const hi = Math.min(lo + 1, n - 1)
  // the values at (0-based) positions lo and hi of the sorted sample
  let low: number | undefined
  let seen = 0
  for (let k = 0; k < counts.length; k++) {
    if (counts[k] === 0) continue
    seen += counts[k]!
    if (low === undefined && lo < seen) low = values[k]!
    if (hi < seen) return low! + (h - lo) * (values[k]! - low!)
  }
  return null // not reached: hi < n
}
