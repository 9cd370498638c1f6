// `npm run bench:merges`: the CPU ClickHouse's background merges spend per stored event, with the
// events table as migrated (merge_selector_base = 10) and with ClickHouse's default (5). Simulated
// events are prepared first, then inserted into embedded chDB in blocks as a Kafka worker stores
// them; merges are timed until none has run for 2 s.
//
//   npm run bench:merges                        # 1,000,000 events in blocks of 20,000
//   BENCH_EVENTS=3000000 npm run bench:merges
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { loadConfig } from '../config/config.ts'
import { prepareBatch } from '../ingest/intake.ts'
import { simulate } from '../ingest/simulator/simulator.ts'
import { openWarehouse, queryRows, runStatement } from '../warehouse/client.ts'
import type { EventRow } from '../warehouse/event-columns.ts'
import { migrate } from '../warehouse/migrations.ts'
import { insertEventRows } from '../warehouse/repositories/events.ts'
import { cpuMsByThread } from './proc-stats.ts'

// ClickHouse runs background merges on threads it names MergeMutate
const mergeCpuMs = () => cpuMsByThread(process.pid).get('MergeMutate') ?? 0

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000)
const BLOCK_EVENTS = Number(process.env.BENCH_BLOCK_EVENTS ?? 20_000)

async function run(blocks: EventRow[][], mergeSelectorBase: number | 'as migrated'): Promise<string> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'pulso-bench-merges-'))
  const warehouse = await openWarehouse(
    loadConfig({ PULSO_DATA_DIR: dataDir, PULSO_DEMO: '0', PULSO_API_KEYS: 'acme:ingest:bench-merges-key-1', PULSO_HASH_KEY: 'bench' }),
  )
  try {
    await migrate(warehouse)
    if (mergeSelectorBase !== 'as migrated')
      await runStatement(warehouse, `ALTER TABLE ${warehouse.database}.events MODIFY SETTING merge_selector_base = ${mergeSelectorBase}`)
    const mergeMsAtStart = mergeCpuMs()
    const started = Date.now()
    for (const [index, rows] of blocks.entries()) await insertEventRows(warehouse, rows, `bench-merges:${index}`)
    const insertMs = Date.now() - started
    for (let quietLooks = 0; quietLooks < 20; await new Promise((r) => setTimeout(r, 100))) {
      const [merges] = await queryRows<{ running: number }>(warehouse, 'SELECT count() AS running FROM system.merges')
      quietLooks = merges?.running ? 0 : quietLooks + 1
    }
    const mergeUs = ((mergeCpuMs() - mergeMsAtStart) * 1000) / EVENTS
    const parts = await queryRows<{ partition: string; parts: number }>(
      warehouse,
      'SELECT partition, count() AS parts FROM system.parts WHERE active AND database = {db:String} AND table = {table:String} GROUP BY partition ORDER BY partition',
      { db: warehouse.database, table: 'events' },
    )
    return `| ${mergeSelectorBase === 'as migrated' ? '10 (as migrated)' : `${mergeSelectorBase} (ClickHouse's default)`} | ${mergeUs.toFixed(1)} µs | ${parts.map((p) => `${p.parts} in ${p.partition}`).join(', ')} | ${Math.round((EVENTS / insertMs) * 1000).toLocaleString('en-US')} events/s |`
  } finally {
    await warehouse.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

const config = loadConfig({ PULSO_DATA_DIR: '/nonexistent', PULSO_DEMO: '0', PULSO_API_KEYS: 'acme:ingest:bench-merges-key-1', PULSO_HASH_KEY: 'bench' })
const events = simulate({
  tenantId: 'acme',
  endDate: new Date('2024-03-31T00:00:00Z'),
  days: 30,
  conversationsPerDay: Math.ceil(EVENTS / 180),
  seed: 42,
  duplicateRate: 0,
}).slice(0, EVENTS)
const blocks: EventRow[][] = []
for (let i = 0; i < events.length; i += BLOCK_EVENTS) {
  const items = events.slice(i, i + BLOCK_EVENTS).map((value) => ({ raw: '', value }))
  blocks.push(prepareBatch(items, config, { source: 'kafka' }).rows)
}
console.log(`| merge_selector_base (${EVENTS.toLocaleString('en-US')} events, blocks of ${BLOCK_EVENTS.toLocaleString('en-US')}) | merge CPU per event | parts left, by month | inserts |
|---|---|---|---|`)
for (const base of ['as migrated', 5] as const) console.log(await run(blocks, base))
