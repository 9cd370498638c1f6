// The admins' People and Keys pages, in Chromium: an admin invites someone, who accepts the link in
// a fresh browser (a phone, in Spanish) and lands signed in as a viewer without the admins' links,
// refused an editor's action with a clear message; the used link is refused; an admin makes a key,
// which works, and revokes it, after which the API answers it 401.
import { describe, expect, it } from 'vitest'
import { DEMO_ADMIN } from '../../domain/accounts/demo-admin.ts'
import { demoDashboardForThisFile } from './demo-for-this-file.ts'
import { poll } from './expectations.ts'
import { screenshot, submitPersonSignIn } from './harness.ts'
import { measureLayout } from './layout.ts'

const demo = demoDashboardForThisFile({ days: 7, perDay: 20 })

async function adminPage(viewport: { width?: number; height?: number } = {}) {
  const opened = await demo.newPage(viewport)
  await opened.page.goto(demo.server.url)
  await opened.page.locator('[data-lang=en]').click()
  await submitPersonSignIn(opened.page, DEMO_ADMIN.email, DEMO_ADMIN.password)
  await opened.page.locator('article.tile [data-testid=kpi-value]').first().waitFor()
  return opened
}

describe('an invite', () => {
  it('made by an admin is accepted in a fresh browser, which lands signed in as a viewer without the admin links; the link then works no more', async () => {
    const admin = await adminPage({ width: 1440 })
    await admin.page.getByTestId('nav-people').click()
    await admin.page.locator('[data-testid=people-list] li[data-email="admin@demo.pulso.test"]').waitFor()
    const invite = admin.page.getByTestId('invite')
    await invite.locator('input[name=email]').fill('ines@demo.pulso.test')
    await invite.locator('select[name=role]').selectOption('viewer')
    await invite.locator('button[type=submit]').click()
    const link = await admin.page.getByTestId('invite-link').innerText()
    expect(link).toMatch(new RegExp(`^${demo.server.url}/#/invite/[A-Za-z0-9_-]{43}$`))
    expect(admin.errors).toEqual([])

    // a phone, in Spanish, in a browser that never signed in
    const guest = await demo.newPage({ width: 390, height: 844, locale: 'es-MX' })
    await guest.page.goto(demo.server.url)
    await guest.page.locator('[data-lang=es]').click()
    await guest.page.goto(link)
    const form = guest.page.getByTestId('accept-invite')
    await poll(() => form.locator('p').first().innerText()).toBe('Te invitan a demo como lector, con el correo ines@demo.pulso.test.')
    await screenshot(guest.page, 'invite-accept-phone-es')
    await form.locator('#name').fill('Inés')
    await form.locator('#password').fill('ines-chose-this-one')
    await form.locator('button[type=submit]').click()
    await guest.page.locator('article.tile [data-testid=kpi-value]').first().waitFor()
    expect(await guest.page.getByTestId('person').innerText()).toBe('Inés · lector')
    expect(guest.page.url()).not.toContain('invite')
    expect(await guest.page.getByTestId('nav-people').count()).toBe(0)
    expect(await guest.page.getByTestId('nav-keys').count()).toBe(0)
    expect((await measureLayout(guest.page, false)).pageOverflow).toBeLessThanOrEqual(0)

    // an editor's action is refused, with the page's words and the server's
    const goal = guest.page.getByTestId('goal-form')
    await goal.locator('summary').click()
    await goal.locator('input[name=id]').fill('csat-ines')
    await goal.locator('select[name=kpi]').selectOption('csat_score')
    await goal.locator('input[name=target]').fill('80')
    await goal.locator('button[type=submit]').click()
    await poll(() => guest.page.getByTestId('goal-error').innerText()).toBe('La meta no se guardó: tu rol no permite esto')
    // typing the admins' page address gets the API's refusal, told as such
    await guest.page.goto(`${demo.server.url}/#/people`)
    await poll(() => guest.page.locator('main [role=alert]').first().innerText()).toContain('tu rol no permite esto')
    expect(guest.errors).toEqual([])

    // the admin sees the new person as a viewer
    await admin.page.reload()
    await admin.page.getByTestId('nav-people').click()
    const row = admin.page.locator('[data-testid=people-list] li[data-email="ines@demo.pulso.test"]')
    expect(await row.locator('select[name=role]').inputValue()).toBe('viewer')

    // the same link again, in another fresh browser: refused, saying why
    const late = await demo.newPage({ locale: 'en-US' })
    await late.page.goto(demo.server.url)
    await late.page.locator('[data-lang=en]').click()
    await late.page.goto(link)
    await poll(() => late.page.getByTestId('accept-error').innerText()).toBe(
      'This invite cannot be used: this invite was already used; sign in, or ask an admin for a new one',
    )
    for (const opened of [admin, guest, late]) await opened.page.close()
  })
})

