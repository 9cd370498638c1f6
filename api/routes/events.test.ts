// POST /v1/events on real chDB: what is kept, what is rejected and why, and who may send.
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { event, ndjson, openTestPulso, postEvents, TEST_KEYS, type TestPulso } from '../../tests/helpers.ts'
import { queryRows } from '../../warehouse/client.ts'
import { countEvents, listDeadLetters } from '../../warehouse/repositories/events.ts'

let pulso: TestPulso
beforeAll(async () => {
  pulso = await openTestPulso({ PULSO_MAX_BODY_BYTES: '20000' })
})
afterAll(() => pulso?.cleanup())

describe('POST /v1/events', () => {
  it('keeps the valid events of a mixed batch and names each rejection', async () => {
    const body = [
      JSON.stringify(event({ event_id: 'm1' })),
      '{"event_id": "m2", broken',
      JSON.stringify(event({ event_id: 'm3', type: 'csat', score: 9 })),
      JSON.stringify(event({ event_id: 'm4', tenant_id: 'globex' })),
      JSON.stringify(event({ event_id: 'm5', sender: 'bot' })),
    ].join('\n')
    const { status, body: result } = await postEvents(pulso, TEST_KEYS.acmeIngest, body)
    expect(status).toBe(200)
    expect(result.accepted).toBe(2)
    expect(result.duplicates).toBe(0)
    expect(result.rejected).toEqual([
      { index: 1, event_id: null, reason: expect.stringMatching(/^not JSON: /) },
      { index: 2, event_id: 'm3', reason: '`score`: expected an integer 1–5' },
      { index: 3, event_id: 'm4', reason: "`tenant_id`: 'globex' is not the tenant of this API key ('acme')" },
    ])
    expect(await countEvents(pulso.warehouse, 'acme')).toBe(2)
    expect(await countEvents(pulso.warehouse, 'globex')).toBe(0)
  })

  it('keeps every rejected event in the dead-letter table with its raw payload and reason', async () => {
    const letters = await listDeadLetters(pulso.warehouse, 'acme')
    expect(letters).toHaveLength(3)
    expect(letters.map((l) => l.reason)).toEqual(
      expect.arrayContaining([
        "`tenant_id`: 'globex' is not the tenant of this API key ('acme')",
        '`score`: expected an integer 1–5',
        expect.stringMatching(/^not JSON: /),
      ]),
    )
    const broken = letters.find((l) => l.reason.startsWith('not JSON'))!
    expect(broken.payload).toBe('{"event_id": "m2", broken')
    expect(broken.received_at).toMatch(/^\d{4}-\d{2}-\d{2} /)
  })

  it('counts a repeated event once, in the same batch and in a later one', async () => {
    const e = event({ event_id: 'd1' })
    expect((await postEvents(pulso, TEST_KEYS.acmeIngest, ndjson([e, e]))).body).toEqual({ accepted: 1, duplicates: 1, rejected: [] })
    expect((await postEvents(pulso, TEST_KEYS.acmeIngest, ndjson([e]))).body).toEqual({ accepted: 0, duplicates: 1, rejected: [] })
    // The same event_id in another tenant is another event.
    expect((await postEvents(pulso, TEST_KEYS.globexIngest, ndjson([{ ...e, tenant_id: 'globex' }]))).body.accepted).toBe(1)
  })

  it('takes the same event_id in two conversations as two events, in one batch as in two (the identity is tenant, conversation and event)', async () => {
    const first = event({ event_id: 'same-id', conversation_id: 'same-id-c1' })
    const second = event({ event_id: 'same-id', conversation_id: 'same-id-c2' })
    expect((await postEvents(pulso, TEST_KEYS.acmeIngest, ndjson([first, second]))).body).toEqual({ accepted: 2, duplicates: 0, rejected: [] })
    const third = event({ event_id: 'same-id', conversation_id: 'same-id-c3' })
    expect((await postEvents(pulso, TEST_KEYS.acmeIngest, ndjson([third, first]))).body).toEqual({ accepted: 1, duplicates: 1, rejected: [] })
  })

  it('takes a JSON array as well as NDJSON', async () => {
    const { body } = await postEvents(pulso, TEST_KEYS.acmeIngest, JSON.stringify([event({ event_id: 'a1' }), event({ event_id: 'a2' })]), 'application/json')
    expect(body.accepted).toBe(2)
  })

  it('answers 400 with the reason when the body is not JSON', async () => {
    const notJson = await postEvents(pulso, TEST_KEYS.acmeIngest, 'hello there')
    expect(notJson.status).toBe(400)
    expect(notJson.body.message).toMatch(/^the body is not JSON or NDJSON: line 1: not JSON/)
    const brokenArray = await postEvents(pulso, TEST_KEYS.acmeIngest, '[{"a": 1},', 'application/json')
    expect(brokenArray.status).toBe(400)
    expect(brokenArray.body.message).toMatch(/^the body is not valid JSON/)
    expect((await postEvents(pulso, TEST_KEYS.acmeIngest, '   ')).status).toBe(400)
  })

  it('answers 413 when the body is too large', async () => {
    const many = ndjson(Array.from({ length: 200 }, (_, i) => event({ event_id: `big-${i}` })))
    const before = await countEvents(pulso.warehouse, 'acme')
    const { status, body } = await postEvents(pulso, TEST_KEYS.acmeIngest, many)
    expect(status).toBe(413)
    expect(body.message).toMatch(/larger than 20000 bytes/)
    expect(await countEvents(pulso.warehouse, 'acme')).toBe(before)
  })

  it('needs an ingest (or admin) key', async () => {
    const body = ndjson([event({ event_id: 'k1' })])
    const none = await pulso.app.request('/v1/events', { method: 'POST', body })
    expect(none.status).toBe(401)
    expect((await postEvents(pulso, 'not-a-real-key', body)).status).toBe(401)
    const readOnly = await postEvents(pulso, TEST_KEYS.acmeRead, body)
    expect(readOnly.status).toBe(403)
    expect(readOnly.body.message).toBe('this endpoint needs a key with role ingest; this key has role read')
    expect((await postEvents(pulso, TEST_KEYS.acmeAdmin, body)).status).toBe(200)
  })

  it('reads a body sent as NDJSON line by line even when its first line is an array (a bad event, not a JSON array body)', async () => {
    const body = ['[1, 2]', JSON.stringify(event({ event_id: 'after-array' }))].join('\n')
    const { status, body: result } = await postEvents(pulso, TEST_KEYS.acmeIngest, body)
    expect(status).toBe(200)
    expect(result).toEqual({ accepted: 1, duplicates: 0, rejected: [{ index: 0, event_id: null, reason: 'event: expected a JSON object, got an array' }] })
  })

  it("dead-letters an event rejected for a lone surrogate in its id (ClickHouse's JSON reader refused such a letter, and the batch answered 500)", async () => {
    const { status, body } = await postEvents(pulso, TEST_KEYS.acmeIngest, ndjson([event({ event_id: 'lone-\ud800' })]))
    expect(status).toBe(200)
    expect(body.rejected).toEqual([{ index: 0, event_id: 'lone-\ud800', reason: expect.stringMatching(/^`event_id`: holds a lone UTF-16 surrogate/) }])
    const letter = (await listDeadLetters(pulso.warehouse, 'acme')).find((l) => l.event_id?.startsWith('lone-'))!
    expect(letter.event_id).toBe('lone-\ufffd') // UTF-8 cannot hold the surrogate; the payload keeps it as written
    expect(letter.payload).toBe(
      '{"tenant_id":"acme","conversation_id":"c1","occurred_at":"2024-03-01T10:00:00Z","type":"message","sender":"customer","event_id":"lone-\\ud800"}',
    )
  })
})

