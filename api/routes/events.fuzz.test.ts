// 10,000 fuzzed events over real HTTP into embedded ClickHouse (tests/fuzzed-events.ts, seeded):
// no answer is a 5xx, every valid event is stored exactly once, and every poison event is rejected
// with a reason naming what is wrong and dead-lettered exactly once.
import { gzipSync } from 'node:zlib'
import type { ServerType } from '@hono/node-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { batchBody, type FuzzedItem, fuzzedBatches } from '../../tests/fuzzed-events.ts'
import { openTestPulso, TEST_KEYS, type TestPulso } from '../../tests/helpers.ts'
import { queryRows } from '../../warehouse/client.ts'
import { listen } from '../listen.ts'

const SEED = 20260316
const EVENTS = 10_000

let pulso: TestPulso
let server: ServerType
let url: string
beforeAll(async () => {
  pulso = await openTestPulso()
  server = await listen(pulso.app.fetch, 0)
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}/v1/events`
})
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve))
  await pulso?.cleanup()
})

describe(`${EVENTS.toLocaleString('en')} fuzzed events over HTTP (seed ${SEED})`, () => {
  const batches = fuzzedBatches(SEED, EVENTS)
  const items = batches.flatMap((b) => b.items)
  const poison = items.filter((i): i is Extract<FuzzedItem, { expect: 'rejected' }> => i.expect === 'rejected')
  const valid = new Set(items.flatMap((i) => (i.expect === 'stored' ? [i.identity] : [])))

  it('mixes every kind of poison, repeats and valid events, each poison text its own', () => {
    expect(items).toHaveLength(EVENTS)
    expect(new Set(poison.map((p) => p.kind)).size).toBeGreaterThan(40)
    expect(poison.length).toBeGreaterThan(2_000)
    expect(items.filter((i) => i.expect === 'duplicate').length).toBeGreaterThan(500)
    expect(new Set(poison.map((p) => p.text)).size).toBe(poison.length)
  })

  it('answers every batch 200 with what it stored, what repeated and each poison event with its reason', async () => {
    const wrong: string[] = []
    for (const [b, batch] of batches.entries()) {
      const body = batchBody(batch)
      const headers: Record<string, string> = {
        authorization: `Bearer ${TEST_KEYS.acmeIngest}`,
        'content-type': batch.format === 'ndjson' ? 'application/x-ndjson' : 'application/json',
      }
      if (batch.gzip) headers['content-encoding'] = 'gzip'
      const response = await fetch(url, { method: 'POST', headers, body: batch.gzip ? gzipSync(body) : body })
      const answer = (await response.json()) as { accepted: number; duplicates: number; rejected: { index: number; reason: string }[] }
      expect(response.status, `batch ${b}: ${JSON.stringify(answer).slice(0, 300)}`).toBe(200)
      expect(answer.accepted, `batch ${b}`).toBe(batch.items.filter((i) => i.expect === 'stored').length)
      expect(answer.duplicates, `batch ${b}`).toBe(batch.items.filter((i) => i.expect === 'duplicate').length)
      const rejected = new Map(answer.rejected.map((r) => [r.index, r.reason]))
      batch.items.forEach((item, index) => {
        const reason = rejected.get(index)
        if (item.expect === 'rejected' && !(reason !== undefined && item.reason.test(reason)))
          wrong.push(`${item.kind}: ${reason ?? 'not rejected'} (${item.text.slice(0, 80)})`)
        if (item.expect !== 'rejected' && reason !== undefined) wrong.push(`valid, rejected: ${reason} (${item.text.slice(0, 80)})`)
      })
    }
    expect(wrong).toEqual([])
  }, 240_000) // 10,000 events over HTTP: on a machine running other suites it outlasts the default timeout

  it('stores every valid event exactly once, and nothing else', async () => {
    // raw rows, without FINAL: the intake itself must not store a repeat
    const rows = await queryRows<{ conversation_id: string; event_id: string; copies: number }>(
      pulso.warehouse,
      `SELECT conversation_id, event_id, count() AS copies FROM ${pulso.warehouse.database}.events WHERE tenant_id = 'acme' GROUP BY conversation_id, event_id`,
    )
    const stored = new Map(rows.map((r) => [`${r.conversation_id}\u0000${r.event_id}`, Number(r.copies)]))
    expect([...valid].filter((identity) => stored.get(identity) !== 1)).toEqual([])
    expect(stored.size).toBe(valid.size)
  })

  it('dead-letters every poison event exactly once, with its raw text and reason', async () => {
    const rows = await queryRows<{ payload: string; reason: string; copies: number }>(
      pulso.warehouse,
      `SELECT payload, any(reason) AS reason, count() AS copies FROM ${pulso.warehouse.database}.dead_letters GROUP BY payload`,
    )
    const letters = new Map(rows.map((r) => [r.payload, r]))
    const wrong = poison.filter((p) => letters.get(p.text)?.copies !== 1 || !p.reason.test(letters.get(p.text)!.reason))
    expect(wrong.map((p) => `${p.kind}: ${JSON.stringify(letters.get(p.text) ?? 'no dead letter').slice(0, 200)}`)).toEqual([])
    expect(rows.length).toBe(poison.length)
  })

  it('keeps a __proto__ field of a valid event in extra', async () => {
    const rows = await queryRows<{ extra: string }>(
      pulso.warehouse,
      `SELECT extra FROM ${pulso.warehouse.database}.events WHERE position(extra, '__proto__') > 0 LIMIT 1`,
    )
    expect(Object.getOwnPropertyDescriptor(JSON.parse(rows[0]!.extra), '__proto__')?.value).toEqual({ admin: true })
  })
})
