// The Cost & proactive page in real Chromium against a real Pulso server on a small demo tenant:
// the numbers on the page equal GET /v1/costs, /v1/kpis and /v1/proactive, a cost part links to the
// conversations behind it, an unknown delivery reads as unknown, and the page fits 390 px (no
// sideways scrolling) and 1440 px (no clipped table) in English and Spanish.
import { describe, expect, it } from 'vitest'
import { demoDashboardForThisFile } from './demo-for-this-file.ts'
import { count, last30Days, money, percent, poll } from './expectations.ts'
import { type Lang, screenshot } from './harness.ts'
import { measureLayout } from './layout.ts'

const demo = demoDashboardForThisFile()

/** A page signed in in this language, at this size, on the Cost & proactive page with its tables drawn. */
async function openCosts(lang: Lang, width: number, height: number) {
  const opened = await demo.signedInPage({ lang, width, height })
  await opened.page.locator('nav a[href="#/costs"]').click()
  await opened.page.getByTestId('cost-table').waitFor()
  await opened.page.getByTestId('proactive-row').first().waitFor()
  return opened
}

describe('Cost & proactive page', () => {
  it('shows the API’s cost composition, each part linked to its conversations, at 1440 px', async () => {
    const { page, errors } = await openCosts('en', 1440, 900)
    const { from, to } = last30Days()
    const costs = await demo.api(`/v1/costs?from=${from}&to=${to}&grain=all&by=component`)
    const kpis = (await demo.api(`/v1/kpis?from=${from}&to=${to}&grain=all`)).rows[0]
    expect(costs.rows.map((r: any) => r.component)).toEqual(['agent', 'llm', 'other', 'whatsapp'])
    for (const row of costs.rows) {
      const cell = page.locator(`[data-testid=cost-table] [data-part=${row.component}][data-field=cost_per_conversation]`)
      await poll(async () => Math.abs(Number(await cell.getAttribute('data-value')) - row.cost_per_conversation) < 1e-9).toBe(true)
      expect(await cell.innerText()).toBe(money('en', row.cost_per_conversation))
    }
    // the parts add up to the Overview's cost per conversation, shown as the total
    const total = page.locator('[data-testid=cost-totals] a').first()
    // (a sum of doubles: ClickHouse may add them in another order on each call, so the last digits vary)
    expect(Number(await total.getAttribute('data-value'))).toBeCloseTo(kpis.cost_per_conversation, 9)
    expect(await total.innerText()).toContain(money('en', kpis.cost_per_conversation))
    const sum = costs.rows.reduce((s: number, r: any) => s + r.cost_per_conversation, 0)
    expect(sum).toBeCloseTo(kpis.cost_per_conversation, 9)

    expect((await measureLayout(page, true)).tablesScrollingInTheirBox).toEqual([])
    await screenshot(page, 'costs-en')

    // LLM's cost per conversation → the conversations with an LLM cost, as the API lists them
    const listed = await demo.api(`/v1/conversations?from=${from}&to=${to}&flag=with_cost_llm&limit=1`)
    await page.locator('[data-testid=cost-table] a[data-part=llm][data-field=cost_per_conversation]').click()
    await poll(() => page.locator('main').innerText()).toContain(`of ${count('en', listed.total)}`)
    expect(page.url()).toContain('flag=with_cost_llm')
    expect(await page.locator('main').innerText()).toContain('with LLM costs')
    expect(errors).toEqual([])
    await page.close()
  })

  it('splits by WhatsApp pricing category, costs without one named as such', async () => {
    const { page, errors } = await openCosts('en', 1440, 900)
    const { from, to } = last30Days()
    await page.getByTestId('cost-split').selectOption('category')
    const costs = await demo.api(`/v1/costs?from=${from}&to=${to}&grain=all&by=category`)
    for (const row of costs.rows) {
      const part = row.category ?? 'uncategorized'
      const share = page.locator(`[data-testid=cost-table] [data-part=${part}][data-field=cost_share]`)
      await poll(async () => {
        const shown = await share.getAttribute('data-value')
        return row.cost_share === null ? shown === '' : Math.abs(Number(shown) - row.cost_share) < 1e-9
      }).toBe(true)
      expect(await share.innerText()).toBe(row.cost_share === null ? '–' : percent('en', row.cost_share))
    }
    expect(await page.locator('[data-testid=cost-table] a[data-part=uncategorized]').first().innerText()).toBe('No category (LLM, agents…)')
    expect(errors).toEqual([])
    await page.close()
  })

  it('shows proactive templates with the API’s numbers, and unknown delivery as unknown, in Spanish at 390 px', async () => {
    const { page, errors } = await openCosts('es', 390, 844)
    const { from, to } = last30Days()
    const proactive = await demo.api(`/v1/proactive?from=${from}&to=${to}`)
    expect(proactive.rows.length).toBeGreaterThan(0)
    for (const row of proactive.rows) {
      const card = page.locator(`[data-testid=proactive-row][data-template="${row.template}"][data-campaign="${row.campaign ?? ''}"]`)
      const field = (name: string) => card.locator(`dd[data-field=${name}]`)
      await poll(() => field('sent').getAttribute('data-value')).toBe(String(row.sent))
      expect(await field('sent').innerText()).toBe(count('es', row.sent))
      expect(await field('conversions').getAttribute('data-value')).toBe(String(row.conversions))
      expect(await field('conversion_value').innerText()).toBe(money('es', row.conversion_value))
      expect(await field('cost').innerText()).toBe(money('es', row.cost))
      for (const name of ['delivered', 'read', 'failed']) {
        // the demo's producer reports no wamids, so WhatsApp's statuses are never known: unknown, not 0
        if (row[name] === null) expect(await field(name).innerText()).toBe('— desconocido')
        else expect(await field(name).innerText()).toContain(count('es', row[name]))
      }
    }
    expect(await page.locator('nav a[href="#/costs"]').innerText()).toBe('Costo y proactivos')
    await screenshot(page, 'costs-es-390')
    expect((await measureLayout(page, false)).pageOverflow, 'no sideways scrolling at 390 px').toBeLessThanOrEqual(0)
    // on a phone a wide table scrolls inside its own box (docs/dashboard.md, "Screen widths";
    // pages.browser.test.ts checks that no header cell is cut off by anything else)

    // a template's sent count → the conversations that got it, as the API lists them
    const first = proactive.rows[0]
    const campaign = first.campaign === null ? '&campaign=' : `&campaign=${encodeURIComponent(first.campaign)}`
    const listed = await demo.api(`/v1/conversations?from=${from}&to=${to}&template=${encodeURIComponent(first.template)}${campaign}&limit=1`)
    expect(listed.total).toBeGreaterThan(0)
    await page.locator(`[data-testid=proactive-row][data-template="${first.template}"][data-campaign="${first.campaign ?? ''}"] dd[data-field=sent] a`).click()
    await poll(() => page.locator('main').innerText()).toContain(`de ${count('es', listed.total)}`)
    expect(await page.locator('.chips').innerText()).toContain(`Plantilla: ${first.template}`)
    expect(errors).toEqual([])
    await page.close()
  })
})
