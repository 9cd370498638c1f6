// A file's blocks (`pulso ingest FILE`) are prepared on a thread and stored like the intake stores
// a batch: repeats of stored events count as duplicates, an event the engine refuses is rejected
// alone, and the stored facts follow once refreshFacts() runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { event, openTestPulso, type TestPulso } from '../tests/helpers.ts'
import { queryRows } from '../warehouse/client.ts'
import { countEvents, listDeadLetters } from '../warehouse/repositories/events.ts'
import { BlockLoad } from './block-load.ts'
import { PackedValuesBuilder } from './kafka/packed-values.ts'

let pulso: TestPulso
let load: BlockLoad
beforeAll(async () => {
  pulso = await openTestPulso()
  load = new BlockLoad(pulso.warehouse, pulso.config, pulso.facts)
})
afterAll(async () => {
  await load?.close()
  await pulso?.cleanup()
})

function block(lines: string[]) {
  const builder = new PackedValuesBuilder()
  for (const line of lines) builder.add(Buffer.from(line))
  return builder.packed()
}

const line = (fields: Record<string, unknown>) => JSON.stringify(event(fields))
const storedConversations = async (tenant: string) =>
  await queryRows<{ conversation_id: string; messages: number }>(
    pulso.warehouse,
    `SELECT conversation_id, messages FROM ${pulso.warehouse.database}.fct_conversations WHERE tenant_id = {tenant:String} ORDER BY conversation_id`,
    { tenant },
  )

