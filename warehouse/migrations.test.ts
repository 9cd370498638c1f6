// Schema creation is versioned and idempotent: reopening a data folder keeps its data.
import { describe, expect, it } from 'vitest'
import { openTestPulso, event } from '../tests/helpers.ts'
import { MIGRATIONS, migrate } from './migrations.ts'
import { countEvents } from './repositories/events.ts'
import { queryRows } from './client.ts'
import { Intake } from '../ingest/intake.ts'

describe('migrations', () => {
  it('apply once; a restart on the same folder keeps data and deduplication', async () => {
    const first = await openTestPulso()
    const versions = await first.warehouse.client.query({ query: `SELECT version FROM ${first.warehouse.database}.schema_migrations ORDER BY version`, format: 'JSONEachRow' })
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
