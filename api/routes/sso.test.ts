// Single sign-on end to end against a real OpenID Connect provider on a local port (oidc-provider):
// discovery, the provider's login, the callback's code exchange and ID token checks, the session it
// gives (read like a key's), a person made at the first sign-in (audited), and the refusals: an
// email of another domain or unverified, a state that is not the one this browser started with.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { Accounts } from '../../domain/accounts/accounts.ts'
import { removePerson } from '../../domain/accounts/people.ts'
import { event, ndjson, openTestPulso, postEvents, TEST_KEYS, type TestPulso } from '../../tests/helpers.ts'
import { signInAt, startTestProvider, type TestProvider } from '../../tests/oidc-test-provider.ts'
import { createApp } from '../app.ts'

const PULSO = 'http://pulso.test' // the app answers in-process; the provider sends the "browser" back here
const CALLBACK = `${PULSO}/v1/sso/acme/callback`
const KPIS = '/v1/kpis?from=2024-03-02&to=2024-03-03&grain=day'

let provider: TestProvider
let pulso: TestPulso
let app: ReturnType<typeof createApp>
let accounts: Accounts
let configDir: string
const logLines: string[] = []

beforeAll(async () => {
  provider = await startTestProvider({
    redirectUris: [CALLBACK],
    accounts: {
      carla: { email: 'Carla@Acme.test', email_verified: true, name: 'Carla Ruiz' },
      edu: { email: 'edu@acme.test', email_verified: true, name: 'Edu from the IdP' },
      dora: { email: 'dora@acme.test', email_verified: true, name: 'Dora' },
      mallory: { email: 'mallory@evil.test', email_verified: true, name: 'Mallory' },
      unverified: { email: 'nuevo@acme.test', email_verified: false, name: 'Not Verified' },
    },
  })
  configDir = mkdtempSync(path.join(tmpdir(), 'pulso-sso-'))
  const configFile = path.join(configDir, 'pulso.config.yaml')
  writeFileSync(
    configFile,
    stringify({
      sso: {
        public_url: PULSO,
        tenants: { acme: { issuer: provider.issuer, client_id: provider.clientId, allowed_domains: ['acme.test'], default_role: 'viewer', label: 'Acme IdP' } },
      },
    }),
  )
  // the secret from the environment, as the docs advise
  pulso = await openTestPulso({ PULSO_CONFIG: configFile, PULSO_SSO_ACME_CLIENT_SECRET: provider.clientSecret })
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) })
  accounts = new Accounts(pulso.warehouse, pulso.config.accounts, logger)
  app = createApp({ config: pulso.config, warehouse: pulso.warehouse, intake: pulso.intake, bulkLoads: pulso.bulkLoads, logger, accounts })
  await accounts.createPerson({ tenant: 'acme', email: 'edu@acme.test', name: 'Edu Editor', role: 'editor', password: 'edu-password-1234' })
  const events = [
    event({ event_id: 'c1-1', conversation_id: 'c1', occurred_at: '2024-03-02T10:00:00Z' }),
    event({ event_id: 'c1-2', conversation_id: 'c1', occurred_at: '2024-03-02T10:00:05Z', sender: 'bot' }),
    event({ event_id: 'c2-1', conversation_id: 'c2', occurred_at: '2024-03-03T11:00:00Z' }),
  ]
  expect((await postEvents(pulso, TEST_KEYS.acmeIngest, ndjson(events))).body).toMatchObject({ accepted: 3 })
})
afterAll(async () => {
  await pulso?.cleanup()
  await provider?.close()
  if (configDir) rmSync(configDir, { recursive: true, force: true })
})

/** Starts a sign-in at Pulso: the provider's URL, and the flow cookie the browser keeps. */
async function start() {
  const answer = await app.request(`${PULSO}/v1/sso/acme/start`)
  expect(answer.status).toBe(302)
  const setCookie = answer.headers.get('set-cookie') ?? ''
  return { location: answer.headers.get('location')!, setCookie, flowCookie: setCookie.split(';')[0]! }
}

