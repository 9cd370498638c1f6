// The broker restarts in the middle of a stream: the worker reconnects and goes on, and nothing
// is lost (a private broker, so restarting it disturbs no other test). While the broker is away,
// the worker's /healthz says it has lost its consumer group.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../cli/logger.ts'
import { type RunningBroker, startBroker } from '../../scripts/kafka/broker.ts'
import { openTestPulso, type TestPulso } from '../../tests/helpers.ts'
import { countEvents } from '../../warehouse/repositories/events.ts'
import { simulate } from '../simulator/simulator.ts'
import { caughtUp, createTopic, produce, type TestBroker, uniqueName, useKafkaBroker, waitForProgress } from './testing.ts'
import { KafkaWorker } from './worker.ts'

let broker: TestBroker
let restarted: RunningBroker | undefined
let pulso: TestPulso
let worker: KafkaWorker
const topic = uniqueName('restart')
const group = uniqueName('restart-workers')

beforeAll(async () => {
  broker = await useKafkaBroker({ private: true })
  await createTopic(broker.brokers, topic, 2)
  pulso = await openTestPulso({
    PULSO_KAFKA_BROKERS: broker.brokers.join(','),
    PULSO_KAFKA_TOPIC: topic,
    PULSO_KAFKA_GROUP: group,
    PULSO_KAFKA_BLOCK_EVENTS: '1500',
    PULSO_KAFKA_BLOCK_MS: '200',
    PULSO_KAFKA_SESSION_TIMEOUT_MS: '6000',
    PULSO_METRICS_PORT: '0',
  })
  worker = new KafkaWorker({
    config: { ...pulso.config, kafka: pulso.config.kafka! },
    warehouse: pulso.warehouse,
    facts: pulso.facts,
    logger: createLogger('silent'),
    serveMetrics: true,
  })
  await worker.start()
})

afterAll(async () => {
  await worker?.stop()
  await pulso?.cleanup()
  await restarted?.stop()
  await broker?.close()
})

// The test's own budget holds the budgets of what it does, so that a slow step fails with its own
// message ("the Kafka broker did not start within 90000 ms") instead of a bare test timeout: the
// broker's controlled stop (up to 30 s, then SIGKILL), its start (up to 90 s), and the worker
// catching up (up to 120 s). It runs in the kafka phase of the suite (vitest.config.ts), beside
// at most one other Kafka file: on a busy 2-core machine it took 59 s of its 60 s beside the
// browser test and an engine file.
const RESTART_BUDGET_MS = 30_000 + 90_000 + 120_000 + 2 * 30_000

async function healthz(): Promise<{ status: number; problems: string[] }> {
  const response = await fetch(`http://127.0.0.1:${worker.metricsPort}/healthz`)
  return { status: response.status, problems: ((await response.json()) as { problems: string[] }).problems }
}

describe('a broker restart mid-stream', () => {
  it('the worker reconnects and every event is stored exactly once', { timeout: RESTART_BUDGET_MS }, async () => {
    const events = simulate({ tenantId: 'acme', endDate: new Date('2024-03-31T00:00:00Z'), days: 6, conversationsPerDay: 250, seed: 23 })
    const distinct = new Set(events.map((e) => e.event_id)).size
    const half = Math.floor(events.length / 2)
    await produce(broker.brokers, topic, events.slice(0, half))
    await waitForProgress(broker.brokers, group, topic, (p) => p.committed > 0)

    // Stop the broker while the worker is consuming, then start it again on the same port and data.
    expect(await healthz()).toEqual({ status: 200, problems: [] })
    await broker.private!.stop()
    // (each health check waits at most 3 s for the broker)
    await expect
      .poll(healthz, { timeout: 30_000, interval: 500 })
      .toEqual({ status: 503, problems: expect.arrayContaining([expect.stringMatching(new RegExp(`^consumer group ${group}: `))]) })
    restarted = await startBroker({ dir: broker.private!.dir, heapMb: 512 })
    expect(restarted.brokers).toEqual(broker.brokers)

    await produce(broker.brokers, topic, events.slice(half))
    await waitForProgress(broker.brokers, group, topic, caughtUp, 120_000)
    expect(await countEvents(pulso.warehouse, 'acme')).toBe(distinct)
    expect(worker.status.state).toBe('running')
    await expect.poll(healthz, { timeout: 30_000, interval: 500 }).toEqual({ status: 200, problems: [] })
  })
})
