// People sign in with an email and a password and get a cookie session that every route accepts
// with their role's rules; failures are slowed and locked; nothing secret reaches the log.
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Accounts } from '../../domain/accounts/accounts.ts'
import { openTestPulso, TEST_KEYS, type TestPulso } from '../../tests/helpers.ts'
import { createApp } from '../app.ts'

let pulso: TestPulso
let app: ReturnType<typeof createApp>
const logLines: string[] = []
const waits: number[] = []

const PASSWORDS = { admin: 'admin-password-1234', editor: 'editor-password-1234', viewer: 'viewer-password-1234' }

beforeAll(async () => {
  pulso = await openTestPulso({ PULSO_SIGN_IN_SLOW_AFTER: '2', PULSO_SIGN_IN_LOCK_AFTER: '4', PULSO_TRUST_PROXY: '1' })
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) })
  // the waits before failed answers are recorded, not slept: the test checks their lengths
  const accounts = new Accounts(pulso.warehouse, pulso.config.accounts, logger, async (ms) => void waits.push(ms))
  app = createApp({ config: pulso.config, warehouse: pulso.warehouse, intake: pulso.intake, bulkLoads: pulso.bulkLoads, logger, accounts })
  for (const role of ['admin', 'editor', 'viewer'] as const)
    await accounts.createPerson({ tenant: 'acme', email: `${role}@acme.test`, name: `Acme ${role}`, role, password: PASSWORDS[role] })
})
afterAll(async () => pulso?.cleanup())

type Answer = { status: number; body: any; headers: Headers }

async function call(method: string, url: string, init: { cookie?: string; csrf?: string; body?: unknown; key?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = {}
  if (init.cookie) headers.cookie = init.cookie
  if (init.csrf) headers['x-pulso-csrf'] = init.csrf
  if (init.key) headers.authorization = `Bearer ${init.key}`
  if (init.body !== undefined) headers['content-type'] = 'application/json'
  const response = await app.request(url, { method, headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) })
  const text = await response.text()
  return { status: response.status, body: text ? JSON.parse(text) : null, headers: response.headers }
}

async function signIn(email: string, password: string, headers: Record<string, string> = {}) {
  const response = await app.request('/v1/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ email, password }),
  })
  const setCookie = response.headers.get('set-cookie') ?? ''
  return { status: response.status, body: (await response.json()) as any, setCookie, cookie: setCookie.split(';')[0]!, headers: response.headers }
}

const goal = { id: 'escalation', kpi: 'escalation_rate', target: 0.25, period: 'week' }

