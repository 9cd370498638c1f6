// Schema creation is versioned and idempotent: reopening a data folder keeps its data.
import { describe, expect, it } from 'vitest'
import { Intake } from '../ingest/intake.ts'
import { event, openTestPulso } from '../tests/helpers.ts'
import { queryRows } from './client.ts'
import { MIGRATIONS, migrate } from './migrations.ts'
import { countEvents, deadLetterId, insertDeadLetters } from './repositories/events.ts'

describe('migrations', () => {
  it('apply once; a restart on the same folder keeps data and deduplication', async () => {
    const first = await openTestPulso()
    const versions = await first.warehouse.client.query({
      query: `SELECT version FROM ${first.warehouse.database}.schema_migrations ORDER BY version`,
      format: 'JSONEachRow',
    })
    expect((await versions.json<{ version: number }>()).map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version))
    expect(await migrate(first.warehouse)).toEqual([])
    const item = { raw: '', value: event({ event_id: 'r1' }) }
    expect((await first.intake.ingest([item], { source: 'test' })).accepted).toBe(1)
    await first.close()

    const second = await openTestPulso({}, first.dataDir)
    try {
      expect(await migrate(second.warehouse)).toEqual([])
      expect(await countEvents(second.warehouse, 'acme')).toBe(1)
      const again = await new Intake(second.warehouse, second.config).ingest([item], { source: 'test' })
      expect(again).toEqual({ accepted: 0, duplicates: 1, rejected: [] })
    } finally {
      await second.close()
    }
  })

  it('migration 8 names the dead letters stored before it as the intake names new ones, and folds their repeats', async () => {
    const pulso = await openTestPulso()
    const db = pulso.warehouse.database
    try {
      // dead_letters as migrations 1–7 left it: a batch rejected, then retried (the same letter twice)
      await pulso.warehouse.client.command({ query: `DROP TABLE ${db}.dead_letters` })
      const [first] = MIGRATIONS
      await pulso.warehouse.client.command({ query: first!.statements(db).find((statement) => statement.includes('dead_letters'))! })
      const before = [
        { tenant_id: 'acme', source: 'http', batch_index: 0, event_id: 'x1', reason: 'r', payload: '{"event_id":"x1"}' },
        { tenant_id: 'acme', source: 'http', batch_index: 0, event_id: 'x1', reason: 'r', payload: '{"event_id":"x1"}' },
        { tenant_id: 'acme', source: 'kafka', batch_index: 3, event_id: null, reason: 'not JSON', payload: 'héllo, 😀' },
      ]
      await pulso.warehouse.client.insert({ table: `${db}.dead_letters`, values: before, format: 'JSONEachRow' })
      await pulso.warehouse.client.command({ query: `ALTER TABLE ${db}.schema_migrations DELETE WHERE version = 8 SETTINGS mutations_sync = 1` })

      expect(await migrate(pulso.warehouse)).toEqual([8])
      const rows = await queryRows<{ letter_id: string; event_id: string | null }>(
        pulso.warehouse,
        `SELECT letter_id, event_id FROM ${db}.dead_letters FINAL ORDER BY source`,
      )
      expect(rows).toEqual([
        { letter_id: deadLetterId(before[0]!), event_id: 'x1' },
        { letter_id: deadLetterId(before[2]!), event_id: null },
      ])
      // and the same letters rejected again are not stored again
      await insertDeadLetters(pulso.warehouse, before)
      const [count] = await queryRows<{ n: number }>(pulso.warehouse, `SELECT count() AS n FROM ${db}.dead_letters FINAL`)
      expect(Number(count!.n)).toBe(2)
    } finally {
      await pulso.cleanup()
    }
  })

  it('migration 6 has the events table merge ~10 parts at a time, to rewrite each event less often', async () => {
    const pulso = await openTestPulso()
    try {
      const [events] = await queryRows<{ create_table_query: string }>(
        pulso.warehouse,
        'SELECT create_table_query FROM system.tables WHERE database = {db:String} AND name = {table:String}',
        { db: pulso.warehouse.database, table: 'events' },
      )
      expect(events?.create_table_query).toMatch(/merge_selector_base = 10\b/)
    } finally {
      await pulso.close()
    }
  })
})
