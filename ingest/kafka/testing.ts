// Test support for the Kafka tests: a real broker (the one scripts/test.sh started, named by
// PULSO_KAFKA_BROKERS, or a private one for a lone test file), and small admin helpers.
// A broker that cannot start throws: the Kafka tests fail, they never skip.

import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Kafka, logLevel } from 'kafkajs'
import { type RunningBroker, startBroker } from '../../scripts/kafka/broker.ts'

export type TestBroker = { brokers: string[]; private?: RunningBroker; close(): Promise<void> }

/** The shared broker when PULSO_KAFKA_BROKERS is set, else a private one for this test file. */
export async function useKafkaBroker(options: { private?: boolean } = {}): Promise<TestBroker> {
  const shared = process.env.PULSO_KAFKA_BROKERS
  if (shared && !options.private) return { brokers: shared.split(','), close: async () => undefined }
  const dir = mkdtempSync(path.join(tmpdir(), 'pulso-kafka-'))
  const broker = await startBroker({ dir, heapMb: 512 })
  return {
    brokers: broker.brokers,
    private: broker,
    close: async () => {
      await broker.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`
}

export function testKafka(brokers: string[]): Kafka {
  return new Kafka({ clientId: 'pulso-test', brokers, logLevel: logLevel.NOTHING, retry: { retries: 30, initialRetryTime: 200, maxRetryTime: 2_000 } })
}

/**
 * Creates a topic and waits until the broker serves every partition. kafkajs's own wait
 * (waitForLeaders) retries only LEADER_NOT_AVAILABLE, but a KRaft broker answers metadata from a
 * cache that learns of the new topic a moment after the controller: on a busy machine the wait
 * failed with UNKNOWN_TOPIC_OR_PARTITION ("This server does not host this topic-partition").
 */
export async function createTopic(brokers: string[], topic: string, partitions: number, timeoutMs = 60_000): Promise<void> {
  const admin = testKafka(brokers).admin()
  await admin.connect()
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: false })
    const deadline = Date.now() + timeoutMs
    for (;;) {
      try {
        const { topics } = await admin.fetchTopicMetadata({ topics: [topic] })
        const served = topics[0]?.partitions ?? []
        if (served.length === partitions && served.every((p) => p.leader >= 0)) return
      } catch (error) {
        if (!(error as { retriable?: boolean }).retriable) throw error
      }
      if (Date.now() > deadline) throw new Error(`topic ${topic}: its ${partitions} partitions have no leader after ${timeoutMs} ms`)
      await new Promise((r) => setTimeout(r, 100))
    }
  } finally {
    await admin.disconnect()
  }
}

/** Publishes events (objects or raw strings), keyed by conversation_id, in chunks, acks=all. */
export async function produce(brokers: string[], topic: string, messages: (object | string)[], chunk = 5_000): Promise<void> {
  const producer = testKafka(brokers).producer()
  await producer.connect()
  try {
    for (let i = 0; i < messages.length; i += chunk) {
      await producer.send({
        topic,
        acks: -1,
        messages: messages.slice(i, i + chunk).map((m) => {
          const value = typeof m === 'string' ? m : JSON.stringify(m)
          const key = typeof m === 'object' && m !== null && 'conversation_id' in m ? String((m as { conversation_id: unknown }).conversation_id) : null
          return { key, value }
        }),
      })
    }
  } finally {
    await producer.disconnect()
  }
}

/** Sum over partitions of the group's committed offsets and of the high watermarks. */
export async function groupProgress(brokers: string[], group: string, topic: string): Promise<{ committed: number; end: number }> {
  const admin = testKafka(brokers).admin()
  await admin.connect()
  try {
    const ends = await admin.fetchTopicOffsets(topic)
    const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] })
    const sum = (values: string[]) => values.reduce((n, v) => n + Math.max(0, Number(v)), 0)
    return { committed: sum(committed?.partitions.map((p) => p.offset) ?? []), end: sum(ends.map((p) => p.high)) }
  } finally {
    await admin.disconnect()
  }
}

/** Per partition: the high watermark minus the group's committed offset (what kafka-consumer-groups.sh calls LAG). */
export async function uncommittedByPartition(brokers: string[], group: string, topic: string): Promise<Map<number, number>> {
  const admin = testKafka(brokers).admin()
  await admin.connect()
  try {
    const ends = await admin.fetchTopicOffsets(topic)
    const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] })
    const committedAt = new Map(committed?.partitions.map((p) => [p.partition, Number(p.offset)]))
    return new Map(ends.map((e) => [e.partition, Number(e.high) - Math.max(Number(e.low), committedAt.get(e.partition) ?? -1)]))
  } finally {
    await admin.disconnect()
  }
}

/** Waits until `predicate` holds for the group's progress; throws after `timeoutMs`. */
export async function waitForProgress(
  brokers: string[],
  group: string,
  topic: string,
  predicate: (p: { committed: number; end: number }) => boolean,
  timeoutMs = 60_000,
): Promise<{ committed: number; end: number }> {
  const deadline = Date.now() + timeoutMs
  let last = { committed: -1, end: -1 }
  while (Date.now() < deadline) {
    try {
      last = await groupProgress(brokers, group, topic)
      if (predicate(last)) return last
    } catch {
      // the broker may be restarting
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(`group ${group} on ${topic}: condition not reached within ${timeoutMs} ms (committed ${last.committed} of ${last.end})`)
}

export const caughtUp = (p: { committed: number; end: number }) => p.end > 0 && p.committed === p.end

/** The values of a per-partition metric in Prometheus text (/metrics), by partition. */
export function partitionSeries(metricsText: string, metric: string, topic: string): Map<number, number> {
  const line = new RegExp(`^${metric}\\{topic="${topic.replace(/[.]/g, '\\.')}",partition="(\\d+)"\\} (\\S+)$`, 'gm')
  return new Map([...metricsText.matchAll(line)].map((m) => [Number(m[1]), Number(m[2])]))
}
