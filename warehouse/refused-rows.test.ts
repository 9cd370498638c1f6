// An event the engine refuses never takes the valid events beside it down with it. The contract
// accepts only what the events table's columns hold, so the engine is made to refuse events the
// contract accepts the way an operator would narrow the table: a constraint of its own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { event, ndjson, openTestPulso, postEvents, TEST_KEYS, type TestPulso } from '../tests/helpers.ts'
import { countEvents, listDeadLetters } from './repositories/events.ts'

let pulso: TestPulso
beforeAll(async () => {
  pulso = await openTestPulso()
})
afterAll(() => pulso?.cleanup())

const alterEvents = (change: string) => pulso.warehouse.client.command({ query: `ALTER TABLE ${pulso.warehouse.database}.events ${change}` })

describe('events the engine refuses', () => {
  it('are rejected one by one with the engine’s reason and dead-lettered; the events beside them are stored', async () => {
    await alterEvents(`ADD CONSTRAINT occurred_since_2000 CHECK occurred_at >= '2000-01-01'`)
    try {
      // 12 events, two of them from 1999: valid by the contract (1900–2299), refused by the table
      const events = Array.from({ length: 12 }, (_, i) =>
        event({ event_id: `r${i}`, conversation_id: `rc${i % 3}`, occurred_at: i === 4 || i === 9 ? '1999-12-31T23:00:00Z' : '2024-03-01T10:00:00Z' }),
      )
      const body = ndjson(events)
      const { status, body: result } = await postEvents(pulso, TEST_KEYS.acmeIngest, body)
      expect(status).toBe(200)
      expect(result.accepted).toBe(10)
      expect(result.rejected).toEqual([
        {
          index: 4,
          event_id: 'r4',
          reason: expect.stringMatching(/^the warehouse refused to store this event \(VIOLATED_CONSTRAINT\): Constraint `occurred_since_2000`/),
        },
        { index: 9, event_id: 'r9', reason: expect.stringMatching(/^the warehouse refused to store this event \(VIOLATED_CONSTRAINT\)/) },
      ])
      expect(await countEvents(pulso.warehouse, 'acme')).toBe(10)
      const letters = await listDeadLetters(pulso.warehouse, 'acme')
      expect(letters.map((l) => [l.event_id, l.batch_index, l.payload]).sort()).toEqual([
        ['r4', 4, body.split('\n')[4]],
        ['r9', 9, body.split('\n')[9]],
      ])

      // the same batch again: the ten are repeats, the two are refused again
      const again = await postEvents(pulso, TEST_KEYS.acmeIngest, body)
      expect(again.body).toMatchObject({ accepted: 0, duplicates: 10, rejected: [{ index: 4 }, { index: 9 }] })
    } finally {
      await alterEvents('DROP CONSTRAINT occurred_since_2000')
    }
  })

  it('a batch the engine refuses whole is rejected event by event, and nothing of it is stored', async () => {
    await alterEvents(`ADD CONSTRAINT no_globex CHECK tenant_id != 'globex'`)
    try {
      const events = Array.from({ length: 5 }, (_, i) => event({ event_id: `g${i}`, tenant_id: 'globex' }))
      const { status, body } = await postEvents(pulso, TEST_KEYS.globexIngest, ndjson(events))
      expect(status).toBe(200)
      expect(body.accepted).toBe(0)
      expect(body.rejected.map((r: { index: number }) => r.index)).toEqual([0, 1, 2, 3, 4])
      expect(await countEvents(pulso.warehouse, 'globex')).toBe(0)
    } finally {
      await alterEvents('DROP CONSTRAINT no_globex')
    }
  })

  it('an engine failure that is not about the rows fails the batch whole and blames no event; the retry stores it', async () => {
    // One part is already in the month (the first test's events): with room for one part only,
    // ClickHouse answers TOO_MANY_PARTS, as it does when merges fall behind.
    await alterEvents('MODIFY SETTING parts_to_throw_insert = 1')
    const events = [event({ event_id: 't1', conversation_id: 'tc' }), event({ event_id: 't2', conversation_id: 'tc' })]
    let failed: Awaited<ReturnType<typeof postEvents>>
    try {
      failed = await postEvents(pulso, TEST_KEYS.acmeIngest, ndjson(events))
    } finally {
      await alterEvents('RESET SETTING parts_to_throw_insert')
    }
    expect(failed.status).toBe(500)
    const retried = await postEvents(pulso, TEST_KEYS.acmeIngest, ndjson(events))
    expect(retried.body).toEqual({ accepted: 2, duplicates: 0, rejected: [] })
    expect((await listDeadLetters(pulso.warehouse, 'acme')).filter((l) => l.event_id?.startsWith('t'))).toEqual([])
  })
})
