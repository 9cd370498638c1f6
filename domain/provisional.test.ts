// When a forward-looking KPI (fcr_rate: 7 days) is provisional, from the catalog alone.
import { describe, expect, it } from 'vitest'
import type { KpiRow } from '../definitions/api.ts'
import { lastDayOfRow, markProvisional, provisionalKpis } from './provisional.ts'

describe('provisional KPIs', () => {
  it('fcr_rate stays provisional until 7 whole days have passed after the period', () => {
    // a resolution at 23:59 on Nov 22 waits for a new conversation until 23:59 on Nov 29
    expect(provisionalKpis('2026-11-22', '2026-11-29')).toEqual(['fcr_rate'])
    expect(provisionalKpis('2026-11-22', '2026-11-30')).toEqual([])
    expect(provisionalKpis('2026-11-29', '2026-11-29')).toEqual(['fcr_rate'])
    // only the KPIs asked about
    expect(provisionalKpis('2026-11-29', '2026-11-29', ['escalation_rate'])).toEqual([])
  })

  it("a period's last day is its end, or the query's last day when that comes first", () => {
    expect(lastDayOfRow('2026-11-23', 'week', '2026-12-31')).toBe('2026-11-29')
    expect(lastDayOfRow('2026-11-23', 'week', '2026-11-25')).toBe('2026-11-25')
    expect(lastDayOfRow('2026-02-01', 'month', '2026-12-31')).toBe('2026-02-28')
    expect(lastDayOfRow('2026-11-05', 'day', '2026-12-31')).toBe('2026-11-05')
    expect(lastDayOfRow('2026-10-01', 'all', '2026-10-20')).toBe('2026-10-20')
  })

  it('marks each row with its own provisional KPIs', () => {
    const row = (period: string) => ({ period }) as KpiRow
    const marked = markProvisional([row('2026-11-02'), row('2026-11-09'), row('2026-11-16')], { grain: 'week', to: '2026-11-20' }, '2026-11-16')
    // weeks end Nov 8 (+7 = Nov 15, closed), Nov 15 (+7 = Nov 22, open), and Nov 20 (the query's end)
    expect(marked.map((r) => r.provisional)).toEqual([[], ['fcr_rate'], ['fcr_rate']])
  })
})
