// Pins the SQL the KPI repository sends, so a change to it is a visible diff in review.
import { expect, it } from 'vitest'
import { kpiSql } from './kpis.ts'

it('selects the KPI fields from the fct_kpis mart with bound parameters', () => {
  expect(kpiSql('pulso')).toMatchSnapshot()
  expect(kpiSql('pulso', 'use_case')).toMatchSnapshot()
})
