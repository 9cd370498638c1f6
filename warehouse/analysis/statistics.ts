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
 * Mann–Whitney U test (normal approximation with tie and continuity correction): does the
 * current sample tend to be greater (or less) than the baseline sample? Statistic: U of current.
 */
export function mannWhitneyUTest(current: number[], baseline: number[], alternative: Alternative): TestResult {
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
  const u = rankSumCurrent - (n1 * (n1 + 1)) / 2
  const mean = (n1 * n2) / 2
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)))
  if (variance <= 0) return { statistic: u, pValue: 1 }
  const correction = alternative === 'greater' ? -0.5 : 0.5
  const z = (u - mean + correction) / Math.sqrt(variance)
  return { statistic: u, pValue: alternative === 'greater' ? 1 - normalCdf(z) : normalCdf(z) }
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
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  const h = (sorted.length - 1) * 0.5
  const lo = Math.floor(h)
  return sorted[lo]! + (h - lo) * (sorted[Math.min(lo + 1, sorted.length - 1)]! - sorted[lo]!)
}
