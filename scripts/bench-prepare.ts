// `npm run bench:prepare`: the CPU cost of preparing Kafka blocks (parse, validate, map, encode)
// on one thread, without Kafka or ClickHouse: the largest part of a worker's CPU per event.
//
//   npm run bench:prepare                       # 100,000 simulated events in blocks of 20,000
//   BENCH_EVENTS=300000 npm run bench:prepare
import { loadConfig } from '../config/config.ts'
import { PackedValuesBuilder } from '../ingest/kafka/packed-values.ts'
import { prepareBlock } from '../ingest/kafka/prepare-block.ts'
import { simulate } from '../ingest/simulator/simulator.ts'

const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000)
const BLOCK_EVENTS = Number(process.env.BENCH_BLOCK_EVENTS ?? 20_000)
const ROUNDS = 6

const config = loadConfig({ PULSO_DATA_DIR: '/nonexistent', PULSO_DEMO: '0', PULSO_API_KEYS: 'acme:ingest:bench-prepare-key', PULSO_HASH_KEY: 'bench' })
const events = simulate({
  tenantId: 'acme',
  endDate: new Date('2024-03-31T00:00:00Z'),
  days: 30,
  conversationsPerDay: Math.ceil(EVENTS / 180),
  seed: 42,
  duplicateRate: 0,
})
  .slice(0, EVENTS)
  .map((e) => Buffer.from(JSON.stringify(e)))
const blocks = []
for (let i = 0; i < events.length; i += BLOCK_EVENTS) {
  const builder = new PackedValuesBuilder()
  for (const value of events.slice(i, i + BLOCK_EVENTS)) builder.add(value)
  blocks.push(builder.packed())
}

// The first rounds warm the JIT up; the best of the rest is the least disturbed by the machine.
const perEvent: number[] = []
for (let round = 0; round < ROUNDS; round++) {
  const started = performance.now()
  let rows = 0
  for (const block of blocks) rows += prepareBlock(block, config).rows
  if (rows !== events.length) throw new Error(`expected ${events.length} rows, got ${rows}`)
  perEvent.push(((performance.now() - started) * 1000) / events.length)
}
const measured = perEvent.slice(2)
console.log(
  `preparing ${events.length.toLocaleString('en-US')} events in blocks of ${BLOCK_EVENTS.toLocaleString('en-US')} on one thread: ` +
    `best ${Math.min(...measured).toFixed(1)} µs/event, rounds ${measured.map((us) => us.toFixed(1)).join(' / ')} (${Math.round(1e6 / Math.min(...measured)).toLocaleString('en-US')} events/s)`,
)
