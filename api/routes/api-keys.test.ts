// Admins make, list and revoke API keys for machines: the secret is answered once, works at once
// with its scope's rules, never appears again (list, log), and stops working when revoked.
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Accounts } from '../../domain/accounts/accounts.ts'
import { event, ndjson, openTestPulso, TEST_KEYS, type TestPulso } from '../../tests/helpers.ts'
import { createApp } from '../app.ts'

let pulso: TestPulso
let app: ReturnType<typeof createApp>
const logLines: string[] = []
let admin: { cookie: string; csrf: string }

beforeAll(async () => {
  pulso = await openTestPulso()
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) })
  const accounts = new Accounts(pulso.warehouse, pulso.config.accounts, logger)
  app = createApp({ config: pulso.config, warehouse: pulso.warehouse, intake: pulso.intake, bulkLoads: pulso.bulkLoads, logger, accounts })
  await accounts.createPerson({ tenant: 'acme', email: 'ana@acme.test', name: 'Ana', role: 'admin', password: 'ana-admin-password' })
  await accounts.createPerson({ tenant: 'acme', email: 'vic@acme.test', name: 'Vic', role: 'viewer', password: 'vic-viewer-password' })
  const signedIn = await app.request('/v1/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'ana@acme.test', password: 'ana-admin-password' }),
  })
  admin = { cookie: signedIn.headers.get('set-cookie')!.split(';')[0]!, csrf: ((await signedIn.json()) as any).csrf_token }
})
afterAll(async () => pulso?.cleanup())

async function call(method: string, url: string, auth: { key: string } | { cookie: string; csrf?: string }, body?: unknown, type = 'application/json') {
  const headers: Record<string, string> = 'key' in auth ? { authorization: `Bearer ${auth.key}` } : { cookie: auth.cookie, 'x-pulso-csrf': auth.csrf ?? '' }
  if (body !== undefined) headers['content-type'] = type
  const response = await app.request(url, { method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) })
  const text = await response.text()
  return { status: response.status, body: text ? JSON.parse(text) : null }
}

describe('API keys made by an admin', () => {
  it('are answered once, with their secret, and work at once by their scope', async () => {
    const made = await call('POST', '/v1/keys', admin, { name: 'Looker', scope: 'read' })
    expect(made.status).toBe(201)
    expect(made.body).toEqual({
      id: expect.any(String),
      name: 'Looker',
      scope: 'read',
      created_by: 'ana@acme.test',
      created_at: expect.any(String),
      key: expect.stringMatching(/^pulso_[A-Za-z0-9_-]{43}$/),
    })
    const read = made.body.key as string
    expect((await call('GET', '/v1/tenant', { key: read })).body).toMatchObject({ id: 'acme', role: 'read' })
    // a read key may not send events, nor set goals
    expect((await call('POST', '/v1/events', { key: read }, ndjson([event({ event_id: 'k1' })]), 'application/x-ndjson')).status).toBe(403)
    expect((await call('POST', '/v1/goals', { key: read }, { id: 'g', kpi: 'csat_score', target: 80 })).status).toBe(403)

    const ingest = (await call('POST', '/v1/keys', { key: TEST_KEYS.acmeAdmin }, { name: 'intake', scope: 'ingest' })).body
    expect(ingest.created_by).toMatch(/^configured admin key [0-9a-f]{8}$/)
    const sent = await call('POST', '/v1/events', { key: ingest.key }, ndjson([event({ event_id: 'k1' })]), 'application/x-ndjson')
    expect(sent).toMatchObject({ status: 200, body: { accepted: 1 } })
  })

  it('are listed without their secrets, and revoked at once', async () => {
    const made = (await call('POST', '/v1/keys', admin, { name: 'old script', scope: 'read' })).body
    const list = await call('GET', '/v1/keys', admin)
    expect(list.body.keys.map((k: { name: string }) => k.name)).toEqual(['Looker', 'intake', 'old script'])
    expect(JSON.stringify(list.body)).not.toContain(made.key)
    expect(Object.keys(list.body.keys[0]).sort()).toEqual(['created_at', 'created_by', 'id', 'name', 'scope'])
    expect((await call('DELETE', `/v1/keys/${made.id}`, admin)).status).toBe(204)
    expect(await call('GET', '/v1/tenant', { key: made.key })).toMatchObject({ status: 401, body: { error: 'unauthorized', message: 'unknown API key' } })
    expect((await call('GET', '/v1/keys', admin)).body.keys.map((k: { name: string }) => k.name)).toEqual(['Looker', 'intake'])
    expect((await call('DELETE', `/v1/keys/${made.id}`, admin)).status).toBe(404)
  })

  it('are managed by admins only: a viewer, a read key and another tenant are refused', async () => {
    const viewer = await app.request('/v1/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'vic@acme.test', password: 'vic-viewer-password' }),
    })
    const vic = { cookie: viewer.headers.get('set-cookie')!.split(';')[0]!, csrf: ((await viewer.json()) as any).csrf_token }
    expect(await call('GET', '/v1/keys', vic)).toMatchObject({ status: 403, body: { message: 'this needs the role admin in tenant acme; you are a viewer' } })
    expect((await call('POST', '/v1/keys', { key: TEST_KEYS.acmeRead }, { name: 'x', scope: 'read' })).body.message).toBe(
      'this endpoint needs a key with role admin; this key has role read',
    )
    const acme = (await call('GET', '/v1/keys', admin)).body.keys[0].id
    // globex has no admin key: its read key cannot list or revoke acme's
    expect((await call('DELETE', `/v1/keys/${acme}`, { key: TEST_KEYS.globexRead })).status).toBe(403)
  })

  it('refuse a bad scope or name, naming it', async () => {
    expect((await call('POST', '/v1/keys', admin, { name: 'x', scope: 'admin' })).body.message).toBe('`scope`: expected one of ingest, read')
    expect((await call('POST', '/v1/keys', admin, { name: ' ', scope: 'read' })).body.message).toBe('`name`: is empty')
  })

  it('never reach the log', async () => {
    const made = (await call('POST', '/v1/keys', admin, { name: 'logged?', scope: 'read' })).body
    await call('GET', '/v1/tenant', { key: made.key })
    expect(logLines.join('')).not.toContain(made.key)
  })
})
