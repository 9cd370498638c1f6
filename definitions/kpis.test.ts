// The KPI catalog agrees with the SQL that computes the KPIs and with the dashboard's labels.
import { describe, expect, it } from 'vitest'
import { MESSAGES } from '../dashboard/src/lib/messages.ts'
import { BUILTIN_MODELS_DIR, loadProject } from '../dbt-like-models/runner/project.ts'
import { defaultGoalDirection, KPI_CATALOG, KPI_FIELDS, type KpiName, kpiText } from './kpis.ts'

const project = loadProject([BUILTIN_MODELS_DIR])
const columnsOf = (model: string) => project.models.find((m) => m.name === model)!.doc.columns.map((c) => c.name)

describe('KPI catalog', () => {
  it('names every column of the fct_kpis mart, in its order', () => {
    expect(columnsOf('fct_kpis')).toEqual(['period', 'segment', ...KPI_FIELDS])
  })

  it('finds every after-the-handoff KPI among the columns of the fct_handoff_kpis mart', () => {
    const handoffKpis = (Object.keys(KPI_CATALOG) as KpiName[]).filter((kpi) => KPI_CATALOG[kpi].computedIn === 'fct_handoff_kpis')
    expect(handoffKpis).toEqual(['resolution_p50_s', 'agent_first_reply_p50_s', 'agent_reply_p50_s', 'reopen_rate'])
    for (const kpi of handoffKpis) expect(columnsOf('fct_handoff_kpis'), kpi).toContain(kpi)
  })

  it('labels every KPI in both languages of the dashboard', () => {
    for (const kpi of Object.keys(KPI_CATALOG) as KpiName[]) {
      expect(MESSAGES.en[`kpi.${kpi}`], kpi).toBeTruthy()
      expect(MESSAGES.es[`kpi.${kpi}`], kpi).toBeTruthy()
    }
  })

  it("gives a goal its KPI's better direction unless it says otherwise", () => {
    expect(defaultGoalDirection('frt_p50_s')).toBe('at_most')
    expect(defaultGoalDirection('cost_per_conversation')).toBe('at_most')
    expect(defaultGoalDirection('csat_score')).toBe('at_least')
    // volume has no better direction: at least, as any KPI that is not lower-is-better
    expect(defaultGoalDirection('conversations')).toBe('at_least')
  })

  it('writes values as plain text by unit', () => {
    expect([
      kpiText('escalation_rate', 0.1234),
      kpiText('csat_score', 80),
      kpiText('csat_avg', 4.256),
      kpiText('conversations', 12),
      kpiText('fcr_rate', null),
    ]).toEqual(['12.3%', '80', '4.26', '12', '–'])
  })
})