describe('people sign in', () => {
  it('with email and password, getting an httpOnly SameSite=Lax cookie and the session without its id', async () => {
    const signedIn = await signIn(' Viewer@Acme.test', PASSWORDS.viewer)
    expect(signedIn.status).toBe(200)
    expect(signedIn.setCookie).toMatch(/^pulso_session=[A-Za-z0-9_-]{43}; Path=\/; Expires=.+; HttpOnly; SameSite=Lax$/)
    const sessionId = signedIn.cookie.split('=')[1]!
    expect(signedIn.body).toEqual({
      email: 'viewer@acme.test',
      name: 'Acme viewer',
      tenant: 'acme',
      role: 'viewer',
      expires_at: expect.any(String),
      csrf_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    })
    // 12 hours by default (PULSO_SESSION_HOURS)
    expect(Date.parse(signedIn.body.expires_at) - Date.now()).toBeGreaterThan(11.9 * 3_600_000)
    expect(JSON.stringify(signedIn.body)).not.toContain(sessionId)
    const me = await call('GET', '/v1/session', { cookie: signedIn.cookie })
    expect(me.body).toEqual(signedIn.body)
  })

  it('get a Secure cookie when the request came over HTTPS', async () => {
    const signedIn = await app.request('https://pulso.example/v1/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'viewer@acme.test', password: PASSWORDS.viewer }),
    })
    expect(signedIn.headers.get('set-cookie')).toMatch(/; Secure/)
    // behind a proxy it trusts (PULSO_TRUST_PROXY=1), X-Forwarded-Proto says so
    expect((await signIn('viewer@acme.test', PASSWORDS.viewer, { 'x-forwarded-proto': 'https' })).setCookie).toMatch(/; Secure/)
    expect((await signIn('viewer@acme.test', PASSWORDS.viewer, { 'x-forwarded-proto': 'http' })).setCookie).not.toMatch(/Secure/)
  })

  it('read with the cookie what a read key reads, of their own tenant', async () => {
    const { cookie } = await signIn('viewer@acme.test', PASSWORDS.viewer)
    const tenant = await call('GET', '/v1/tenant', { cookie })
    expect(tenant.status).toBe(200)
    expect(tenant.body).toMatchObject({ id: 'acme', role: 'viewer' })
    const withCookie = await call('GET', '/v1/goals', { cookie })
    const withKey = await call('GET', '/v1/goals', { key: TEST_KEYS.acmeRead })
    expect(withCookie.status).toBe(200)
    expect(withCookie.body).toEqual(withKey.body)
  })

  it('write by their role: a viewer is refused an editor’s action, an editor may, an admin may too', async () => {
    const viewer = await signIn('viewer@acme.test', PASSWORDS.viewer)
    const refused = await call('POST', '/v1/goals', { cookie: viewer.cookie, csrf: viewer.body.csrf_token, body: goal })
    expect(refused).toMatchObject({
      status: 403,
      body: { error: 'forbidden', message: 'this needs the role editor or admin in tenant acme; you are a viewer' },
    })

    const editor = await signIn('editor@acme.test', PASSWORDS.editor)
    expect((await call('POST', '/v1/goals', { cookie: editor.cookie, csrf: editor.body.csrf_token, body: goal })).status).toBe(201)
    const admin = await signIn('admin@acme.test', PASSWORDS.admin)
    expect((await call('DELETE', '/v1/goals/escalation', { cookie: admin.cookie, csrf: admin.body.csrf_token })).status).toBe(204)
  })

  it('write with the cookie only with the CSRF token of that session', async () => {
    const editor = await signIn('editor@acme.test', PASSWORDS.editor)
    const other = await signIn('editor@acme.test', PASSWORDS.editor)
    const missing = await call('POST', '/v1/goals', { cookie: editor.cookie, body: goal })
    expect(missing).toMatchObject({ status: 403, body: { error: 'csrf' } })
    const wrong = await call('POST', '/v1/goals', { cookie: editor.cookie, csrf: other.body.csrf_token, body: goal })
    expect(wrong).toMatchObject({ status: 403, body: { error: 'csrf' } })
    // reads need no token
    expect((await call('GET', '/v1/goals', { cookie: editor.cookie })).status).toBe(200)
  })

  it('sign out: the cookie is cleared and the session no longer counts', async () => {
    const { cookie, body } = await signIn('viewer@acme.test', PASSWORDS.viewer)
    const out = await app.request('/v1/session', { method: 'DELETE', headers: { cookie, 'x-pulso-csrf': body.csrf_token } })
    expect(out.status).toBe(204)
    expect(out.headers.get('set-cookie')).toMatch(/^pulso_session=; Max-Age=0/)
    expect(await call('GET', '/v1/kpis?from=2026-03-01&to=2026-03-07&grain=day', { cookie })).toMatchObject({
      status: 401,
      body: { error: 'session_ended' },
    })
  })

  it('sessions expire after PULSO_SESSION_HOURS', async () => {
    const accounts = new Accounts(pulso.warehouse, pulso.config.accounts)
    const startedAt = new Date('2026-03-01T08:00:00Z')
    const signedIn = await accounts.signIn({ email: 'viewer@acme.test', password: PASSWORDS.viewer, address: 'test' }, startedAt)
    expect(await accounts.callerOfSession(signedIn.sessionId, new Date('2026-03-01T19:59:59Z'))).toMatchObject({ role: 'viewer' })
    expect(await accounts.callerOfSession(signedIn.sessionId, new Date('2026-03-01T20:00:00Z'))).toBeUndefined()
  })

  it('without a cookie or a key get 401; a key still works beside the sessions', async () => {
    expect((await call('GET', '/v1/goals')).status).toBe(401)
    expect((await call('GET', '/v1/goals', { key: TEST_KEYS.acmeRead })).status).toBe(200)
    expect((await call('GET', '/v1/goals', { cookie: 'pulso_session=made-up' })).body.error).toBe('session_ended')
  })
})