describe('the People page', () => {
  it('changes a role and removes a person on a phone, without sideways scrolling', async () => {
    const { page, errors } = await adminPage({ width: 390, height: 844 })
    await page.getByTestId('nav-people').click()
    const invite = page.getByTestId('invite')
    await invite.locator('input[name=email]').fill('otto@demo.pulso.test')
    await invite.locator('button[type=submit]').click()
    const link = await page.getByTestId('invite-link').innerText()
    const token = link.split('/').at(-1)!
    const accepted = await fetch(`${demo.server.url}/v1/invites/${token}/accept`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Otto', password: 'otto-chose-this-one' }),
    })
    expect(accepted.status).toBe(200)
    await page.getByTestId('nav-keys').click()
    await page.getByTestId('nav-people').click()
    const row = page.locator('[data-testid=people-list] li[data-email="otto@demo.pulso.test"]')
    await row.locator('select[name=role]').selectOption('editor')
    await poll(() => page.getByTestId('people-done').innerText()).toBe('otto@demo.pulso.test is now editor.')
    await screenshot(page, 'people-phone-en')
    expect((await measureLayout(page, false)).pageOverflow).toBeLessThanOrEqual(0)
    page.once('dialog', (dialog) => void dialog.accept())
    await row.getByTestId('remove').click()
    await poll(() => page.getByTestId('people-done').innerText()).toBe('otto@demo.pulso.test was removed.')
    await poll(() => row.count()).toBe(0)
    expect(errors).toEqual([])
    await page.close()
  })
})

describe('the Keys page', () => {
  it('makes a key shown once, which works, and revokes it, after which the API answers 401', async () => {
    const { page, errors } = await adminPage({ width: 390, height: 844 })
    await page.getByTestId('nav-keys').click()
    const form = page.getByTestId('key-form')
    await form.locator('input[name=name]').fill('Looker')
    await form.locator('select[name=scope]').selectOption('read')
    await form.locator('button[type=submit]').click()
    const secret = await page.getByTestId('key-secret').innerText()
    expect(secret).toMatch(/^pulso_[A-Za-z0-9_-]{43}$/)
    const withKey = () => fetch(`${demo.server.url}/v1/tenant`, { headers: { authorization: `Bearer ${secret}` } })
    expect((await withKey()).status).toBe(200)
    const row = page.locator('[data-testid=keys-list] li').filter({ hasText: 'Looker' })
    await row.waitFor()
    expect(await row.innerText()).not.toContain(secret)
    await screenshot(page, 'keys-phone-en')
    expect((await measureLayout(page, false)).pageOverflow).toBeLessThanOrEqual(0)

    page.once('dialog', (dialog) => void dialog.accept())
    await row.getByTestId('revoke').click()
    await poll(() => page.getByTestId('keys-done').innerText()).toBe('Key Looker revoked.')
    await poll(() => row.count()).toBe(0)
    expect((await withKey()).status).toBe(401)
    // shown once: after a reload the secret is nowhere on the page
    await page.reload()
    await page.getByTestId('nav-keys').click()
    expect(await page.locator('main').innerText()).not.toContain(secret)
    expect(errors).toEqual([])
    await page.close()
  })
})
