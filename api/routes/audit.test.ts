// The audit log: every change of a goal, use case, person or key says who made it, when and from
// where; admins read it at GET /v1/audit, and data teams query it as audit_log over POST /v1/sql.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Accounts } from '../../domain/accounts/accounts.ts'
import { openTestPulso, TEST_KEYS, type TestPulso } from '../../tests/helpers.ts'

let pulso: TestPulso
let ana: { cookie: string; csrf: string }

beforeAll(async () => {
  pulso = await openTestPulso({ PULSO_TRUST_PROXY: '1' })
  const accounts = new Accounts(pulso.warehouse, pulso.config.accounts)
  await accounts.createPerson({ tenant: 'acme', email: 'ana@acme.test', name: 'Ana', role: 'admin', password: 'ana-admin-password' })
  await accounts.createPerson({ tenant: 'acme', email: 'vic@acme.test', name: 'Vic', role: 'viewer', password: 'vic-viewer-password' })
  const signedIn = await pulso.app.request('/v1/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'ana@acme.test', password: 'ana-admin-password' }),
  })
  ana = { cookie: signedIn.headers.get('set-cookie')!.split(';')[0]!, csrf: ((await signedIn.json()) as any).csrf_token }
})
afterAll(async () => pulso?.cleanup())

async function asAna(method: string, url: string, body?: unknown) {
  const response = await pulso.app.request(url, {
    method,
    headers: { cookie: ana.cookie, 'x-pulso-csrf': ana.csrf, 'x-forwarded-for': '203.0.113.7', 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await response.text()
  return { status: response.status, body: text ? JSON.parse(text) : null }
}

const withKey = (key: string, url: string, init: RequestInit = {}) =>
  pulso.app.request(url, { ...init, headers: { authorization: `Bearer ${key}`, ...(init.headers ?? {}) } })

describe('the audit log', () => {
  it('names who changed which goal, use case and key, from where, newest first', async () => {
    expect((await asAna('POST', '/v1/goals', { id: 'csat', kpi: 'csat_score', target: 80 })).status).toBe(201)
    expect((await asAna('PUT', '/v1/goals/csat', { kpi: 'csat_score', target: 85 })).status).toBe(200)
    expect((await asAna('PUT', '/v1/use-cases/returns', { policy: 'bot', intents: ['start_return'] })).status).toBe(201)
    const key = (await asAna('POST', '/v1/keys', { name: 'Looker', scope: 'read' })).body
    expect((await asAna('DELETE', `/v1/keys/${key.id}`)).status).toBe(204)
    expect((await withKey(TEST_KEYS.acmeAdmin, '/v1/goals/csat', { method: 'DELETE' })).status).toBe(204)

    const log = await withKey(TEST_KEYS.acmeAdmin, '/v1/audit')
    expect(log.status).toBe(200)
    const { entries } = (await log.json()) as any
    const said = entries.map((e: any) => [e.actor, e.action, e.object_kind, e.object_id, e.address])
    const configuredAdmin = expect.stringMatching(/^configured admin key [0-9a-f]{8}$/)
    expect(said).toEqual([
      [configuredAdmin, 'delete', 'goal', 'csat', 'unknown'],
      ['ana@acme.test', 'revoke', 'key', key.id, '203.0.113.7'],
      ['ana@acme.test', 'create', 'key', key.id, '203.0.113.7'],
      ['ana@acme.test', 'create', 'use_case', 'returns', '203.0.113.7'],
      ['ana@acme.test', 'update', 'goal', 'csat', '203.0.113.7'],
      ['ana@acme.test', 'create', 'goal', 'csat', '203.0.113.7'],
      ['pulso', 'create', 'person', 'vic@acme.test', 'cli'],
      ['pulso', 'create', 'person', 'ana@acme.test', 'cli'],
    ])
    expect(entries[1]).toMatchObject({ tenant_id: 'acme', actor_kind: 'person', at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) })
    expect(entries[0].actor_kind).toBe('key')
    expect(JSON.stringify(entries)).not.toContain(key.key)
  })

  it('is for admins: a viewer and a read key are refused', async () => {
    const viewer = await pulso.app.request('/v1/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'vic@acme.test', password: 'vic-viewer-password' }),
    })
    const cookie = viewer.headers.get('set-cookie')!.split(';')[0]!
    expect((await pulso.app.request('/v1/audit', { headers: { cookie } })).status).toBe(403)
    expect((await withKey(TEST_KEYS.acmeRead, '/v1/audit')).status).toBe(403)
  })

  it("is queryable by the tenant's data teams as audit_log, and only their tenant's rows", async () => {
    const response = await withKey(TEST_KEYS.acmeRead, '/v1/sql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sql: "SELECT object_kind, count() AS changes FROM audit_log WHERE action = 'create' GROUP BY object_kind ORDER BY object_kind" }),
    })
    expect(response.status).toBe(200)
    const body = (await response.json()) as any
    expect(body.data ?? body.rows).toEqual([
      { object_kind: 'goal', changes: 1 },
      { object_kind: 'key', changes: 1 },
      { object_kind: 'person', changes: 2 },
      { object_kind: 'use_case', changes: 1 },
    ])
    const globex = await withKey(TEST_KEYS.globexRead, '/v1/sql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sql: 'SELECT count() AS n FROM audit_log' }),
    })
    const globexBody = (await globex.json()) as any
    expect(globexBody.data ?? globexBody.rows).toEqual([{ n: 0 }])
  })
})
