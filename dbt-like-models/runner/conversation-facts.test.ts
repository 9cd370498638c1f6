// The stored conversation facts, kept current batch after batch, must always equal the model's
// SQL computed over all events at once: whatever the order, lateness and repetition of events,
// and with two writers at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BatchItem, Intake, prepareBatch } from '../../ingest/intake.ts'
import { Random } from '../../ingest/simulator/random.ts'
import { simulate } from '../../ingest/simulator/simulator.ts'
import { event, eventRow, getKpis, openTestPulso, TEST_KEYS, type TestPulso } from '../../tests/helpers.ts'
import { queryRows } from '../../warehouse/client.ts'
import { insertEventRows } from '../../warehouse/repositories/events.ts'
import { TouchedConversations } from '../../warehouse/touched-conversations.ts'
import { compileInlined } from './incremental.ts'

let pulso: TestPulso
beforeAll(async () => {
  pulso = await openTestPulso()
})
afterAll(async () => {
  await pulso?.cleanup()
})

const items = (events: object[]): BatchItem[] => events.map((value) => ({ raw: JSON.stringify(value), value }))

/** Rows of the stored facts and of the full computation that the other lacks (both directions). */
async function differences(tenantId: string): Promise<{ stored: number; full: number; onlyStored: unknown[]; onlyFull: unknown[] }> {
  const db = pulso.warehouse.database
  const model = pulso.project.models.find((m) => m.name === 'fct_conversations')!
  const full = `SELECT * FROM (${compileInlined(pulso.project, model, db)}) WHERE tenant_id = {tenant:String}`
  const stored = `SELECT * FROM ${db}.fct_conversations WHERE tenant_id = {tenant:String}`
  const [counts] = await queryRows<{ stored: number; full: number }>(
    pulso.warehouse,
    `SELECT (SELECT count() FROM (${stored})) AS stored, (SELECT count() FROM (${full})) AS full`,
    { tenant: tenantId },
  )
  const onlyStored = await queryRows(pulso.warehouse, `SELECT * FROM ((${stored}) EXCEPT (${full})) LIMIT 5`, { tenant: tenantId })
  const onlyFull = await queryRows(pulso.warehouse, `SELECT * FROM ((${full}) EXCEPT (${stored})) LIMIT 5`, { tenant: tenantId })
  return { ...counts!, onlyStored, onlyFull }
}

