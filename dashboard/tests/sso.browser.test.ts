// Single sign-on in Chromium: the sign-in page's "Sign in with …" button leads to a real OpenID
// Connect provider on a local port (oidc-provider), its login and consent pages, and back to the
// dashboard signed in as a person made at that first sign-in; an email of another domain is
// refused with a page that says why, and nobody is signed in.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { startTestProvider, type TestProvider } from '../../tests/oidc-test-provider.ts'
import { demoDashboardForThisFile } from './demo-for-this-file.ts'
import { poll } from './expectations.ts'

let provider: TestProvider
let configDir: string
// filled before the demo server starts (this beforeAll is registered before the demo's)
const serverEnv: Record<string, string> = {}

beforeAll(async () => {
  provider = await startTestProvider({
    // the demo server's port is known only once it runs, before the provider's first request
    redirectUris: () => [`${demo.server.url}/v1/sso/demo/callback`],
    accounts: {
      sofia: { email: 'sofia@demo.pulso.test', email_verified: true, name: 'Sofía Single' },
      mallory: { email: 'mallory@evil.test', email_verified: true, name: 'Mallory' },
    },
  })
  configDir = mkdtempSync(path.join(tmpdir(), 'pulso-sso-browser-'))
  const configFile = path.join(configDir, 'pulso.config.yaml')
  const sso = { tenants: { demo: { issuer: provider.issuer, client_id: provider.clientId, allowed_domains: ['demo.pulso.test'], label: 'Demo IdP' } } }
  writeFileSync(configFile, stringify({ sso }))
  Object.assign(serverEnv, { PULSO_CONFIG: configFile, PULSO_SSO_DEMO_CLIENT_SECRET: provider.clientSecret })
})
const demo = demoDashboardForThisFile({ days: 7, perDay: 20 }, serverEnv)
afterAll(async () => {
  await provider?.close()
  if (configDir) rmSync(configDir, { recursive: true, force: true })
})

/** Clicks "Sign in with Demo IdP" in `lang`, signs in at the provider as `accountId` and consents. */
async function signInThroughProvider(lang: 'en' | 'es', accountId: string) {
  const opened = await demo.newPage({ width: 390, height: 844, locale: lang === 'es' ? 'es-MX' : 'en-US' })
  const { page } = opened
  await page.goto(demo.server.url)
  await page.locator(`[data-lang=${lang}]`).click()
  const button = page.getByTestId('sso-demo')
  expect(await button.innerText()).toBe(lang === 'es' ? 'Entrar con Demo IdP' : 'Sign in with Demo IdP')
  await button.click()
  // the provider's own pages: login, then consent
  await page.waitForURL(`${provider.issuer}/interaction/**`)
  await page.fill('input[name=login]', accountId)
  await page.fill('input[name=password]', 'any')
  await page.locator('button[type=submit]').click()
  await page.locator('input[name=prompt][value=consent]').waitFor({ state: 'attached' })
  await page.locator('button[type=submit]').click()
  return opened
}

describe('single sign-on', () => {
  it('signs a new person in through the provider and back to the dashboard, in Spanish on a phone', async () => {
    const { page, errors } = await signInThroughProvider('es', 'sofia')
    await page.locator('article.tile [data-testid=kpi-value]').first().waitFor()
    expect(page.url()).toBe(`${demo.server.url}/`)
    await poll(() => page.getByTestId('person').innerText()).toBe('Sofía Single · lector')
    const cookies = await page.context().cookies(demo.server.url)
    expect(cookies.find((cookie) => cookie.name === 'pulso_session')).toMatchObject({ httpOnly: true, sameSite: 'Lax' })
    expect(cookies.find((cookie) => cookie.name === 'pulso_sso')).toBeUndefined() // the flow's cookie is spent
    expect(errors).toEqual([])
    await page.close()
  })

  it('refuses an email of another domain with a page that says why', async () => {
    const { page } = await signInThroughProvider('en', 'mallory')
    await poll(() => page.locator('[role=alert]').innerText()).toBe('mallory@evil.test may not sign in to demo: only addresses of demo.pulso.test may')
    const cookies = await page.context().cookies(demo.server.url)
    expect(cookies.find((cookie) => cookie.name === 'pulso_session')).toBeUndefined()
    await page.getByText('Back to sign-in').click()
    await page.locator('form.sign-in #email').waitFor()
    await page.close()
  })
})
