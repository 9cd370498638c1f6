import { describe, expect, it } from 'vitest'
import { benjaminiHochberg, mannWhitneyUTest, median, normalCdf, twoProportionZTest } from './statistics.ts'

describe('statistics for the regression detector', () => {
  it('normalCdf matches the standard normal table', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 6)
    expect(normalCdf(1.96)).toBeCloseTo(0.975, 4)
    expect(normalCdf(-2.326)).toBeCloseTo(0.01, 4)
  })

  it('two-proportion z-test: 60/200 vs 40/200 is significant one-sided', () => {
    // pooled p = 100/400 = 0.25; se = sqrt(0.25·0.75·(2/200)) = 0.0433; z = 0.1/0.0433 = 2.309
    const r = twoProportionZTest(60, 200, 40, 200, 'greater')
    expect(r.statistic).toBeCloseTo(2.309, 3)
    expect(r.pValue).toBeCloseTo(0.01046, 4)
    // the same difference is no evidence that the rate went down
    expect(twoProportionZTest(60, 200, 40, 200, 'less').pValue).toBeGreaterThan(0.98)
  })

  it('two-proportion z-test without variation gives p = 1', () => {
    expect(twoProportionZTest(0, 50, 0, 80, 'greater').pValue).toBe(1)
  })

  it('Mann–Whitney: a shifted sample is found, an equal one is not', () => {
    // current 6..10 vs baseline 1..5: every current value is larger, U = 25 = n1·n2
    const shifted = mannWhitneyUTest([6, 7, 8, 9, 10], [1, 2, 3, 4, 5], 'greater')
    expect(shifted.statistic).toBe(25)
    // z = (25 − 12.5 − 0.5)/sqrt(25·11/12) = 12/4.787 = 2.507 → p = 0.0061
    expect(shifted.pValue).toBeCloseTo(0.0061, 3)
    const same = mannWhitneyUTest([1, 2, 3, 4, 5], [1, 2, 3, 4, 5], 'greater')
    expect(same.statistic).toBe(12.5)
    expect(same.pValue).toBeGreaterThan(0.4)
  })

  it('Benjamini–Hochberg adjusts p-values by rank', () => {
    // m = 4: sorted 0.01, 0.02, 0.03, 0.5 → 0.04, 0.04, 0.04, 0.5
    const adjusted = benjaminiHochberg([0.03, 0.5, 0.01, 0.02])
    expect(adjusted.map((p) => Number(p.toFixed(6)))).toEqual([0.04, 0.5, 0.04, 0.04])
  })

  it('median interpolates like quantileExactInclusive(0.5)', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5)
    expect(median([])).toBeNull()
  })
})
