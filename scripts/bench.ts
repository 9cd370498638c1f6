// `npm run bench`: intake throughput and KPI query latency on embedded chDB, at a size well
// beyond the demo. Prints a Markdown table; results are recorded in BENCHMARKS.md.
//   npm run bench -- [--days 365] [--per-day 300]
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { loadConfig } from '../config/config.ts'
import type { Grain, Segment } from '../definitions/kpis.ts'
import { simulate } from '../ingest/simulator/simulator.ts'
import { openRuntime } from '../runtime/runtime.ts'
import { queryKpis } from '../warehouse/repositories/kpis.ts'

const { values } = parseArgs({ options: { days: { type: 'string', default: '365' }, 'per-day': { type: 'string', default: '300' } } })
const days = Number(values.days)
const perDay = Number(values['per-day'])
const dataDir = mkdtempSync(path.join(tmpdir(), 'pulso-bench-'))
const config = loadConfig({
  PULSO_DATA_DIR: dataDir,
  PULSO_DEMO: '0',
  PULSO_HASH_KEY: 'bench',
  PULSO_LOG_LEVEL: 'silent',
  PULSO_API_KEYS: 'bench:read:bench-read-key',
})
const runtime = await openRuntime(config)
const endDate = new Date('2026-06-30T00:00:00Z')

try {
  const events = simulate({ tenantId: 'bench', endDate, days, conversationsPerDay: perDay, duplicateRate: 0.02 })
  const items = events.map((value) => ({ raw: JSON.stringify(value), value }))
  const started = performance.now()
  const batchSize = 20_000
  let accepted = 0
  for (let i = 0; i < items.length; i += batchSize) {
    accepted += (await runtime.intake.ingest(items.slice(i, i + batchSize), { source: 'bench', tenantId: 'bench' })).accepted
  }
  const ingestSeconds = (performance.now() - started) / 1000
  const rssMb = process.memoryUsage().rss / 1024 / 1024

  const lastDay = endDate.toISOString().slice(0, 10)
  const from = (daysBack: number) => new Date(endDate.getTime() - daysBack * 86400_000).toISOString().slice(0, 10)
  const cases: { name: string; from: string; grain: Grain; by?: Segment }[] = [
    { name: 'last 7 days, per day', from: from(6), grain: 'day' },
    { name: 'last 30 days, per day', from: from(29), grain: 'day' },
    { name: 'last 90 days, per week, by use_case', from: from(89), grain: 'week', by: 'use_case' },
    { name: 'whole year, per month', from: from(days - 1), grain: 'month' },
    { name: 'whole year, all, by intent', from: from(days - 1), grain: 'all', by: 'intent' },
  ]
  const rows: string[] = []
  for (const c of cases) {
    const times: number[] = []
    for (let run = 0; run < 5; run++) {
      const t = performance.now()
      await queryKpis(runtime.warehouse, { tenantId: 'bench', timezone: 'America/Mexico_City', from: c.from, to: lastDay, grain: c.grain, by: c.by })
      times.push(performance.now() - t)
    }
    times.sort((a, b) => a - b)
    rows.push(`| ${c.name} | ${times[2]!.toFixed(0)} ms | ${times[4]!.toFixed(0)} ms |`)
  }
  console.log(
    `\nPulso bench — ${days} days × ${perDay} conversations/day, ${events.length} events (${accepted} stored), embedded chDB, ${new Date().toISOString().slice(0, 10)}\n`,
  )
  console.log(`| measure | value |\n|---|---|`)
  console.log(
    `| intake (validate + dedup look-up + insert), batches of ${batchSize} | ${Math.round(events.length / ingestSeconds).toLocaleString('en')} events/s (${ingestSeconds.toFixed(1)} s) |`,
  )
  console.log(`| process RSS after intake | ${rssMb.toFixed(0)} MB |`)
  console.log(`\n| GET /v1/kpis query | median of 5 | slowest |\n|---|---|---|`)
  console.log(rows.join('\n'))
} finally {
  await runtime.close()
  rmSync(dataDir, { recursive: true, force: true })
}
