// Two workers in one consumer group share the partitions; when one joins or leaves mid-stream
// the group rebalances, buffered blocks are dropped and re-read, and every event counts once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../cli/logger.ts'
import { openTestPulso, type TestPulso } from '../../tests/helpers.ts'
import { countEvents } from '../../warehouse/repositories/events.ts'
import { simulate } from '../simulator/simulator.ts'
import { createKafka } from './client.ts'
import { GroupObserver } from './group-observer.ts'
import { checkHealth } from './health.ts'
import { caughtUp, createTopic, partitionSeries, produce, type TestBroker, uniqueName, useKafkaBroker, waitForProgress } from './testing.ts'
import { KafkaWorker } from './worker.ts'

let broker: TestBroker
let pulso: TestPulso
const topic = uniqueName('group')
const group = uniqueName('group-workers')
const workers: KafkaWorker[] = []
let aMember = ''

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
  const worker = new KafkaWorker({
    config: { ...pulso.config, kafka: pulso.config.kafka! },
    warehouse: pulso.warehouse,
    facts: pulso.facts,
    logger: createLogger('silent'),
  })
  workers.push(worker)
  return worker
}

const assigned = (w: KafkaWorker) => Object.values(w.status.assignment).reduce((n, p) => n + p.length, 0)
const owned = (w: KafkaWorker) => [...(w.status.assignment[topic] ?? [])].sort()
/** The partitions a worker's /metrics has series of (what GET /metrics serves, read in process). */
async function seriesPartitions(w: KafkaWorker, metric: string): Promise<number[]> {
  return [...partitionSeries(await w.metrics.registry.metrics(), metric, topic).keys()].sort()
}

describe('two workers in one group', () => {
  it('share the partitions, survive a join and a leave mid-stream, and store every event once', async () => {
    const events = simulate({ tenantId: 'acme', endDate: new Date('2024-03-31T00:00:00Z'), days: 6, conversationsPerDay: 250, seed: 11 })
    const distinct = new Set(events.map((e) => e.event_id)).size
    const third = Math.floor(events.length / 3)

    const a = newWorker()
    await a.start()
    await produce(broker.brokers, topic, events.slice(0, third))
    await waitForProgress(broker.brokers, group, topic, (p) => p.committed > 0)
    // A alone owns the 4 partitions, and its committed lag has a series for each.
    expect(await seriesPartitions(a, 'pulso_kafka_consumer_lag')).toEqual([0, 1, 2, 3])

    // B joins while A has work in hand: the group splits the 4 partitions 2 + 2.
    const b = newWorker()
    await b.start()
    await produce(broker.brokers, topic, events.slice(third, 2 * third))
    await expect.poll(() => [assigned(a), assigned(b)], { timeout: 30_000 }).toEqual([2, 2])
    await waitForProgress(broker.brokers, group, topic, (p) => p.committed >= 2 * third - 2_000)
    // The rebalance took 2 partitions from A: their series are gone from A's metrics, and each
    // worker exports the lag of exactly the partitions it owns (the assignments are read again
    // after, to show that no other rebalance ran meanwhile).
    const ownedNow = [owned(a), owned(b)]
    expect(await seriesPartitions(a, 'pulso_kafka_consumer_lag')).toEqual(ownedNow[0])
    expect(await seriesPartitions(b, 'pulso_kafka_consumer_lag')).toEqual(ownedNow[1])
    for (const [w, partitions] of [
      [a, ownedNow[0]],
      [b, ownedNow[1]],
    ] as const) {
      for (const p of await seriesPartitions(w, 'pulso_kafka_fetch_lag')) expect(partitions).toContain(p)
    }
    expect([owned(a), owned(b)]).toEqual(ownedNow)

    // A leaves (as on SIGTERM: stores its block, commits, leaves); B takes all 4 partitions.
    aMember = a.status.memberId!
    await a.stop()
    await produce(broker.brokers, topic, events.slice(2 * third))
    await expect.poll(() => assigned(b), { timeout: 30_000 }).toBe(4)
    await waitForProgress(broker.brokers, group, topic, caughtUp)
    expect(await seriesPartitions(a, 'pulso_kafka_consumer_lag')).toEqual([])
    expect(await seriesPartitions(b, 'pulso_kafka_consumer_lag')).toEqual([0, 1, 2, 3])

    expect(await countEvents(pulso.warehouse, 'acme')).toBe(distinct)
    const stored = async (w: KafkaWorker) => (await w.metrics.events.get()).values.find((v) => v.labels.outcome === 'stored')?.value ?? 0
    expect(await stored(a)).toBeGreaterThan(0)
    expect(await stored(b)).toBeGreaterThan(0)
    expect((await a.metrics.rebalances.get()).values[0]!.value).toBeGreaterThanOrEqual(2)
  })

  it('a worker the coordinator no longer lists is unhealthy; one it lists is healthy', async () => {
    const b = workers[1]!
    expect(await b.health()).toMatchObject({ status: 'ok', problems: [], group: { name: group, member: b.status.memberId } })
    // A left the group above: asked with A's last member id, as if A still believed itself a
    // member (a worker the group dropped while it was frozen), the broker's answer says no.
    const observer = new GroupObserver(createKafka({ brokers: broker.brokers }, createLogger('silent')), group)
    try {
      const report = await checkHealth(
        { state: 'running', group, memberId: aMember, notMemberBecause: undefined, storeFailure: undefined },
        observer,
        pulso.warehouse,
      )
      expect(report.status).toBe('unhealthy')
      expect(report.problems).toEqual([
        `consumer group ${group}: the coordinator does not list this worker (${aMember}) among the group's 1 members (group Stable); it was dropped and has not joined again`,
      ])
    } finally {
      await observer.close()
    }
  })
})