describe('failed sign-ins', () => {
  it('get the same answer for an unknown email and a wrong password', async () => {
    const wrong = await signIn('admin@acme.test', 'not-the-password')
    const unknown = await signIn('nobody@acme.test', 'not-the-password')
    expect(wrong.status).toBe(401)
    expect(unknown.status).toBe(401)
    expect(wrong.body).toEqual({ error: 'sign_in_failed', message: 'wrong email or password' })
    expect(unknown.body).toEqual(wrong.body)
    expect(wrong.setCookie).toBe('')
  })

  it('name a body that is not JSON, or one without a password', async () => {
    const broken = await app.request('/v1/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email": ' })
    expect(broken.status).toBe(400)
    expect(((await broken.json()) as { message: string }).message).toMatch(/^the body is not valid JSON: /)
    const noPassword = await call('POST', '/v1/session', { body: { email: 'admin@acme.test' } })
    expect(noPassword.status).toBe(400)
    expect(noPassword.body.message).toBe('`password`: is required')
  })

  it('are answered later past PULSO_SIGN_IN_SLOW_AFTER and lock the account at PULSO_SIGN_IN_LOCK_AFTER, even for the right password', async () => {
    waits.length = 0
    // from four addresses (X-Forwarded-For, trusted here), so the account's count is what slows
    for (let i = 0; i < 4; i++) expect((await signIn('editor@acme.test', `guess-${i}`, { 'x-forwarded-for': `10.0.1.${i}` })).status).toBe(401)
    // slow after 2: the 3rd and 4th failures wait 1 s and 2 s
    expect(waits).toEqual([0, 0, 1_000, 2_000])
    const locked = await signIn('editor@acme.test', PASSWORDS.editor, { 'x-forwarded-for': '10.0.1.9' })
    expect(locked.status).toBe(429)
    expect(locked.body).toEqual({ error: 'sign_in_locked', message: 'too many failed sign-ins; try again in 15 minutes' })
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(14 * 60)
    // an unknown email locks the same way
    for (let i = 0; i < 4; i++) await signIn('ghost@acme.test', `guess-${i}`, { 'x-forwarded-for': `10.0.2.${i}` })
    expect((await signIn('ghost@acme.test', 'x', { 'x-forwarded-for': '10.0.2.9' })).body).toEqual(locked.body)
    // another account is not locked by them
    expect((await signIn('admin@acme.test', PASSWORDS.admin, { 'x-forwarded-for': '10.0.1.0' })).status).toBe(200)
  })

  it('from one address lock it at PULSO_SIGN_IN_ADDRESS_LOCK_AFTER, whatever the emails', async () => {
    const accounts = new Accounts(pulso.warehouse, { ...pulso.config.accounts, addressLockAfter: 3 }, undefined, async () => {})
    for (const email of ['a@acme.test', 'b@acme.test', 'viewer@acme.test'])
      await expect(accounts.signIn({ email, password: 'wrong-password', address: '10.0.3.1' })).rejects.toThrow('wrong email or password')
    await expect(accounts.signIn({ email: 'viewer@acme.test', password: PASSWORDS.viewer, address: '10.0.3.1' })).rejects.toThrow('too many failed sign-ins')
    await expect(accounts.signIn({ email: 'viewer@acme.test', password: PASSWORDS.viewer, address: '10.0.3.2' })).resolves.toMatchObject({
      name: 'Acme viewer',
    })
  })
})

describe('the log', () => {
  it('holds no password, session id or key, though it tells who signed in and who failed', async () => {
    const { cookie } = await signIn('admin@acme.test', PASSWORDS.admin)
    await signIn('admin@acme.test', 'wrong-password-here')
    const log = logLines.join('')
    expect(log).toContain('"msg":"signed in"')
    expect(log).toContain('"msg":"sign-in refused"')
    for (const secret of [...Object.values(PASSWORDS), 'wrong-password-here', cookie.split('=')[1]!, ...Object.values(TEST_KEYS)])
      expect(log).not.toContain(secret)
  })
})