describe('stored conversation facts', () => {
  it('equal the full computation after shuffled, late and repeated batches of a simulated operation', async () => {
    // 10 days of the demo operation (customers come back, so first contact resolution changes
    // as later conversations arrive), delivered in a shuffled order in small batches, a tenth of
    // the events sent twice, in separate batches.
    const events = simulate({ tenantId: 'acme', endDate: new Date('2024-05-11T00:00:00Z'), days: 10, conversationsPerDay: 40 })
    const random = new Random(7)
    const shuffled = [...events, ...events.filter(() => random.next() < 0.1)]
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(random.next() * (i + 1))
      ;[shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!]
    }
    for (let i = 0; i < shuffled.length; i += 150) await pulso.intake.ingest(items(shuffled.slice(i, i + 150)), { source: 'test', tenantId: 'acme' })

    const result = await differences('acme')
    expect(result.onlyStored).toEqual([])
    expect(result.onlyFull).toEqual([])
    expect(result.stored).toBe(result.full)
    expect(result.stored).toBeGreaterThan(350)
    // and a rebuild from the events gives the same rows
    await pulso.facts.rebuild()
    expect(await differences('acme')).toMatchObject({ stored: result.full, onlyStored: [], onlyFull: [] })
  })

  it('rebuilt in several partitions of a tenant, equal the full computation', async () => {
    // A rebuild reads a large tenant in parts, in two stages (conversations by ranges of ids and
    // WhatsApp sessions by customer, then first contact resolution by customer); a part that
    // splits what a conversation's facts depend on gets them wrong. Here: customers coming back
    // (first contact resolution looks at their next conversation), conversations naming two
    // customers at the same millisecond (the smaller id is their customer), WhatsApp sessions
    // Pulso cuts per customer (more than one part of them) beside that customer's other
    // conversations, an 'auto' id without a customer, conversations without one.
    const tenant_id = 'umbrella'
    const day = (d: number, time: string) => `2024-12-${String(d).padStart(2, '0')}T${time}Z`
    const events: Record<string, unknown>[] = simulate({ tenantId: tenant_id, endDate: new Date('2024-12-11T00:00:00Z'), days: 10, conversationsPerDay: 30 })
    for (let i = 0; i < 12; i++) {
      const pair = { tenant_id, conversation_id: `pair-${i}` }
      events.push(
        { ...pair, event_id: 'a', customer_id: `pa-${i}`, occurred_at: day(2, '10:00:00.123') },
        { ...pair, event_id: 'b', customer_id: `pb-${i}`, occurred_at: day(2, '10:00:00.123') },
        { ...pair, event_id: 'r', type: 'resolved', resolved_by: 'bot', occurred_at: day(2, '10:05:00') },
        { tenant_id, conversation_id: `pair-${i}-next`, event_id: 'n', customer_id: `pa-${i}`, occurred_at: day(4, '10:00:00') },
      )
    }
    for (let i = 0; i < 120; i++) {
      const customer_id = `wa-${i}`
      events.push(
        { tenant_id, conversation_id: 'auto', event_id: `wa-${i}-1`, customer_id, occurred_at: day(3, '09:00:00') },
        { tenant_id, conversation_id: 'auto', event_id: `wa-${i}-2`, customer_id, type: 'resolved', resolved_by: 'bot', occurred_at: day(3, '09:10:00') },
        { tenant_id, conversation_id: 'auto:wa', event_id: `wa-${i}-3`, customer_id, occurred_at: day(6, '09:00:00') },
        { tenant_id, conversation_id: 'auto:wa', event_id: `wa-${i}-4`, customer_id, type: 'resolved', resolved_by: 'bot', occurred_at: day(6, '09:10:00') },
        { tenant_id, conversation_id: `wa-${i}-web`, event_id: 'w', customer_id, occurred_at: day(8, '09:00:00') },
        { tenant_id, conversation_id: `anon-${i}`, event_id: 'x', occurred_at: day(5, '09:00:00') },
        { tenant_id, conversation_id: `anon-${i}`, event_id: 'y', type: 'resolved', resolved_by: 'bot', occurred_at: day(5, '09:01:00') },
      )
    }
    events.push({ tenant_id, conversation_id: 'auto', event_id: 'no-customer', sender: 'bot', occurred_at: day(7, '09:00:00') })
    await insertEventRows(
      pulso.warehouse,
      events.map((e) => eventRow(e)),
    )

    const sizes = { eventsPerPart: 400, conversationsPerPart: 150 }
    const eventParts = Math.ceil(events.length / sizes.eventsPerPart)
    const progress: [number, number][] = []
    await pulso.facts.rebuild((done, total, tenantId) => tenantId === tenant_id && progress.push([done, total]), sizes)
    expect(eventParts).toBeGreaterThanOrEqual(5)
    const conversations = Number(
      (
        await queryRows<{ n: number }>(pulso.warehouse, `SELECT count() AS n FROM ${pulso.warehouse.database}.fct_conversations WHERE tenant_id = 'umbrella'`)
      )[0]!.n,
    )
    const stageTwoParts = Math.ceil(conversations / sizes.conversationsPerPart)
    expect(stageTwoParts).toBeGreaterThanOrEqual(5)
    // ranges of conversations, two parts of sessions (480 of their events), then the second stage's parts
    const [done, total] = progress.at(-1)!
    expect(done).toBe(total)
    expect(total).toBeGreaterThanOrEqual(eventParts + stageTwoParts)
    // the rule is put to the test: customers whose conversations a wrong rule (by conversation id)
    // would put in different parts of the second stage, by its rule (ranges of 1024 hash buckets)
    const partOf = async (ids: string[]) =>
      (
        await queryRows<{ p: number }>(pulso.warehouse, `SELECT intDiv(toUInt32(cityHash64(arrayJoin({ids:Array(String)})) % 1024) * {k:UInt32}, 1024) AS p`, {
          ids,
          k: stageTwoParts,
        })
      ).map((r) => r.p)
    const [pa, pb, wa, web] = await Promise.all([
      partOf(Array.from({ length: 12 }, (_, i) => `pa-${i}`)),
      partOf(Array.from({ length: 12 }, (_, i) => `pb-${i}`)),
      partOf(Array.from({ length: 12 }, (_, i) => `wa-${i}`)),
      partOf(Array.from({ length: 12 }, (_, i) => `wa-${i}-web`)),
    ])
    expect(pa.some((p, i) => p !== pb[i])).toBe(true)
    expect(wa.some((p, i) => p !== web[i])).toBe(true)
    const result = await differences(tenant_id)
    expect(result).toMatchObject({ onlyStored: [], onlyFull: [] })
    expect(result.stored).toBe(result.full)
    // the customer of a two-customer conversation is pa-i, who comes back two days later: not resolved at first contact
    const pairs = await queryRows<{ customer_id: string; first_contact_resolved: number }>(
      pulso.warehouse,
      `SELECT customer_id, first_contact_resolved FROM ${pulso.warehouse.database}.fct_conversations
WHERE tenant_id = 'umbrella' AND conversation_id = 'pair-0'`,
    )
    expect(pairs).toEqual([{ customer_id: 'pa-0', first_contact_resolved: 0 }])
    // the second stage in one query writes its rows in the table's order; in parts, it cannot
    expect(await pulso.facts.refreshTenant(tenant_id, undefined, sizes)).toEqual({ inOrder: false })
    expect(await pulso.facts.refreshTenant(tenant_id, undefined, { ...sizes, conversationsPerPart: conversations })).toEqual({ inOrder: true })
    expect(await differences(tenant_id)).toMatchObject({ onlyStored: [], onlyFull: [] })
    // the helper table of the first stage is gone
    const helpers = await queryRows(pulso.warehouse, `SELECT name FROM system.tables WHERE database = {db:String} AND name LIKE '%\\_stage\\_%'`, {
      db: pulso.warehouse.database,
    })
    expect(helpers).toEqual([])
  })

  it('moves a conversation whose earlier event arrives late, leaving no trace in the old day', async () => {
    const base = { tenant_id: 'globex', conversation_id: 'late-1' }
    await pulso.intake.ingest(items([event({ ...base, event_id: 'l1', occurred_at: '2024-06-03T09:00:00Z' })]), { source: 'test' })
    // the conversation really started the day before
    await pulso.intake.ingest(items([event({ ...base, event_id: 'l0', occurred_at: '2024-06-02T23:00:00Z' })]), { source: 'test' })
    const kpis = await getKpis(pulso, TEST_KEYS.globexRead, 'from=2024-06-02&to=2024-06-03&grain=day')
    expect(kpis.body.rows.map((r: { period: string; conversations: number }) => [r.period, r.conversations])).toEqual([
      ['2024-06-02', 1],
      ['2024-06-03', 0],
    ])
    expect(await differences('globex')).toMatchObject({ onlyStored: [], onlyFull: [] })
  })

  it("refreshes an earlier conversation's first contact resolution when the customer comes back", async () => {
    const resolved = [
      event({ tenant_id: 'globex', conversation_id: 'f1', event_id: 'f1a', customer_id: 'cust-f', occurred_at: '2024-07-01T10:00:00Z' }),
      event({ tenant_id: 'globex', conversation_id: 'f1', event_id: 'f1b', type: 'resolved', resolved_by: 'bot', occurred_at: '2024-07-01T10:05:00Z' }),
    ]
    await pulso.intake.ingest(items(resolved), { source: 'test' })
    const fcr = async () => (await getKpis(pulso, TEST_KEYS.globexRead, 'from=2024-07-01&to=2024-07-01&grain=day')).body.rows[0].fcr_rate
    expect(await fcr()).toBe(1)
    // two days later the same customer opens a new conversation: the first was not resolved for good
    await pulso.intake.ingest(
      items([event({ tenant_id: 'globex', conversation_id: 'f2', event_id: 'f2a', customer_id: 'cust-f', occurred_at: '2024-07-03T10:00:00Z' })]),
      { source: 'test' },
    )
    expect(await fcr()).toBe(0)
  })

  it('removes a WhatsApp session that a late message joins to the one before', async () => {
    const message = (id: string, at: string) =>
      event({ tenant_id: 'globex', conversation_id: 'auto:wa', event_id: id, customer_id: 'cust-wa', occurred_at: at })
    // two sessions 30 h apart (the default gap is 24 h) …
    await pulso.intake.ingest(items([message('w1', '2024-08-01T00:00:00Z'), message('w2', '2024-08-02T06:00:00Z')]), { source: 'test' })
    const count = async () => (await getKpis(pulso, TEST_KEYS.globexRead, 'from=2024-08-01&to=2024-08-02&grain=all')).body.rows[0].conversations
    expect(await count()).toBe(2)
    // … joined by a message in between that arrives late: one conversation
    await pulso.intake.ingest(items([message('w3', '2024-08-01T12:00:00Z')]), { source: 'test' })
    expect(await count()).toBe(1)
    expect(await differences('globex')).toMatchObject({ onlyStored: [], onlyFull: [] })
  })

  it('stays exact with two writers storing events of the same conversations at once', async () => {
    // Two intakes on one warehouse stand for two API replicas: each stores and refreshes on its
    // own, their queries interleave. Every event of a conversation goes to a random writer, late
    // ones included.
    const second = new Intake(pulso.warehouse, pulso.config, pulso.facts)
    const events = simulate({ tenantId: 'initech', endDate: new Date('2024-09-06T00:00:00Z'), days: 5, conversationsPerDay: 30 })
    const random = new Random(11)
    const batches: [object[], object[]][] = []
    for (let i = 0; i < events.length; i += 60) {
      const slice = events.slice(i, i + 60).sort(() => random.next() - 0.5)
      batches.push([slice.filter((_, k) => k % 2 === 0), slice.filter((_, k) => k % 2 === 1)])
    }
    for (const [a, b] of batches.reverse()) {
      await Promise.all([pulso.intake.ingest(items(a), { source: 'test' }), second.ingest(items(b), { source: 'test' })])
    }
    expect(await differences('initech')).toMatchObject({ onlyStored: [], onlyFull: [] })
  })

  it('answers each batch once its facts are stored, refreshing batches that arrive together as one', async () => {
    const store = pulso.facts.store
    const insertComputed = store.insertComputed.bind(store)
    let recomputations = 0
    store.insertComputed = (...args) => {
      recomputations++
      return insertComputed(...args)
    }
    try {
      // 20 one-event batches at once, as 20 webhook calls would send them
      const day = '2024-11-05'
      const one = (i: number) =>
        event({ tenant_id: 'globex', conversation_id: `burst-${i}`, event_id: `burst-${i}`, occurred_at: `${day}T10:00:${String(i).padStart(2, '0')}Z` })
      const counts = await Promise.all(
        Array.from({ length: 20 }, async (_, i) => {
          await pulso.intake.ingest(items([one(i)]), { source: 'test' })
          // its own conversation is in the facts as soon as its batch is answered
          const [row] = await queryRows<{ n: number }>(
            pulso.warehouse,
            `SELECT count() AS n FROM ${pulso.warehouse.database}.fct_conversations WHERE tenant_id = 'globex' AND conversation_id = {id:String}`,
            { id: `burst-${i}` },
          )
          return Number(row!.n)
        }),
      )
      expect(counts).toEqual(Array(20).fill(1))
      expect((await getKpis(pulso, TEST_KEYS.globexRead, `from=${day}&to=${day}&grain=all`)).body.rows[0].conversations).toBe(20)
      expect(recomputations).toBeLessThan(20)
    } finally {
      store.insertComputed = insertComputed
    }
  })

  it('settles a stale row that a slower writer stores after a newer one', async () => {
    // Writer A read the conversation before its earliest event arrived and stores its row last,
    // at a start B never saw (B's delete markers cannot cover it); writer B, newer, already
    // stored the row at the true start. A's own check after its insert removes its stale row.
    const base = { tenant_id: 'globex', conversation_id: 'race-1' }
    await pulso.intake.ingest(items([event({ ...base, event_id: 'r2', occurred_at: '2024-10-02T09:00:00Z' })]), { source: 'test' })
    const olderVersion = await pulso.facts.store.newVersion()
    await pulso.intake.ingest(items([event({ ...base, event_id: 'r1', occurred_at: '2024-10-01T09:00:00Z' })]), { source: 'test' })
    // what A would have stored, at A's older version
    await pulso.warehouse.client.command({
      query: `INSERT INTO ${pulso.facts.store.table} (tenant_id, conversation_id, started_at, _version, _deleted)
VALUES ('globex', 'race-1', '2024-10-02 08:30:00.000', ${olderVersion}, 0)`,
    })
    const count = async () => (await getKpis(pulso, TEST_KEYS.globexRead, 'from=2024-10-01&to=2024-10-02&grain=all')).body.rows[0].conversations
    expect(await count()).toBe(2) // the race, before A's check
    const touched = new TouchedConversations()
    touched.add('globex', 'race-1', null)
    await pulso.facts.settle(touched)
    expect(await count()).toBe(1)
  })

  it('keeps a conversation whose insert was cut between its events and the customer index, once the batch is sent again', async () => {
    // A process killed (kill -9) after the events' part was written and before the materialized
    // view wrote their customer_conversations rows leaves events the index does not know. The view
    // is detached for the insert to leave that state; the client then sends the unanswered batch
    // again, and the customer comes back later in a new conversation.
    const db = pulso.warehouse.database
    const cut = [
      event({ tenant_id: 'globex', conversation_id: 'cut-1', event_id: 'cut-1a', customer_id: 'cust-cut', occurred_at: '2023-01-10T10:00:00Z' }),
      event({ tenant_id: 'globex', conversation_id: 'cut-1', event_id: 'cut-1b', type: 'resolved', resolved_by: 'bot', occurred_at: '2023-01-10T10:05:00Z' }),
    ]
    await pulso.warehouse.client.command({ query: `DETACH TABLE ${db}.customer_conversations_mv` })
    try {
      await insertEventRows(pulso.warehouse, prepareBatch(items(cut), pulso.config, { source: 'test' }).rows)
    } finally {
      await pulso.warehouse.client.command({ query: `ATTACH TABLE ${db}.customer_conversations_mv` })
    }
    expect(await pulso.intake.ingest(items(cut), { source: 'test', tenantId: 'globex' })).toMatchObject({ accepted: 0, duplicates: 2 })
    const later = event({ tenant_id: 'globex', conversation_id: 'cut-2', event_id: 'cut-2a', customer_id: 'cust-cut', occurred_at: '2023-01-14T10:00:00Z' })
    await pulso.intake.ingest(items([later]), { source: 'test', tenantId: 'globex' })

    const kpis = await getKpis(pulso, TEST_KEYS.globexRead, 'from=2023-01-10&to=2023-01-14&grain=all')
    expect(kpis.body.rows[0].conversations).toBe(2)
    expect(await differences('globex')).toMatchObject({ onlyStored: [], onlyFull: [] })
  })
})