describe('a batch sent again', () => {
  // Raw rows are counted, without FINAL, and merges (which would fold copies) are held off meanwhile.
  beforeAll(() => pulso.warehouse.client.command({ query: `SYSTEM STOP MERGES ${pulso.warehouse.database}.dead_letters` }))
  afterAll(() => pulso.warehouse.client.command({ query: `SYSTEM START MERGES ${pulso.warehouse.database}.dead_letters` }))
  const rawDeadLetters = async (eventId: string) => {
    const [row] = await queryRows<{ n: number }>(
      pulso.warehouse,
      `SELECT count() AS n FROM ${pulso.warehouse.database}.dead_letters WHERE event_id = {id:String}`,
      { id: eventId },
    )
    return Number(row!.n)
  }
  const batch = (prefix: string) =>
    [
      JSON.stringify(event({ event_id: `${prefix}-ok` })),
      JSON.stringify(event({ event_id: `${prefix}-bad`, type: 'csat', score: 9 })),
      `{"event_id": "${prefix}-broken"`,
    ].join('\n')

  it('after its answer was lost: its dead letters are written once', async () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const { status, body } = await postEvents(pulso, TEST_KEYS.acmeIngest, batch('lost'))
      expect(status).toBe(200)
      expect(body.rejected).toHaveLength(2) // every answer names every rejection
    }
    expect(await rawDeadLetters('lost-bad')).toBe(1)
    expect((await listDeadLetters(pulso.warehouse, 'acme')).filter((l) => l.payload === '{"event_id": "lost-broken"')).toHaveLength(1)
  })

  it('after the engine failed it: its dead letters are written once and its events stored once', async () => {
    // with room for one part in the month, ClickHouse answers TOO_MANY_PARTS (as when merges fall
    // behind): the dead letters are written, then the events' insert fails and the batch answers 500
    const alterEvents = (change: string) => pulso.warehouse.client.command({ query: `ALTER TABLE ${pulso.warehouse.database}.events ${change}` })
    await alterEvents('MODIFY SETTING parts_to_throw_insert = 1')
    try {
      expect((await postEvents(pulso, TEST_KEYS.acmeIngest, batch('failed'))).status).toBe(500)
      expect(await rawDeadLetters('failed-bad')).toBe(1)
    } finally {
      await alterEvents('RESET SETTING parts_to_throw_insert')
    }
    const retried = await postEvents(pulso, TEST_KEYS.acmeIngest, batch('failed'))
    expect(retried.body).toMatchObject({ accepted: 1, duplicates: 0 })
    expect(await rawDeadLetters('failed-bad')).toBe(1)
  })
})