describe('loading blocks of a file', () => {
  it('stores the valid events, rejects the rest with their position, and counts repeats within the block', async () => {
    const lines = [
      line({ event_id: 'f1', conversation_id: 'fc1' }),
      '{not json',
      line({ event_id: 'f2', conversation_id: 'fc1', sender: 'bot', occurred_at: '2024-03-01T10:00:04Z' }),
      line({ event_id: 'f1', conversation_id: 'fc1' }),
      line({ event_id: 'f3', conversation_id: 'fc2', type: 'csat' }),
    ]
    const result = await load.load(block(lines))
    expect(result.accepted).toBe(2)
    expect(result.duplicates).toBe(1)
    expect(result.rejected).toEqual([
      { index: 1, event_id: null, reason: expect.stringMatching(/^not JSON/) },
      { index: 4, event_id: 'f3', reason: expect.stringMatching(/score/) },
    ])
    expect(await countEvents(pulso.warehouse, 'acme')).toBe(2)
    // the facts wait for refreshFacts()
    expect(await storedConversations('acme')).toEqual([])
    await load.refreshFacts()
    expect(await storedConversations('acme')).toEqual([{ conversation_id: 'fc1', messages: 2 }])
    // (the line that is not JSON names no tenant: its dead letter belongs to none)
    const letters = await listDeadLetters(pulso.warehouse, 'acme')
    expect(letters.map((l) => [l.source, l.batch_index, l.payload])).toEqual([['file', 4, lines[4]]])
  })

  it('counts events already stored as duplicates and stores the new ones between them; an event the engine refuses is rejected alone', async () => {
    await pulso.warehouse.client.command({ query: `ALTER TABLE ${pulso.warehouse.database}.events ADD CONSTRAINT no_refused CHECK event_id != 'refused'` })
    try {
      const lines = [
        line({ event_id: 'n1', conversation_id: 'fc3' }),
        line({ event_id: 'f1', conversation_id: 'fc1' }), // stored by the first test
        line({ event_id: 'refused', conversation_id: 'fc3', occurred_at: '2024-03-01T10:00:01Z' }),
        line({ event_id: 'f2', conversation_id: 'fc1', sender: 'bot', occurred_at: '2024-03-01T10:00:04Z' }), // stored
        line({ event_id: 'n2', conversation_id: 'fc3', sender: 'bot', occurred_at: '2024-03-01T10:00:02Z' }),
        line({ event_id: 'n3', conversation_id: 'fc1', sender: 'agent', occurred_at: '2024-03-01T10:00:09Z' }),
      ]
      const result = await load.load(block(lines))
      expect(result).toEqual({
        accepted: 3,
        duplicates: 2,
        rejected: [{ index: 2, event_id: 'refused', reason: expect.stringMatching(/^the warehouse refused to store this event \(VIOLATED_CONSTRAINT\)/) }],
      })
      expect(await countEvents(pulso.warehouse, 'acme')).toBe(5)
      await load.refreshFacts()
      expect(await storedConversations('acme')).toEqual([
        { conversation_id: 'fc1', messages: 3 },
        { conversation_id: 'fc3', messages: 2 },
      ])
      const letter = (await listDeadLetters(pulso.warehouse, 'acme')).find((l) => l.event_id === 'refused')
      expect(letter).toMatchObject({ source: 'file', batch_index: 2, payload: lines[2] })
    } finally {
      await pulso.warehouse.client.command({ query: `ALTER TABLE ${pulso.warehouse.database}.events DROP CONSTRAINT no_refused` })
    }
  })

  it('run again after a crash that left events without their customer index, restores it and keeps the facts', async () => {
    const lines = [
      line({ event_id: 'k1', conversation_id: 'kc1', customer_id: '+54 9 11 5555-0101' }),
      line({ event_id: 'k2', conversation_id: 'kc2', customer_id: '+54 9 11 5555-0101', occurred_at: '2024-03-02T10:00:00Z' }),
    ]
    expect((await load.load(block(lines))).accepted).toBe(2)
    await load.refreshFacts()
    // as if the process died between the events' insert and the index's materialized view
    await pulso.warehouse.client.command({ query: `DELETE FROM ${pulso.warehouse.database}.customer_conversations WHERE conversation_id = 'kc2'` })
    const again = await load.load(block(lines))
    expect(again).toMatchObject({ accepted: 0, duplicates: 2 })
    await load.refreshFacts()
    const index = await queryRows<{ conversation_id: string }>(
      pulso.warehouse,
      `SELECT conversation_id FROM ${pulso.warehouse.database}.customer_conversations WHERE conversation_id IN ('kc1', 'kc2') ORDER BY conversation_id`,
    )
    expect(index.map((r) => r.conversation_id)).toEqual(['kc1', 'kc2'])
    expect((await storedConversations('acme')).filter((c) => c.conversation_id.startsWith('kc')).map((c) => c.conversation_id)).toEqual(['kc1', 'kc2'])
  })

  it('a load that touches more of a tenant than it keeps a list of recomputes the whole tenant at the end', async () => {
    const small = new BlockLoad(pulso.warehouse, pulso.config, pulso.facts, { touchedLimit: 3 })
    try {
      const customer = '+54 9 11 5555-0202'
      // globex: three conversations of one customer (the first two resolved and followed by another
      // within 7 days: not first-contact resolved), then two more blocks after the limit is passed
      await small.load(
        block([
          line({ event_id: 'w1', tenant_id: 'globex', conversation_id: 'wc1', customer_id: customer }),
          line({
            event_id: 'w2',
            tenant_id: 'globex',
            conversation_id: 'wc1',
            type: 'resolved',
            resolved_by: 'bot',
            customer_id: customer,
            occurred_at: '2024-03-01T10:01:00Z',
          }),
        ]),
      )
      await small.load(
        block([
          line({ event_id: 'w3', tenant_id: 'globex', conversation_id: 'wc2', customer_id: customer, occurred_at: '2024-03-03T10:00:00Z' }),
          line({ event_id: 'w4', tenant_id: 'globex', conversation_id: 'wc3', occurred_at: '2024-03-03T11:00:00Z' }),
        ]),
      )
      await small.load(block([line({ event_id: 'w5', tenant_id: 'globex', conversation_id: 'wc4', occurred_at: '2024-03-04T11:00:00Z' })]))
      expect(await storedConversations('globex')).toEqual([])
      await small.refreshFacts()
      expect((await storedConversations('globex')).map((c) => c.conversation_id)).toEqual(['wc1', 'wc2', 'wc3', 'wc4'])
      const [wc1] = await queryRows<{ first_contact_resolved: number; next_conversation_started_at: string | null }>(
        pulso.warehouse,
        `SELECT first_contact_resolved, next_conversation_started_at FROM ${pulso.warehouse.database}.fct_conversations WHERE tenant_id = 'globex' AND conversation_id = 'wc1'`,
      )
      expect(wc1).toMatchObject({ first_contact_resolved: 0, next_conversation_started_at: expect.stringMatching(/^2024-03-03 10:00:00/) })
    } finally {
      await small.close()
    }
  })

  it('with a tenant, rejects the events of any other', async () => {
    const acmeOnly = new BlockLoad(pulso.warehouse, pulso.config, pulso.facts, { tenantId: 'acme' })
    try {
      const result = await acmeOnly.load(
        block([line({ event_id: 'b1', tenant_id: 'beta', conversation_id: 'bc1' }), line({ event_id: 'a9', conversation_id: 'fc9' })]),
      )
      expect(result.accepted).toBe(1)
      expect(result.rejected).toEqual([{ index: 0, event_id: 'b1', reason: expect.stringContaining("'beta' is not the tenant") }])
    } finally {
      await acmeOnly.close()
    }
  })
})
