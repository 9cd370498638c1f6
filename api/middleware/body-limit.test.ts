// Every route that reads a body refuses one past its limit with a 413 and a message, whether the
// client announced the size (Content-Length) or streamed it in chunks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openTestPulso, TEST_KEYS, type TestPulso } from '../../tests/helpers.ts'
import { JSON_BODY_BYTES } from './body-limit.ts'

let pulso: TestPulso
beforeAll(async () => {
  pulso = await openTestPulso({
    PULSO_MAX_BODY_BYTES: '4096',
    PULSO_MAX_BULK_BYTES: '4096',
    PULSO_WHATSAPP_TENANTS: 'acme:verify:secret',
    PULSO_CHATWOOT_TENANTS: 'acme:chatwoot-token-0123456789',
    PULSO_TWILIO_TENANTS: 'acme:twilio-auth-token',
  })
})
afterAll(async () => pulso?.cleanup())

/** Every POST and PUT route of the app, with its path parameters filled in. */
function bodyRoutes(): { method: string; path: string }[] {
  const params: Record<string, string> = { tenant: 'acme', token: 'chatwoot-token-0123456789', id: 'g1', name: 'faq' }
  const routes = pulso.app.routes.filter((r) => r.method === 'POST' || r.method === 'PUT' || r.method === 'PATCH')
  return [
    ...new Map(
      routes.map((r) => [`${r.method} ${r.path}`, { method: r.method, path: r.path.replace(/:(\w+)/g, (_, name: string) => params[name] ?? 'x') }]),
    ).values(),
  ]
}

/** A body of `bytes` bytes, sent in 64 kB chunks without a Content-Length. */
function streamed(bytes: number): ReadableStream<Uint8Array> {
  let left = bytes
  return new ReadableStream({
    pull(controller) {
      if (left === 0) return controller.close()
      const chunk = new Uint8Array(Math.min(left, 65536)).fill(0x20)
      left -= chunk.length
      controller.enqueue(chunk)
    },
  })
}

describe('body limits', () => {
  it('covers every route that reads a body', () => {
    expect(
      bodyRoutes()
        .map((r) => `${r.method} ${r.path}`)
        .sort(),
    ).toEqual([
      'POST /v1/events',
      'POST /v1/events/bulk',
      'POST /v1/goals',
      'POST /v1/invites',
      'POST /v1/invites/chatwoot-token-0123456789/accept',
      'POST /v1/keys',
      'POST /v1/session',
      'POST /v1/sql',
      'POST /v1/webhooks/chatwoot/acme/chatwoot-token-0123456789',
      'POST /v1/webhooks/twilio/acme',
      'POST /v1/webhooks/whatsapp/acme',
      'PUT /v1/goals/g1',
      'PUT /v1/people/x',
      'PUT /v1/use-cases/faq',
    ])
  })

  it('answers 413 with the limit in the message on every one of them, announced or streamed', async () => {
    const tooLarge = JSON_BODY_BYTES + 1 // past both limits: 4096 for batches and webhooks, 1 MiB for the rest
    for (const route of bodyRoutes()) {
      for (const body of ['announced', 'streamed'] as const) {
        const headers: Record<string, string> = { authorization: `Bearer ${TEST_KEYS.acmeAdmin}`, 'content-type': 'application/json' }
        if (body === 'announced') headers['content-length'] = String(tooLarge)
        const init: RequestInit & { duplex?: string } =
          body === 'announced'
            ? { method: route.method, headers, body: ' '.repeat(tooLarge) }
            : { method: route.method, headers, body: streamed(tooLarge), duplex: 'half' }
        const response = await pulso.app.request(route.path, init)
        const answer = (await response.json()) as { error: string; message: string }
        expect(response.status, `${route.method} ${route.path} (${body})`).toBe(413)
        expect(answer.error).toBe('payload_too_large')
        expect(answer.message).toMatch(/^the body is larger than (4096|1048576) bytes; /)
      }
    }
  })

  it('lets a statement of the largest allowed length through to /v1/sql', async () => {
    const statement = `SELECT 1 AS one -- ${'x'.repeat(99_000)}`
    const response = await pulso.app.request('/v1/sql', {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_KEYS.acmeRead}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sql: statement }),
    })
    expect(response.status, await response.clone().text()).toBe(200)
    expect(((await response.json()) as { data: unknown[] }).data).toEqual([{ one: 1 }])
  })
})