describe('the contract and the events table agree', () => {
  const cost = (event_id: string, amount: unknown) => event({ event_id, type: 'cost', sender: undefined, amount, currency: 'USD', component: 'llm' })
  const conversion = (event_id: string, value: unknown) => event({ event_id, type: 'conversion', sender: undefined, value, currency: 'USD' })

  it('stores what it accepts exactly: amounts at the ends of Decimal(18, 6), times at the ends of DateTime64', async () => {
    const batch = [
      cost('edge-max', '999999999999.999999'), // Number() would have made it 1000000000000
      cost('edge-min', '0.000001'),
      cost('edge-number', 123456789012.34),
      conversion('edge-value', 0.1),
      event({ event_id: 'edge-first', occurred_at: '1900-01-01T00:00:00Z' }),
      event({ event_id: 'edge-last', occurred_at: '2299-12-31T23:59:59.999Z' }),
    ]
    expect((await postEvents(pulso, TEST_KEYS.globexIngest, ndjson(batch.map((e) => ({ ...e, tenant_id: 'globex' }))))).body).toEqual({
      accepted: 6,
      duplicates: 0,
      rejected: [],
    })
    const result = await pulso.warehouse.client.query({
      query: `SELECT event_id, toString(amount) AS amount, toString(value) AS value, toString(occurred_at) AS occurred_at
FROM ${pulso.warehouse.database}.events WHERE tenant_id = 'globex' AND startsWith(event_id, 'edge-') ORDER BY event_id`,
      format: 'JSONEachRow',
    })
    expect(await result.json()).toEqual([
      { event_id: 'edge-first', amount: null, value: null, occurred_at: '1900-01-01 00:00:00.000' },
      { event_id: 'edge-last', amount: null, value: null, occurred_at: '2299-12-31 23:59:59.999' },
      { event_id: 'edge-max', amount: '999999999999.999999', value: null, occurred_at: '2024-03-01 10:00:00.000' },
      { event_id: 'edge-min', amount: '0.000001', value: null, occurred_at: '2024-03-01 10:00:00.000' },
      { event_id: 'edge-number', amount: '123456789012.34', value: null, occurred_at: '2024-03-01 10:00:00.000' },
      { event_id: 'edge-value', amount: null, value: '0.1', occurred_at: '2024-03-01 10:00:00.000' },
    ])
  })

  it('rejects what the columns cannot hold, naming the field, and stores the valid events beside it', async () => {
    const batch = [
      event({ event_id: 'beside-1' }),
      cost('too-large', 1e12),
      cost('too-large-text', '1234567890123.5'),
      cost('too-precise', '999999999999.9999999'),
      conversion('too-large-value', 1e15),
      event({ event_id: 'no-such-day', occurred_at: '2026-02-30T10:00:00Z' }),
      event({ event_id: 'too-early', occurred_at: '1850-01-01T00:00:00Z' }),
      event({ event_id: 'beside-2' }),
    ].map((e) => ({ ...e, tenant_id: 'globex' }))
    const { status, body } = await postEvents(pulso, TEST_KEYS.globexIngest, ndjson(batch))
    expect(status).toBe(200)
    expect(body.accepted).toBe(2)
    expect(body.rejected.map((r: { event_id: string; reason: string }) => [r.event_id, r.reason.split(':')[0]])).toEqual([
      ['too-large', '`amount`'],
      ['too-large-text', '`amount`'],
      ['too-precise', '`amount`'],
      ['too-large-value', '`value`'],
      ['no-such-day', '`occurred_at`'],
      ['too-early', '`occurred_at`'],
    ])
    expect(body.rejected[0].reason).toBe('`amount`: at most 12 digits before the decimal point (amounts are stored as Decimal(18, 6)), got 1000000000000')
  })
})

