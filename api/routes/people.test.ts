// Admins manage the tenant's people: invites answered once as a link that works once and until it
// expires, accepted by a new person (who is signed in) or by a person with an account elsewhere;
// roles changed, people removed (their sessions end at once); viewers and editors refused; every
// change in the audit log.
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Accounts } from '../../domain/accounts/accounts.ts'
import { createInvite } from '../../domain/accounts/invites.ts'
import { openTestPulso, TEST_KEYS, type TestPulso } from '../../tests/helpers.ts'
import { createApp } from '../app.ts'

let pulso: TestPulso
let app: ReturnType<typeof createApp>
let accounts: Accounts
const logLines: string[] = []
type Auth = { key: string } | { cookie: string; csrf?: string }
let admin: { cookie: string; csrf: string }

async function call(method: string, url: string, auth: Auth | null, body?: unknown) {
  const headers: Record<string, string> = !auth
    ? {}
    : 'key' in auth
      ? { authorization: `Bearer ${auth.key}` }
      : { cookie: auth.cookie, 'x-pulso-csrf': auth.csrf ?? '' }
  if (body !== undefined) headers['content-type'] = 'application/json'
  const response = await app.request(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await response.text()
  return { status: response.status, body: text ? JSON.parse(text) : null, cookie: response.headers.get('set-cookie')?.split(';')[0] }
}

async function signIn(email: string, password: string) {
  const answer = await call('POST', '/v1/session', null, { email, password })
  expect(answer.status, JSON.stringify(answer.body)).toBe(200)
  return { cookie: answer.cookie!, csrf: answer.body.csrf_token as string }
}

beforeAll(async () => {
  pulso = await openTestPulso()
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) })
  accounts = new Accounts(pulso.warehouse, pulso.config.accounts, logger, async () => {})
  app = createApp({ config: pulso.config, warehouse: pulso.warehouse, intake: pulso.intake, bulkLoads: pulso.bulkLoads, logger, accounts })
  await accounts.createPerson({ tenant: 'acme', email: 'ana@acme.test', name: 'Ana', role: 'admin', password: 'ana-admin-password' })
  await accounts.createPerson({ tenant: 'acme', email: 'ed@acme.test', name: 'Ed', role: 'editor', password: 'ed-editor-password' })
  await accounts.createPerson({ tenant: 'globex', email: 'gus@globex.test', name: 'Gus', role: 'admin', password: 'gus-admin-password' })
  admin = await signIn('ana@acme.test', 'ana-admin-password')
})
afterAll(async () => pulso?.cleanup())

