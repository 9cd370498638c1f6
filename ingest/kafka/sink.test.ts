// POST /v1/events with PULSO_INGEST_MODE=kafka: valid events are on the topic, keyed by
// conversation_id, before the API answers; bad ones are rejected and dead-lettered at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../api/app.ts'
import { createLogger } from '../../cli/logger.ts'
import { event, ndjson, openTestPulso, TEST_KEYS, type TestPulso } from '../../tests/helpers.ts'
import { listDeadLetters } from '../../warehouse/repositories/events.ts'
import { createKafkaSink, type KafkaSink } from './sink.ts'
import { createTopic, type TestBroker, testKafka, uniqueName, useKafkaBroker } from './testing.ts'

let broker: TestBroker
let pulso: TestPulso
let kafkaSink: KafkaSink
const topic = uniqueName('http')

beforeAll(async () => {
  broker = await useKafkaBroker()
  await createTopic(broker.brokers, topic, 3)
  pulso = await openTestPulso({ PULSO_KAFKA_BROKERS: broker.brokers.join(','), PULSO_KAFKA_TOPIC: topic, PULSO_INGEST_MODE: 'kafka' })
  expect(pulso.config.kafka?.httpToKafka).toBe(true)
  kafkaSink = await createKafkaSink({ ...pulso.config, kafka: pulso.config.kafka! }, pulso.warehouse, createLogger('silent'))
})

afterAll(async () => {
  await kafkaSink?.close()
  await pulso?.cleanup()
  await broker?.close()
})

describe('POST /v1/events through Kafka', () => {
  it('answers after the broker acknowledged; messages are keyed by conversation_id; rejections are immediate', async () => {
    const app = createApp({ config: pulso.config, warehouse: pulso.warehouse, intake: pulso.intake, bulkLoads: pulso.bulkLoads, sink: kafkaSink.sink })
    const body = ndjson([
      event({ event_id: 'k1', conversation_id: 'conv-a' }),
      event({ event_id: 'k2', conversation_id: 'conv-b', sender: 'bot' }),
      event({ event_id: 'k1', conversation_id: 'conv-a' }),
      event({ event_id: 'k3', conversation_id: 'conv-a', type: 'csat', score: 0, sender: undefined }),
      event({ event_id: 'k4', conversation_id: 'conv-c', tenant_id: 'globex' }),
    ])
    const response = await app.request('/v1/events', {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_KEYS.acmeIngest}`, 'content-type': 'application/x-ndjson' },
      body,
    })
    expect(response.status).toBe(200)
    const result = (await response.json()) as { accepted: number; duplicates: number; rejected: { index: number; event_id: string; reason: string }[] }
    expect(result.accepted).toBe(2)
    expect(result.duplicates).toBe(1)
    expect(result.rejected.map((r) => [r.index, r.event_id])).toEqual([
      [3, 'k3'],
      [4, 'k4'],
    ])
    expect((await listDeadLetters(pulso.warehouse, 'acme')).map((d) => d.event_id).sort()).toEqual(['k3', 'k4'])

    // The answer came after acks=all, so the messages are readable now.
    const admin = testKafka(broker.brokers).admin()
    await admin.connect()
    const ends = await admin.fetchTopicOffsets(topic)
    await admin.disconnect()
    expect(ends.reduce((n, p) => n + Number(p.high), 0)).toBe(2)

    const consumer = testKafka(broker.brokers).consumer({ groupId: uniqueName('reader') })
    const seen: { key: string; eventId: string; partition: number }[] = []
    await consumer.connect()
    await consumer.subscribe({ topic, fromBeginning: true })
    await consumer.run({
      eachMessage: async ({ message, partition }) =>
        void seen.push({ key: message.key!.toString(), eventId: JSON.parse(message.value!.toString()).event_id, partition }),
    })
    try {
      await expect.poll(() => seen.length, { timeout: 20_000 }).toBe(2)
    } finally {
      await consumer.disconnect()
    }
    expect(seen.map((s) => [s.key, s.eventId]).sort()).toEqual([
      ['conv-a', 'k1'],
      ['conv-b', 'k2'],
    ])
  })
})