/** The whole round trip as a browser makes it: start, the provider's login, the callback. */
async function signInAs(accountId: string) {
  const started = await start()
  const callback = await signInAt(provider, started.location, accountId)
  const answer = await app.request(callback.href, { headers: { cookie: started.flowCookie } })
  const sessionCookie = answer.headers.getSetCookie().find((line) => line.startsWith('pulso_session='))
  return { answer, callback, started, sessionCookie, cookie: sessionCookie?.split(';')[0] }
}

async function read(url: string, headers: Record<string, string>) {
  const response = await app.request(url, { headers })
  return { status: response.status, body: (await response.json()) as any }
}

describe('single sign-on with OpenID Connect', () => {
  it('lists the tenants with a provider for the sign-in page', async () => {
    expect(await read('/v1/sso', {})).toEqual({ status: 200, body: { providers: [{ tenant: 'acme', label: 'Acme IdP', start_url: '/v1/sso/acme/start' }] } })
  })

  it('sends the browser to the discovered authorization endpoint with state, nonce and a PKCE challenge', async () => {
    const { location, setCookie } = await start()
    const url = new URL(location)
    expect(`${url.origin}${url.pathname}`).toBe(`${provider.issuer}/auth`) // from /.well-known/openid-configuration
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      client_id: provider.clientId,
      redirect_uri: CALLBACK,
      response_type: 'code',
      scope: 'openid email profile',
      code_challenge_method: 'S256',
      state: expect.stringMatching(/^[\w-]{43}$/),
      nonce: expect.stringMatching(/^[\w-]{43}$/),
      code_challenge: expect.stringMatching(/^[\w-]{43}$/),
    })
    expect(setCookie).toMatch(/^pulso_sso=[^;]+; Max-Age=600; Path=\/v1\/sso\/acme; HttpOnly; SameSite=Lax$/)
  })

  it('a first sign-in makes the person with the default role, audited, and gives a session that reads like a key', async () => {
    const { answer, sessionCookie, cookie } = await signInAs('carla')
    expect(answer.status).toBe(303)
    expect(answer.headers.get('location')).toBe(`${PULSO}/`)
    expect(sessionCookie).toMatch(/^pulso_session=[\w-]{43}; Path=\/; Expires=.+; HttpOnly; SameSite=Lax$/)
    const me = await read('/v1/session', { cookie: cookie! })
    expect(me).toMatchObject({ status: 200, body: { email: 'carla@acme.test', name: 'Carla Ruiz', tenant: 'acme', role: 'viewer' } })

    const withCookie = await read(KPIS, { cookie: cookie! })
    const withKey = await read(KPIS, { authorization: `Bearer ${TEST_KEYS.acmeRead}` })
    expect(withCookie.status).toBe(200)
    expect(withCookie.body).toEqual(withKey.body)
    expect(withCookie.body.rows.map((row: any) => [row.period, row.conversations])).toEqual([
      ['2024-03-02', 1],
      ['2024-03-03', 1],
    ])

    const audit = await read('/v1/audit', { authorization: `Bearer ${TEST_KEYS.acmeAdmin}` })
    const made = audit.body.entries.filter((entry: any) => entry.object_id === 'carla@acme.test')
    expect(made).toEqual([expect.objectContaining({ actor_kind: 'person', actor: 'carla@acme.test', action: 'create', object_kind: 'person' })])

    // a second sign-in finds the person: no second audit row, same role
    const again = await signInAs('carla')
    expect(again.answer.status).toBe(303)
    const audit2 = await read('/v1/audit', { authorization: `Bearer ${TEST_KEYS.acmeAdmin}` })
    expect(audit2.body.entries.filter((entry: any) => entry.object_id === 'carla@acme.test')).toHaveLength(1)

    // a person made by single sign-on has no password: a password sign-in fails the usual way
    const byPassword = await app.request('/v1/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'carla@acme.test', password: 'any-password-at-all' }),
    })
    expect(byPassword.status).toBe(401)
  })

  it('a person who already has a role keeps it and their name', async () => {
    const { answer, cookie } = await signInAs('edu')
    expect(answer.status).toBe(303)
    expect(await read('/v1/session', { cookie: cookie! })).toMatchObject({ body: { email: 'edu@acme.test', name: 'Edu Editor', role: 'editor' } })
  })

  it('refuses an email outside the allowed domains with a page that says so, and makes nobody', async () => {
    const { answer, sessionCookie } = await signInAs('mallory')
    expect(answer.status).toBe(403)
    expect(sessionCookie).toBeUndefined()
    const page = await answer.text()
    expect(page).toContain('mallory@evil.test may not sign in to acme: only addresses of acme.test may')
    expect(page).toContain('href="http://pulso.test/"')
    const people = await read('/v1/audit', { authorization: `Bearer ${TEST_KEYS.acmeAdmin}` })
    expect(JSON.stringify(people.body)).not.toContain('mallory')
  })

  it('does not bring back a person an admin removed from the tenant', async () => {
    expect((await signInAs('dora')).answer.status).toBe(303)
    await removePerson(accounts, 'acme', 'dora@acme.test', { actor_kind: 'person', actor: 'admin@acme.test', address: 'test' })
    const { answer, sessionCookie } = await signInAs('dora')
    expect(answer.status).toBe(403)
    expect(sessionCookie).toBeUndefined()
    expect(await answer.text()).toContain('dora@acme.test was removed from acme by an admin: ask an admin of acme for an invite')
    expect(await accounts.roleIn('acme', 'dora@acme.test')).toBeUndefined()
  })

  it('refuses an email the provider has not verified', async () => {
    const { answer, sessionCookie } = await signInAs('unverified')
    expect(answer.status).toBe(403)
    expect(sessionCookie).toBeUndefined()
    expect(await answer.text()).toContain('the identity provider has not verified nuevo@acme.test')
  })

  it('refuses a callback whose state is not the one this browser started with', async () => {
    const started = await start()
    const callback = await signInAt(provider, started.location, 'carla')
    const forged = new URL(callback)
    forged.searchParams.set('state', 'a-state-this-browser-never-got')
    const refused = await app.request(forged.href, { headers: { cookie: started.flowCookie } })
    expect(refused.status).toBe(400)
    expect(refused.headers.getSetCookie().some((line) => line.startsWith('pulso_session='))).toBe(false)
    expect(await refused.text()).toContain('the identity provider&#39;s answer was not accepted')
  })

  it('refuses a callback without the flow cookie, or with one not signed by Pulso', async () => {
    const started = await start()
    const callback = await signInAt(provider, started.location, 'carla')
    const bare = await app.request(callback.href)
    expect(bare.status).toBe(400)
    expect(await bare.text()).toContain('this sign-in was not started from this browser')
    const [name, value] = started.flowCookie.split('=')
    const decoded = decodeURIComponent(value!)
    const forgedValue = decoded.replace(/"tenant":"acme"/, '"tenant":"acme" ') // any change breaks the signature
    const forged = await app.request(callback.href, { headers: { cookie: `${name}=${encodeURIComponent(forgedValue)}` } })
    expect(forged.status).toBe(400)
    // the genuine cookie still completes it: the refusals above did not use up the code
    const genuine = await app.request(callback.href, { headers: { cookie: started.flowCookie } })
    expect(genuine.status).toBe(303)
  })

  it('an unknown tenant has no single sign-on', async () => {
    const answer = await app.request(`${PULSO}/v1/sso/globex/start`)
    expect(answer.status).toBe(404)
    expect(await answer.text()).toContain('tenant globex has no single sign-on configured')
  })

  it('keeps codes, tokens and the client secret out of the log', async () => {
    const log = logLines.join('\n')
    expect(log).toContain('single sign-on refused')
    expect(log).not.toContain(provider.clientSecret)
    expect(log).not.toMatch(/code=|id_token|code_verifier/)
  })
})