describe('fields the contract does not name', () => {
  const deep = (levels: number) => '['.repeat(levels) + ']'.repeat(levels)

  it('rejects one nested 5,000 levels deep with a reason, in NDJSON and in a JSON array, and keeps the batch', async () => {
    const poisoned = (id: string) => JSON.stringify(event({ tenant_id: 'globex', event_id: id })).replace(/}$/, `,"deep":${deep(5000)}}`)
    const valid = (id: string) => JSON.stringify(event({ tenant_id: 'globex', event_id: id }))
    const lines = await postEvents(pulso, TEST_KEYS.globexIngest, [valid('nest-1'), poisoned('nest-2')].join('\n'))
    const array = await postEvents(pulso, TEST_KEYS.globexIngest, `[${valid('nest-3')}, ${poisoned('nest-4')}]`, 'application/json')
    for (const [answer, id] of [
      [lines, 'nest-2'],
      [array, 'nest-4'],
    ] as const) {
      expect(answer.status).toBe(200)
      expect(answer.body.accepted).toBe(1)
      expect(answer.body.rejected).toEqual([
        { index: 1, event_id: id, reason: '`deep`: nested more than 32 levels deep; fields the contract does not name are kept as JSON up to 32 levels' },
      ])
    }
    // the dead letter keeps the element as it was sent
    const letter = (await listDeadLetters(pulso.warehouse, 'globex')).find((l) => l.event_id === 'nest-4')!
    expect(letter.payload).toBe(poisoned('nest-4'))
  })

  it('stores a field named __proto__ in extra like any other', async () => {
    const body = JSON.stringify(event({ tenant_id: 'globex', event_id: 'proto-1' })).replace(/}$/, ',"__proto__":{"x":1}}')
    expect((await postEvents(pulso, TEST_KEYS.globexIngest, body)).body.accepted).toBe(1)
    const result = await pulso.warehouse.client.query({
      query: `SELECT extra FROM ${pulso.warehouse.database}.events WHERE tenant_id = 'globex' AND event_id = 'proto-1'`,
      format: 'JSONEachRow',
    })
    expect(await result.json()).toEqual([{ extra: '{"__proto__":{"x":1}}' }])
  })
})

describe('compressed batches (Content-Encoding)', () => {
  const post = (body: Buffer | string, encoding: string) =>
    pulso.app.request('/v1/events', {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_KEYS.globexIngest}`, 'content-type': 'application/x-ndjson', 'content-encoding': encoding },
      body: typeof body === 'string' ? body : new Uint8Array(body),
    })
  const batch = (prefix: string) =>
    ndjson([event({ tenant_id: 'globex', event_id: `${prefix}-1` }), event({ tenant_id: 'globex', event_id: `${prefix}-2`, sender: 'bot' })])

  it('decodes gzip, deflate and br bodies and stores their events', async () => {
    for (const [encoding, compress] of [
      ['gzip', gzipSync],
      ['deflate', deflateSync],
      ['br', brotliCompressSync],
    ] as const) {
      const response = await post(compress(batch(encoding)), encoding)
      expect(response.status, encoding).toBe(200)
      expect(await response.json()).toEqual({ accepted: 2, duplicates: 0, rejected: [] })
    }
  })

  it('refuses with 413 a small gzip body that decompresses past the limit, without decompressing it whole', async () => {
    // 15 MB of spaces are ~15 kB of gzip: under the 20,000-byte limit on what arrives, 750× over it decoded
    const bomb = gzipSync(Buffer.alloc(15_000_000, 0x20), { level: 9 })
    expect(bomb.length).toBeLessThan(20_000)
    const response = await post(bomb, 'gzip')
    expect(response.status).toBe(413)
    expect(await response.json()).toEqual({ error: 'payload_too_large', message: 'the body decompressed is larger than 20000 bytes; split the batch' })
  })

  it('answers 415 for an encoding it does not decode, and 400 for bytes that are not what the header says', async () => {
    const zstd = await post(batch('zstd'), 'zstd')
    expect(zstd.status).toBe(415)
    expect(await zstd.json()).toEqual({
      error: 'unsupported_content_encoding',
      message: "Content-Encoding 'zstd' is not supported: send the body uncompressed or compressed with one of gzip, deflate, br",
    })
    const plainAsGzip = await post(batch('fake'), 'gzip')
    expect(plainAsGzip.status).toBe(400)
    expect((await plainAsGzip.json()).message).toMatch(/^the body is not gzip data as its Content-Encoding says: incorrect header check/)
    const cut = await post(gzipSync(batch('cut')).subarray(0, 30), 'gzip')
    expect(cut.status).toBe(400)
    expect((await cut.json()).message).toMatch(/unexpected end of file/)
  })
})

describe('GET /healthz', () => {
  it('reports the engine', async () => {
    const response = await pulso.app.request('/healthz')
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ status: 'ok', engine: 'embedded' })
  })
})
