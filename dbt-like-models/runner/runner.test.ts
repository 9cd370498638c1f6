// The model runner: project loading rules, dependency order, and tests that really fail.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openTestPulso, type TestPulso } from '../../tests/helpers.ts'
import { BUILTIN_MODELS_DIR, loadProject } from './project.ts'
import { runModels } from './run.ts'
import { runAllTests } from './test.ts'

function modelsFolder(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'pulso-models-'))
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true })
    writeFileSync(path.join(dir, name), text)
  }
  return dir
}

const doc = (name: string) => `models:\n  - name: ${name}\n    description: one row per thing\n`

describe('loading a models folder', () => {
  it('orders the built-in models so each comes after what it references', () => {
    const names = loadProject([BUILTIN_MODELS_DIR]).models.map((m) => m.name)
    expect(names.indexOf('stg_events')).toBeLessThan(names.indexOf('int_conversations'))
    expect(names.indexOf('int_conversations')).toBeLessThan(names.indexOf('fct_conversations'))
    expect(names.indexOf('fct_conversations')).toBeLessThan(names.indexOf('fct_kpis'))
  })

  it('documents every column of every built-in model', () => {
    for (const model of loadProject([BUILTIN_MODELS_DIR]).models) {
      expect(model.doc.description, model.name).not.toBe('')
      for (const column of model.doc.columns) expect(column.description, `${model.name}.${column.name}`).not.toBe('')
    }
  })

  it('refuses cycles, unknown refs, undocumented models and names outside the conventions', () => {
    const cycle = modelsFolder({
      'marts/fct_a.sql': "select * from {{ ref('fct_b') }}",
      'marts/fct_b.sql': "select * from {{ ref('fct_a') }}",
      'marts/models.yml': `${doc('fct_a')}  - name: fct_b\n`,
    })
    expect(() => loadProject([cycle])).toThrow(/models reference each other in a cycle: fct_a → fct_b → fct_a/)
    const unknown = modelsFolder({ 'marts/fct_a.sql': "select * from {{ ref('stg_missing') }}", 'marts/fct_a.yml': doc('fct_a') })
    expect(() => loadProject([unknown])).toThrow(/ref\('stg_missing'\) names no model/)
    const undocumented = modelsFolder({ 'marts/fct_a.sql': 'select 1' })
    expect(() => loadProject([undocumented])).toThrow(/no YAML documents model fct_a/)
    const badName = modelsFolder({ 'marts/orders.sql': 'select 1', 'marts/orders.yml': doc('orders') })
    expect(() => loadProject([badName])).toThrow(/model names start with stg_, int_, fct_ or dim_/)
  })
})

describe('running and testing models on chDB', () => {
  let pulso: TestPulso
  beforeAll(async () => {
    pulso = await openTestPulso()
  })
  afterAll(() => pulso?.cleanup())

  it('passes every built-in data test and unit test', async () => {
    const results = await runAllTests(pulso.warehouse, pulso.project)
    expect(results.filter((r) => r.kind === 'unit').length).toBeGreaterThanOrEqual(10)
    expect(results.filter((r) => !r.passed)).toEqual([])
  })

  it("reports a data team's failing unit test and failing data test by name", async () => {
    const extra = modelsFolder({
      'marts/fct_conversation_counts.sql': `with conversations as (select * from {{ ref('fct_conversations') }})
select tenant_id, count() as conversations from conversations group by tenant_id`,
      'marts/fct_conversation_counts.yml': `models:
  - name: fct_conversation_counts
    description: one row per tenant
    columns:
      - name: tenant_id
        description: tenant
        data_tests: [not_null, unique]
      - name: conversations
        description: count
        data_tests:
          - accepted_values:
              values: [99]
unit_tests:
  - name: counts_conversations
    model: fct_conversation_counts
    given:
      - input: ref('fct_conversations')
        rows: [{ tenant_id: t, conversation_id: a }, { tenant_id: t, conversation_id: b }]
    expect:
      rows: [{ tenant_id: t, conversations: 2 }]
  - name: a_wrong_expectation
    model: fct_conversation_counts
    given:
      - input: ref('fct_conversations')
        rows: [{ tenant_id: t, conversation_id: a }]
    expect:
      rows: [{ tenant_id: t, conversations: 5 }]
`,
    })
    const project = loadProject([BUILTIN_MODELS_DIR, extra])
    await runModels(pulso.warehouse, project)
    await pulso.intake.ingest(
      [{ raw: '', value: { event_id: 'e', tenant_id: 'acme', conversation_id: 'c', occurred_at: '2024-01-01T00:00:00Z', type: 'closed' } }],
      { source: 'test' },
    )
    const results = await runAllTests(pulso.warehouse, project)
    const mine = results.filter((r) => r.model === 'fct_conversation_counts')
    expect(mine.find((r) => r.name === 'fct_conversation_counts.counts_conversations')?.passed).toBe(true)
    const wrong = mine.find((r) => r.name === 'fct_conversation_counts.a_wrong_expectation')!
    expect(wrong.passed).toBe(false)
    expect(wrong.detail).toMatch(/no row matches \{"tenant_id":"t","conversations":5\}; got \[\{"tenant_id":"t","conversations":1\}\]/)
    const accepted = mine.find((r) => r.name === 'fct_conversation_counts.accepted_values_conversations')!
    expect(accepted).toMatchObject({ passed: false, detail: '1 failing rows' })
  })
})