describe('an invite', () => {
  it('is answered once as a link; accepting it makes the person, signs them in with its role, and it cannot be used again', async () => {
    const made = await call('POST', '/v1/invites', admin, { email: ' Nora@Acme.test ', role: 'viewer' })
    expect(made.status, JSON.stringify(made.body)).toBe(201)
    expect(made.body).toEqual({
      id: expect.any(String),
      email: 'nora@acme.test',
      role: 'viewer',
      expires_at: expect.any(String),
      token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      link: `http://localhost/#/invite/${made.body.token}`,
    })
    // valid for 72 hours
    expect(Date.parse(made.body.expires_at) - Date.now()).toBeGreaterThan(71 * 3_600_000)
    const token = made.body.token as string
    expect((await call('GET', `/v1/invites/${token}`, null)).body).toEqual({
      tenant: 'acme',
      email: 'nora@acme.test',
      role: 'viewer',
      expires_at: made.body.expires_at,
      existing_account: false,
    })

    expect((await call('POST', `/v1/invites/${token}/accept`, null, { name: 'Nora', password: 'short' })).body).toMatchObject({
      error: 'bad_request',
      message: 'password: is shorter than 12 characters',
    })
    const accepted = await call('POST', `/v1/invites/${token}/accept`, null, { name: 'Nora', password: 'nora-new-password' })
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200)
    expect(accepted.body).toMatchObject({ email: 'nora@acme.test', name: 'Nora', tenant: 'acme', role: 'viewer' })
    expect(accepted.cookie).toMatch(/^pulso_session=/)
    // signed in by the acceptance: the cookie reads as a viewer
    expect((await call('GET', '/v1/session', { cookie: accepted.cookie! })).body).toMatchObject({ email: 'nora@acme.test', role: 'viewer' })
    // and the password works from now on
    await signIn('nora@acme.test', 'nora-new-password')

    const again = await call('POST', `/v1/invites/${token}/accept`, null, { name: 'Mallory', password: 'mallory-password' })
    expect(again).toMatchObject({
      status: 410,
      body: { error: 'invite_used', message: 'this invite was already used: sign in, or ask an admin for a new one' },
    })
    expect((await call('GET', `/v1/invites/${token}`, null)).status).toBe(410)
    expect((await call('POST', '/v1/invites/not-a-token/accept', null, { name: 'X', password: 'whatever-password' })).body.error).toBe('invite_not_found')
  })

  it('is refused once expired, saying so', async () => {
    const threeDaysAndAMinuteAgo = new Date(Date.now() - (72 * 60 + 1) * 60_000)
    const old = await createInvite(
      accounts,
      { tenant: 'acme', email: 'late@acme.test', role: 'editor' },
      { actor_kind: 'cli', actor: 'test', address: 'cli' },
      threeDaysAndAMinuteAgo,
    )
    const answer = await call('POST', `/v1/invites/${old.token}/accept`, null, { name: 'Late', password: 'late-comer-password' })
    expect(answer.status).toBe(410)
    expect(answer.body.error).toBe('invite_expired')
    expect(answer.body.message).toBe(`this invite expired at ${old.expires_at}: ask an admin for a new one`)
    expect((await call('GET', '/v1/people', admin)).body.people.map((p: { email: string }) => p.email)).not.toContain('late@acme.test')
  })

  it('gives a person with an account elsewhere the role when they give their own password', async () => {
    const made = await call('POST', '/v1/invites', { key: TEST_KEYS.acmeAdmin }, { email: 'gus@globex.test', role: 'editor' })
    expect(made.status).toBe(201)
    expect((await call('GET', `/v1/invites/${made.body.token}`, null)).body.existing_account).toBe(true)
    const wrong = await call('POST', `/v1/invites/${made.body.token}/accept`, null, { password: 'not-gus-password' })
    expect(wrong).toMatchObject({ status: 400, body: { message: 'gus@globex.test already has an account: give its password to accept' } })
    const accepted = await call('POST', `/v1/invites/${made.body.token}/accept`, null, { password: 'gus-admin-password' })
    expect(accepted.body).toMatchObject({ email: 'gus@globex.test', name: 'Gus', tenant: 'acme', role: 'editor' })
  })

  it('is refused for bad input and for someone already in the tenant', async () => {
    expect((await call('POST', '/v1/invites', admin, { email: 'not-an-email', role: 'viewer' })).body.message).toBe('email: is not an email address')
    expect((await call('POST', '/v1/invites', admin, { email: 'x@acme.test', role: 'owner' })).body.message).toBe('role: expected one of viewer, editor, admin')
    expect((await call('POST', '/v1/invites', admin, { email: 'ed@acme.test', role: 'viewer' })).body.message).toBe(
      'ed@acme.test already has a role in tenant acme: change it instead',
    )
  })
})

