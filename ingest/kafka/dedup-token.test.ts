// Migration 5 and insertEventRows: a block the worker inserts twice (the first insert landed,
// but the worker did not learn it) is stored once; other inserts are never mistaken for it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { event, openTestPulso, type TestPulso } from '../../tests/helpers.ts'
import { insertDeadLetters, insertEventRows } from '../../warehouse/repositories/events.ts'
import { prepareBatch } from '../intake.ts'

let pulso: TestPulso
beforeAll(async () => {
  pulso = await openTestPulso()
})
afterAll(() => pulso?.cleanup())

const rows = (...ids: string[]) =>
  prepareBatch(
    ids.map((id) => ({ raw: '', value: event({ event_id: id }) })),
    pulso.config,
    { source: 'kafka' },
  ).rows
const rawCount = async (table: string) => {
  const result = await pulso.warehouse.client.query({ query: `SELECT count() AS n FROM ${pulso.warehouse.database}.${table}`, format: 'JSONEachRow' })
  return Number((await result.json<{ n: number }>())[0]!.n)
}

describe('insert deduplication of Kafka blocks', () => {
  it('a retried block with the same token is stored once, even though received_at differs', async () => {
    await insertEventRows(pulso.warehouse, rows('a1', 'a2'), 'kafka:t:0:0-1')
    await new Promise((r) => setTimeout(r, 5))
    await insertEventRows(pulso.warehouse, rows('a1', 'a2'), 'kafka:t:0:0-1')
    expect(await rawCount('events')).toBe(2)
  })

  it('an insert without a token after one with a token is stored (the token does not stick to the session)', async () => {
    await insertEventRows(pulso.warehouse, rows('b1'))
    await insertEventRows(pulso.warehouse, rows('b2'))
    await insertDeadLetters(pulso.warehouse, [{ tenant_id: 'acme', source: 'kafka', batch_index: 0, event_id: null, reason: 'r', payload: 'x' }])
    // 2 from the first test + b1 + b2
    expect(await rawCount('events')).toBe(4)
    expect(await rawCount('dead_letters')).toBe(1)
  })

  it('migration 5 gives events an insert deduplication window (dead letters have an identity instead, migration 8)', async () => {
    const result = await pulso.warehouse.client.query({
      query: `SELECT create_table_query FROM system.tables WHERE database = {db:String} AND name = 'events'`,
      query_params: { db: pulso.warehouse.database },
      format: 'JSONEachRow',
    })
    const [events] = await result.json<{ create_table_query: string }>()
    expect(events!.create_table_query).toMatch(/non_replicated_deduplication_window = 1000/)
  })
})
