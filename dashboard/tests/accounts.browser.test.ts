// People in the dashboard, in Chromium: sign in with email and password, read, sign out; a wrong
// password; the lock after repeated failures; a viewer refused an editor's action with a clear
// message; es and en, phone and desktop.
import { describe, expect, it } from 'vitest'
import { Accounts } from '../../domain/accounts/accounts.ts'
import { DEMO_ADMIN } from '../../domain/accounts/demo-admin.ts'
import { demoDashboardForThisFile } from './demo-for-this-file.ts'
import { poll } from './expectations.ts'
import { submitPersonSignIn } from './harness.ts'
import { measureLayout } from './layout.ts'

// locked after 3 failures (the 3rd answered a second late), so the lock test stays short
const demo = demoDashboardForThisFile({ days: 7, perDay: 20 }, { PULSO_SIGN_IN_SLOW_AFTER: '2', PULSO_SIGN_IN_LOCK_AFTER: '3' })

const VIEWER = { email: 'vera@demo.pulso.test', name: 'Vera Viewer', password: 'vera-reads-only-1' }

async function signInPage(lang: 'en' | 'es', viewport: { width?: number; height?: number } = {}) {
  const opened = await demo.newPage({ ...viewport, locale: lang === 'es' ? 'es-MX' : 'en-US' })
  await opened.page.goto(demo.server.url)
  await opened.page.locator(`[data-lang=${lang}]`).click()
  return opened
}

describe('a person', () => {
  it('signs in with email and password, reads the Overview, reloads still signed in, and signs out', async () => {
    const { page, errors } = await signInPage('en')
    await submitPersonSignIn(page, DEMO_ADMIN.email, DEMO_ADMIN.password)
    await page.locator('article.tile [data-testid=kpi-value]').first().waitFor()
    expect(await page.getByTestId('person').innerText()).toBe('Demo Admin · admin')
    expect(await page.getByTestId('tenant-info').innerText()).toBe('Demo Retail · time zone America/Mexico_City · MXN')
    // the session is an httpOnly cookie: no script sees it, and the page's storage holds no secret
    expect(await page.evaluate(() => document.cookie)).toBe('')
    const cookies = await page.context().cookies()
    const stored = await page.evaluate(() => JSON.stringify({ ...sessionStorage, ...localStorage }))
    expect(stored).not.toContain(cookies[0]?.value)
    expect(stored).not.toContain(DEMO_ADMIN.password)
    expect(cookies.map((c) => ({ name: c.name, httpOnly: c.httpOnly, sameSite: c.sameSite }))).toEqual([
      { name: 'pulso_session', httpOnly: true, sameSite: 'Lax' },
    ])

    await page.reload()
    await page.locator('article.tile').first().waitFor()
    await page.getByTestId('sign-out').click()
    await page.locator('form.sign-in #email').waitFor()
    // signed out on the server too: the old cookie no longer reads
    const old = await fetch(`${demo.server.url}/v1/tenant`, { headers: { cookie: `pulso_session=${cookies[0]!.value}` } })
    expect(old.status).toBe(401)
    await page.reload()
    await page.locator('form.sign-in #email').waitFor()
    expect(errors).toEqual([])
    await page.close()
  })

  it('is told a wrong password in their language, the same as for an unknown email', async () => {
    const { page, errors } = await signInPage('es')
    await submitPersonSignIn(page, DEMO_ADMIN.email, 'not-the-password')
    await poll(() => page.locator('form.sign-in [role=alert]').innerText()).toBe('Correo o contraseña incorrectos.')
    await page.locator('[data-lang=en]').click()
    await submitPersonSignIn(page, 'nobody@demo.pulso.test', 'not-the-password')
    await poll(() => page.locator('form.sign-in [role=alert]').innerText()).toBe('Wrong email or password.')
    expect(errors).toEqual([])
    await page.close()
  })

  it('is locked out after repeated failures, even with the right password then', async () => {
    const accounts = new Accounts(demo.server.runtime.warehouse, demo.server.runtime.config.accounts)
    await accounts.createPerson({ tenant: 'demo', role: 'viewer', email: 'lucas@demo.pulso.test', name: 'Lucas', password: 'lucas-password-1' })
    const { page, errors } = await signInPage('en')
    for (let i = 0; i < 3; i++) {
      await submitPersonSignIn(page, 'lucas@demo.pulso.test', `guess-${i}`)
      await poll(() => page.locator('form.sign-in [role=alert]').innerText()).toBe('Wrong email or password.')
    }
    await submitPersonSignIn(page, 'lucas@demo.pulso.test', 'lucas-password-1')
    await poll(() => page.locator('form.sign-in [role=alert]').innerText()).toBe(
      'Too many failed sign-ins: this account is locked for a while. Try again later.',
    )
    expect(errors).toEqual([])
    await page.close()
  })

  it("with the viewer role is refused an editor's action with a clear message, on a phone, in Spanish", async () => {
    const accounts = new Accounts(demo.server.runtime.warehouse, demo.server.runtime.config.accounts)
    await accounts.createPerson({ tenant: 'demo', role: 'viewer', ...VIEWER })
    const { page, errors } = await signInPage('es', { width: 390, height: 844 })
    await submitPersonSignIn(page, VIEWER.email, VIEWER.password)
    await page.locator('article.tile [data-testid=kpi-value]').first().waitFor()
    const form = page.getByTestId('goal-form')
    await form.locator('summary').click()
    await form.locator('input[name=id]').fill('csat-viewer')
    await form.locator('select[name=kpi]').selectOption('csat_score')
    await form.locator('input[name=target]').fill('80')
    await form.locator('button[type=submit]').click()
    await poll(() => page.getByTestId('goal-error').innerText()).toBe('La meta no se guardó: tu rol no permite esto')
    expect(await form.locator('.detail').innerText()).toBe('this needs the role editor or admin in tenant demo; you are a viewer')
    expect((await measureLayout(page, false)).pageOverflow).toBeLessThanOrEqual(0)
    expect(errors).toEqual([])
    await page.close()
  })

  it('with the admin role sets the goal the viewer could not, on a desktop', async () => {
    const { page, errors } = await signInPage('en', { width: 1440 })
    await submitPersonSignIn(page, DEMO_ADMIN.email, DEMO_ADMIN.password)
    await page.locator('article.tile [data-testid=kpi-value]').first().waitFor()
    const form = page.getByTestId('goal-form')
    await form.locator('summary').click()
    await form.locator('input[name=id]').fill('csat-admin')
    await form.locator('select[name=kpi]').selectOption('csat_score')
    await form.locator('input[name=target]').fill('80')
    await form.locator('button[type=submit]').click()
    await poll(() => page.getByTestId('goal-saved').innerText()).toBe('Goal csat-admin saved.')
    const goals = await demo.api('/v1/goals')
    expect(goals.goals.find((g: { id: string }) => g.id === 'csat-admin')).toMatchObject({ kpi: 'csat_score', target: 80, period: 'week' })
    expect(errors).toEqual([])
    await page.close()
  })
})