describe('people of a tenant', () => {
  it('are listed with their roles for admins only; a viewer and an editor get 403', async () => {
    const listed = await call('GET', '/v1/people', admin)
    expect(listed.body.tenant_id).toBe('acme')
    expect(listed.body.people).toContainEqual({ email: 'ana@acme.test', name: 'Ana', role: 'admin' })
    expect(listed.body.people).toContainEqual({ email: 'ed@acme.test', name: 'Ed', role: 'editor' })
    expect(listed.body.people.map((p: { email: string }) => p.email)).not.toContain('late@acme.test')
    const editor = await signIn('ed@acme.test', 'ed-editor-password')
    expect(await call('GET', '/v1/people', editor)).toMatchObject({
      status: 403,
      body: { message: 'this needs the role admin in tenant acme; you are an editor' },
    })
    expect((await call('POST', '/v1/invites', editor, { email: 'z@acme.test', role: 'admin' })).status).toBe(403)
    expect((await call('PUT', '/v1/people/ed@acme.test', editor, { role: 'admin' })).status).toBe(403)
    expect((await call('GET', '/v1/people', { key: TEST_KEYS.acmeRead })).status).toBe(403)
  })

  it('get a new role that counts on their next request, in the same session', async () => {
    await accounts.createPerson({ tenant: 'acme', email: 'rui@acme.test', name: 'Rui', role: 'viewer', password: 'rui-viewer-password' })
    const rui = await signIn('rui@acme.test', 'rui-viewer-password')
    const goal = { id: 'rui-goal', kpi: 'csat_score', target: 80 }
    expect((await call('POST', '/v1/goals', rui, goal)).status).toBe(403)
    const changed = await call('PUT', '/v1/people/RUI@acme.test', admin, { role: 'editor' })
    expect(changed).toMatchObject({ status: 200, body: { email: 'rui@acme.test', name: 'Rui', role: 'editor' } })
    expect((await call('POST', '/v1/goals', rui, goal)).status).toBe(201)
    expect((await call('PUT', '/v1/people/rui@acme.test', admin, { role: 'boss' })).status).toBe(400)
    expect((await call('PUT', '/v1/people/nobody@acme.test', admin, { role: 'viewer' })).status).toBe(404)
  })

  it('removed lose their sessions at once and cannot sign in to the tenant; the last admin stays', async () => {
    await accounts.createPerson({ tenant: 'acme', email: 'rem@acme.test', name: 'Rem', role: 'viewer', password: 'rem-viewer-password' })
    const rem = await signIn('rem@acme.test', 'rem-viewer-password')
    expect((await call('GET', '/v1/tenant', rem)).status).toBe(200)
    expect((await call('DELETE', '/v1/people/rem@acme.test', admin)).status).toBe(204)
    expect(await call('GET', '/v1/tenant', rem)).toMatchObject({ status: 401, body: { error: 'session_ended' } })
    expect((await call('POST', '/v1/session', null, { email: 'rem@acme.test', password: 'rem-viewer-password' })).status).toBe(401)
    expect((await call('DELETE', '/v1/people/rem@acme.test', admin)).status).toBe(404)
    // invited back, the old session stays ended
    const back = await call('POST', '/v1/invites', admin, { email: 'rem@acme.test', role: 'viewer' })
    await call('POST', `/v1/invites/${back.body.token}/accept`, null, { password: 'rem-viewer-password' })
    expect((await call('GET', '/v1/tenant', rem)).status).toBe(401)

    expect(await call('DELETE', '/v1/people/ana@acme.test', admin)).toMatchObject({
      status: 409,
      body: { message: 'ana@acme.test is the last admin of tenant acme: removing them would leave it without one' },
    })
    expect((await call('PUT', '/v1/people/ana@acme.test', admin, { role: 'viewer' })).status).toBe(409)
  })

  it('changes are in the audit log, and no password or token is in the log', async () => {
    const entries = (await call('GET', '/v1/audit?limit=1000', admin)).body.entries as {
      actor: string
      action: string
      object_kind: string
      object_id: string
    }[]
    const seen = entries.map((e) => `${e.actor} ${e.action} ${e.object_kind} ${e.object_id}`)
    expect(seen).toContain('ana@acme.test create invite nora@acme.test (viewer)')
    expect(seen).toContain('nora@acme.test accept invite nora@acme.test (viewer)')
    expect(seen).toContain('nora@acme.test create person nora@acme.test')
    expect(seen).toContain('ana@acme.test update person rui@acme.test')
    expect(seen).toContain('ana@acme.test delete person rem@acme.test')
    const log = logLines.join('\n')
    expect(log).toContain('person removed')
    for (const secret of ['nora-new-password', 'rem-viewer-password', 'gus-admin-password']) expect(log).not.toContain(secret)
  })
})
