// The Operations page's "After the handoff" section in real Chromium against a real Pulso server on
// a small demo tenant (with the demo's SLA policies and one agent display name): the per-queue and
// per-agent numbers equal GET /v1/handoffs/queues and /agents, the SLA summary equals GET
// /v1/handoffs/sla, a number links to its conversations (the drill-down's total equals the row's
// count), and the section fits 1440 px (no clipped table) and 390 px in Spanish (no sideways scrolling).
import { describe, expect, it } from 'vitest'
import { demoDashboardForThisFile } from './demo-for-this-file.ts'
import { count, last30Days, poll } from './expectations.ts'
import { type Lang, screenshot } from './harness.ts'
import { measureLayout } from './layout.ts'

const demo = demoDashboardForThisFile()
const FIELDS = ['conversations', 'resolution_p50_s', 'agent_first_reply_p50_s', 'agent_reply_p50_s', 'reopened_conversations', 'csat_score', 'fcr_rate']

/** A page signed in in this language, at this size, on Operations with the section's tables drawn. */
async function openSection(lang: Lang, width: number, height: number) {
  const opened = await demo.signedInPage({ lang, width, height })
  await opened.page.locator('nav a[href="#/operations"]').click()
  await opened.page.getByTestId('after-queue-table').waitFor()
  await opened.page.getByTestId('after-agent-table').waitFor()
  await opened.page.getByTestId('sla-summary').waitFor()
  return opened
}

/** Every number of a table equals the API's row (a median or rate to 12 significant digits). */
async function expectTableEqualsApi(page: import('playwright-core').Page, by: 'queue' | 'agent', rows: any[]) {
  for (const row of rows) {
    const id = (by === 'queue' ? row.queue : row.agent) ?? ''
    for (const field of FIELDS) {
      const cell = page.locator(`[data-testid=after-${by}-table] [data-team="${id}"][data-field=${field}]`)
      const shown = await cell.getAttribute('data-value')
      if (row[field] === null) expect(shown, `${by} ${id} ${field}`).toBe('')
      else expect(Number(shown), `${by} ${id} ${field}`).toBeCloseTo(row[field], 9)
    }
  }
  expect(await page.locator(`[data-testid=after-${by}-table] tbody tr`).count()).toBe(rows.length)
}

describe('After the handoff (Operations)', () => {
  it('shows the API’s numbers per queue and per agent and the SLA breaches, at 1440 px', async () => {
    const { page, errors } = await openSection('en', 1440, 900)
    const { from, to } = last30Days()
    const queues = await demo.api(`/v1/handoffs/queues?from=${from}&to=${to}`)
    const agents = await demo.api(`/v1/handoffs/agents?from=${from}&to=${to}`)
    expect(queues.rows.map((r: any) => r.queue)).toEqual(['general', 'pagos'])
    await poll(() => page.locator('[data-testid=after-queue-table] [data-team=general][data-field=conversations]').getAttribute('data-value')).toBe(
      String(queues.rows[0].conversations),
    )
    await expectTableEqualsApi(page, 'queue', queues.rows)
    await expectTableEqualsApi(page, 'agent', agents.rows)
    // the tenant named one agent; the others show their pseudonymous ids
    expect(await page.locator('[data-testid=after-agent-table] a[data-team=ag_ana][data-field=name]').innerText()).toBe('Ana G.')
    expect(await page.locator('[data-testid=after-agent-table] a[data-team=ag_luis][data-field=name]').innerText()).toBe('ag_luis')

    // the SLA: the period's breached conversations and rate, as GET /v1/handoffs/sla per day sums them
    const sla = await demo.api(`/v1/handoffs/sla?from=${from}&to=${to}&grain=day&limit=0`)
    const breached = sla.rows.reduce((n: number, r: any) => n + r.breached, 0)
    const decided = sla.rows.reduce((n: number, r: any) => n + r.met + r.breached, 0)
    expect(breached).toBeGreaterThan(0)
    const summary = page.getByTestId('sla-summary')
    expect(Number(await summary.locator('[data-field=breached]').getAttribute('data-value'))).toBe(breached)
    expect(await summary.locator('[data-field=breached]').innerText()).toBe(count('en', breached))
    expect(Number(await summary.locator('[data-field=sla_breach_rate]').getAttribute('data-value'))).toBeCloseTo(breached / decided, 12)

    const layout = await measureLayout(page, true)
    expect(layout.pageOverflow).toBeLessThanOrEqual(0)
    expect(layout.clippedHeaders).toEqual([])
    await screenshot(page, 'after-handoff-en')

    // a queue's conversation count → its conversations, as many as the row says
    const pagos = queues.rows.find((r: any) => r.queue === 'pagos')
    await page.locator('[data-testid=after-queue-table] a[data-team=pagos][data-field=conversations]').click()
    await poll(() => page.getByTestId('conversation-total').innerText()).toContain(`of ${count('en', pagos.conversations)}`)
    expect(page.url()).toContain('queue=pagos')
    await page.goBack()
    await page.getByTestId('sla-summary').waitFor()
    // the breached conversations, as the API counts them
    await page.locator('[data-testid=sla-summary] a[data-field=breached]').click()
    await poll(() => page.getByTestId('conversation-total').innerText()).toContain(`of ${count('en', breached)}`)
    expect(await page.locator('main').innerText()).toContain('SLA breached')
    expect(errors).toEqual([])
    await page.close()
  })

  it('reads in Spanish and fits a 390 px phone without sideways scrolling', async () => {
    const { page, errors } = await openSection('es', 390, 844)
    const section = page.getByTestId('after-handoff')
    expect(await section.locator('h3').innerText()).toBe('Después del traspaso')
    expect(await section.innerText()).toContain('Por cola')
    expect(await section.innerText()).toContain('Tendencia de incumplimiento del SLA')
    const layout = await measureLayout(page, false)
    expect(layout.pageOverflow).toBeLessThanOrEqual(0)
    expect(layout.clippedHeaders).toEqual([])
    await screenshot(page, 'after-handoff-es-390')
    expect(errors).toEqual([])
    await page.close()
  })
})
