// Two workers in one consumer group share the partitions; when one joins or leaves mid-stream
// the group rebalances, buffered blocks are dropped and re-read, and every event counts once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../cli/logger.ts'
import { openTestPulso, type TestPulso } from '../../tests/helpers.ts'
import { countEvents } from '../../warehouse/repositories/events.ts'
import { simulate } from '../simulator/simulator.ts'
import { caughtUp, createTopic, produce, uniqueName, useKafkaBroker, waitForProgress, type TestBroker } from './testing.ts'
import { KafkaWorker } from './worker.ts'

let broker: TestBroker
let pulso: TestPulso
const topic = uniqueName('group')
const group = uniqueName('group-workers')
const workers: KafkaWorker[] = []

beforeAll(async () => {
  broker = await useKafkaBroker()
  await createTopic(broker.brokers, topic, 4)
  pulso = await openTestPulso({
    PULSO_KAFKA_BROKERS: broker.brokers.join(','),
    PULSO_KAFKA_TOPIC: topic,
    PULSO_KAFKA_GROUP: group,
    PULSO_KAFKA_BLOCK_EVENTS: '2000',
    PULSO_KAFKA_BLOCK_MS: '200',
    PULSO_KAFKA_SESSION_TIMEOUT_MS: '6000',
  })
})

afterAll(async () => {
  for (const w of workers) await w.stop()
  await pulso?.cleanup()
  await broker?.close()
})

// Both workers share one embedded warehouse (one chDB per process); each is its own group member
// with its own kafkajs consumer, exactly as two processes would be against a ClickHouse server.
function newWorker(): KafkaWorker {
  const worker = new KafkaWorker({ config: { ...pulso.config, kafka: pulso.config.kafka! }, warehouse: pulso.warehouse, facts: pulso.facts, logger: createLogger('silent') })
  workers.push(worker)
  return worker
}

const assigned = (w: KafkaWorker) => Object.values(w.status.assignment).reduce((n, p) => n + p.length, 0)

describe('two workers in one group', () => {
  it('share the partitions, survive a join and a leave mid-stream, and store every event once', async () => {
    const events = simulate({ tenantId: 'acme', endDate: new Date('2024-03-31T00:00:00Z'), days: 6, conversationsPerDay: 250, seed: 11 })
    const distinct = new Set(events.map((e) => e.event_id)).size
    const third = Math.floor(events.length / 3)

    const a = newWorker()
    await a.start()
    await produce(broker.brokers, topic, events.slice(0, third))
    await waitForProgress(broker.brokers, group, topic, (p) => p.committed > 0)

    // B joins while A has work in hand: the group splits the 4 partitions 2 + 2.
    const b = newWorker()
    await b.start()
    await produce(broker.brokers, topic, events.slice(third, 2 * third))
    await expect.poll(() => [assigned(a), assigned(b)], { timeout: 30_000 }).toEqual([2, 2])
    await waitForProgress(broker.brokers, group, topic, (p) => p.committed >= 2 * third - 2_000)

    // A leaves (as on SIGTERM: stores its block, commits, leaves); B takes all 4 partitions.
    await a.stop()
    await produce(broker.brokers, topic, events.slice(2 * third))
    await expect.poll(() => assigned(b), { timeout: 30_000 }).toBe(4)
    await waitForProgress(broker.brokers, group, topic, caughtUp)

    expect(await countEvents(pulso.warehouse, 'acme')).toBe(distinct)
    const stored = async (w: KafkaWorker) => (await w.metrics.events.get()).values.find((v) => v.labels.outcome === 'stored')?.value ?? 0
    expect(await stored(a)).toBeGreaterThan(0)
    expect(await stored(b)).toBeGreaterThan(0)
    expect((await a.metrics.rebalances.get()).values[0]!.value).toBeGreaterThanOrEqual(2)
  })
})
