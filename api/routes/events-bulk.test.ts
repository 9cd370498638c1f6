// POST /v1/events/bulk on real chDB: a body of NDJSON read as it arrives, loaded as `pulso ingest
// FILE` loads a file, with a summary that names rejections by line; one load at a time.
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { event, getKpis, ndjson, openTestPulso, postEvents, TEST_KEYS, type TestPulso } from '../../tests/helpers.ts'
import { countEvents, listDeadLetters } from '../../warehouse/repositories/events.ts'
import { createApp } from '../app.ts'

let pulso: TestPulso
beforeAll(async () => {
  pulso = await openTestPulso()
})
afterAll(() => pulso?.cleanup())

type BodyInit = string | Uint8Array | ReadableStream<Uint8Array>

async function postBulk(body: BodyInit, key: string = TEST_KEYS.acmeIngest, headers: Record<string, string> = {}, app = pulso.app) {
  const response = await app.request('/v1/events/bulk', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson', ...headers },
    body,
    duplex: 'half',
  } as RequestInit)
  return { status: response.status, headers: response.headers, body: (await response.json()) as any }
}

/** A body that sends `first`, then waits for release() before sending `rest`. */
function heldBody(first: string, rest: string): { body: ReadableStream<Uint8Array>; release: () => void } {
  let release!: () => void
  const released = new Promise<void>((resolve) => (release = resolve))
  const parts = [first, rest]
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (parts.length === 1) await released
      const part = parts.shift()
      if (part === undefined) return controller.close()
      controller.enqueue(new TextEncoder().encode(part))
    },
  })
  return { body, release }
}

/** `n` events of conversations `<prefix>-<i>` on 2024-05-01, one customer message each. */
function conversations(prefix: string, n: number): object[] {
  return Array.from({ length: n }, (_, i) =>
    event({ event_id: `${prefix}-e${i}`, conversation_id: `${prefix}-${i}`, occurred_at: '2024-05-01T10:00:00Z', customer_id: `${prefix}-customer-${i}` }),
  )
}

