// The dashboard in real Chromium against a real Pulso server on a small demo tenant: a `(none)`
// row of the segment breakdown links to its conversations like every other row, and a Spanish page
// speaks Spanish when the API refuses something (the error code translated, the server's English
// folded away) and in the model catalog's lineage.
import { describe, expect, it } from 'vitest'
import { demoDashboardForThisFile } from './demo-for-this-file.ts'
import { last30Days, poll, shift, today } from './expectations.ts'
import { type Lang, signIn } from './harness.ts'

const demo = demoDashboardForThisFile({ days: 14, perDay: 40 })

/** A page in this language and the browser locale that goes with it, at the sign-in form. */
async function signInForm(lang: Lang) {
  const opened = await demo.newPage({ locale: lang === 'es' ? 'es-MX' : 'en-US' })
  await opened.page.goto(demo.server.url)
  await opened.page.locator(`[data-lang=${lang}]`).click()
  return opened
}

describe('the (none) row of the segment breakdown', () => {
  it('links each of its numbers to the conversations behind it, as many as it counts', async () => {
    const { from, to } = last30Days()
    // the demo's conversations outside every use case carry no use_case: the breakdown's null row
    const none = (await demo.api(`/v1/kpis?from=${from}&to=${to}&grain=all&by=use_case`)).rows.find((r: { use_case: string | null }) => r.use_case === null)
    expect(none?.conversations).toBeGreaterThan(0)

    const { page, errors } = await demo.signedInPage({ route: '#/operations' })
    const row = page.getByTestId('segment-table').locator('tr', { hasText: '(none)' })
    await row.waitFor()
    for (const kpi of ['conversations', 'escalation_rate', 'csat_score']) {
      if (none[kpi] === null) continue
      expect(await row.locator(`a[data-kpi=${kpi}]`).count(), kpi).toBe(1)
    }
    await row.locator('a[data-kpi=conversations]').click()
    await poll(() => page.getByTestId('conversation-total').innerText()).toContain(`of ${none.conversations}`)
    expect(await page.locator('ul.chips').innerText()).toContain('Use case: (none)')
    expect(errors).toEqual([])
    await page.close()
  })
})

describe('a Spanish page', () => {
  it("tells the API's refusals in Spanish, with the server's own words folded away", async () => {
    const { page, errors } = await signInForm('es')
    // an unknown key at sign-in (the API-key form, behind its link)
    await page.locator('[data-testid=sign-in-switch]').click()
    await page.fill('#api-key', 'not-a-key-at-all')
    await page.locator('form.sign-in button[type=submit]').click()
    await poll(() => page.locator('form.sign-in [role=alert]').innerText()).toBe('La clave no fue aceptada: la clave de API no existe o no se envió')

    await signIn(page, demo.server.url, 'es')
    // a drill-down address with a sort the API does not know: 400 bad_request from /v1/conversations
    const to = today()
    await page.goto(`${demo.server.url}/#/conversations?from=${shift(to, -6)}&to=${to}&sort=loudest`)
    const alert = page.locator('main [role=alert]')
    await poll(() => alert.innerText()).toContain('No se pudo cargar: la petición no es válida')
    expect(await alert.innerText()).not.toContain('expected one of') // folded under "Lo que dijo el servidor"
    await alert.locator('summary').click()
    expect(await alert.locator('code').innerText()).toBe('`sort`: expected one of started_at, frt, handoff_wait, cost, csat, resolution')

    // a statement the SQL console refuses: the headline in Spanish, the reason below it
    await page.goto(`${demo.server.url}/#/data`)
    await page.fill('#sql-input', 'DROP TABLE fct_conversations')
    await page.locator('form button[type=submit]').click()
    const sqlAlert = page.locator('.sql-error[role=alert]')
    await poll(() => sqlAlert.locator('p').innerText()).toBe('esta consulta no está permitida')
    expect(errors).toEqual([])
    await page.close()
  })

  it("names the model catalog's layers and materializations in Spanish", async () => {
    const { page } = await demo.signedInPage({ lang: 'es', locale: 'es-MX', route: '#/data' })
    const layers = page.getByTestId('lineage').locator('h5')
    await poll(() => layers.allTextContents()).toEqual(['fuentes', 'preparación', 'intermedios', 'marts (tablas finales)'])
    const summary = await page.locator('.models details summary').first().textContent()
    expect(summary).toMatch(/· (preparación|intermedios|marts \(tablas finales\)) · (vista|tabla|guardado, incremental|vista con parámetros)/)
    await page.close()
  })
})