describe('POST /v1/events/bulk', () => {
  it('stores the valid lines, counts repeats, and names each rejection by its line', async () => {
    const lines = [
      JSON.stringify(event({ event_id: 'b1', conversation_id: 'bulk-1', occurred_at: '2024-04-01T10:00:00Z' })),
      '',
      '{"event_id": "b2", broken',
      JSON.stringify(event({ event_id: 'b3', conversation_id: 'bulk-1', occurred_at: '2024-04-01T10:00:05Z', sender: 'bot' })),
      JSON.stringify(event({ event_id: 'b4', conversation_id: 'bulk-2', tenant_id: 'globex' })),
      JSON.stringify(event({ event_id: 'b1', conversation_id: 'bulk-1', occurred_at: '2024-04-01T10:00:00Z' })),
      JSON.stringify(event({ event_id: 'b5', conversation_id: 'bulk-3', type: 'csat', score: 9 })),
    ]
    const { status, body } = await postBulk(lines.join('\n'))
    expect(status).toBe(200)
    expect(body).toEqual({
      lines: 7,
      accepted: 2,
      duplicates: 1,
      rejected: 3,
      firstRejections: [
        { line: 3, event_id: null, reason: expect.stringMatching(/^not JSON: /) },
        { line: 5, event_id: 'b4', reason: "`tenant_id`: 'globex' is not the tenant of this API key ('acme')" },
        { line: 7, event_id: 'b5', reason: '`score`: expected an integer 1–5' },
      ],
    })
    expect(await countEvents(pulso.warehouse, 'acme')).toBe(2)
    expect(await countEvents(pulso.warehouse, 'globex')).toBe(0)
    expect((await listDeadLetters(pulso.warehouse, 'acme')).map((l) => l.reason)).toHaveLength(3)
    // the facts are refreshed before the answer: the conversation is counted at once
    const kpis = await getKpis(pulso, TEST_KEYS.acmeRead, 'from=2024-04-01&to=2024-04-01&grain=day')
    expect(kpis.body.rows[0]).toMatchObject({ period: '2024-04-01', conversations: 1, frt_p50_s: 5 })
  })

  it('takes a gzip body, and counts a body sent again as repeats', async () => {
    const body = gzipSync(ndjson(conversations('gz', 50)))
    expect((await postBulk(body, TEST_KEYS.acmeIngest, { 'content-encoding': 'gzip' })).body).toMatchObject({ lines: 50, accepted: 50, duplicates: 0 })
    expect((await postBulk(body, TEST_KEYS.acmeIngest, { 'content-encoding': 'gzip' })).body).toMatchObject({ accepted: 0, duplicates: 50 })
    const kpis = await getKpis(pulso, TEST_KEYS.acmeRead, 'from=2024-05-01&to=2024-05-01&grain=day')
    expect(kpis.body.rows[0].conversations).toBe(50)
  })

  it('runs one load at a time, beside the intake: another bulk load is told to retry, a batch is stored', async () => {
    const held = heldBody(`${ndjson(conversations('held', 10))}\n`, ndjson(conversations('held-rest', 5)))
    const first = postBulk(held.body)
    await vi.waitFor(() => expect(pulso.bulkLoads.busy).toBe(true), { timeout: 10_000 })
    const second = await postBulk(ndjson(conversations('second', 1)))
    expect(second.status).toBe(429)
    expect(second.body.error).toBe('bulk_load_running')
    expect(second.headers.get('retry-after')).toBe('30')
    // the intake stores while the load waits for its body
    expect((await postEvents(pulso, TEST_KEYS.acmeIngest, ndjson(conversations('beside', 3)))).body.accepted).toBe(3)
    held.release()
    const { status, body } = await first
    expect(status).toBe(200)
    // the load counts its own events only, not the batch stored meanwhile
    expect(body).toMatchObject({ lines: 15, accepted: 15, duplicates: 0, rejected: 0 })
    expect(pulso.bulkLoads.busy).toBe(false)
    expect((await postBulk(ndjson(conversations('second', 1)))).body.accepted).toBe(1)
  })

  it('refuses a body larger than PULSO_MAX_BULK_BYTES once decoded, storing none of it', async () => {
    const app = createApp({ config: { ...pulso.config, maxBulkBytes: 4_000 }, warehouse: pulso.warehouse, intake: pulso.intake, bulkLoads: pulso.bulkLoads })
    const before = await countEvents(pulso.warehouse, 'acme')
    const text = ndjson(conversations('big', 100))
    expect(text.length).toBeGreaterThan(4_000)
    const plain = await postBulk(text, TEST_KEYS.acmeIngest, {}, app)
    expect(plain.status).toBe(413)
    // compressed, its length says nothing of its size: it is refused while read
    const zipped = gzipSync(text)
    expect(zipped.length).toBeLessThan(4_000)
    const compressed = await postBulk(zipped, TEST_KEYS.acmeIngest, { 'content-encoding': 'gzip' }, app)
    expect(compressed.status).toBe(413)
    expect(compressed.body.message).toMatch(/larger than 4000 bytes/)
    expect(await countEvents(pulso.warehouse, 'acme')).toBe(before)
    expect(pulso.bulkLoads.busy).toBe(false)
  })

  it('answers clear errors: an empty body, bytes that are not what Content-Encoding says, a read key', async () => {
    expect((await postBulk('\n\n')).status).toBe(400)
    const notGzip = await postBulk('{"a":1}', TEST_KEYS.acmeIngest, { 'content-encoding': 'gzip' })
    expect(notGzip.status).toBe(400)
    expect(notGzip.body.message).toMatch(/not gzip data/)
    expect((await postBulk('{"a":1}', TEST_KEYS.acmeIngest, { 'content-encoding': 'zstd' })).status).toBe(415)
    expect((await postBulk(ndjson(conversations('read', 1)), TEST_KEYS.acmeRead)).status).toBe(403)
  })
})
