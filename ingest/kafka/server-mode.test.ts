// `pulso start` with PULSO_INGEST_MODE=kafka: the running server's POST /v1/events publishes to
// the topic instead of writing to ClickHouse.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningServer, startServer } from '../../api/server.ts'
import { createLogger } from '../../cli/logger.ts'
import { freePort } from '../../scripts/kafka/broker.ts'
import { event, makeTestConfig, ndjson, TEST_KEYS } from '../../tests/helpers.ts'
import { countEvents } from '../../warehouse/repositories/events.ts'
import { createTopic, groupProgress, type TestBroker, uniqueName, useKafkaBroker } from './testing.ts'

let broker: TestBroker
let server: RunningServer
const topic = uniqueName('server')

beforeAll(async () => {
  broker = await useKafkaBroker()
  await createTopic(broker.brokers, topic, 2)
  const config = makeTestConfig({
    PULSO_KAFKA_BROKERS: broker.brokers.join(','),
    PULSO_KAFKA_TOPIC: topic,
    PULSO_INGEST_MODE: 'kafka',
    PORT: String(await freePort()),
  })
  server = await startServer(config, createLogger('silent'))
})
afterAll(async () => {
  await server?.close()
  await broker?.close()
})

describe('the server in Kafka ingest mode', () => {
  it('publishes POST /v1/events to the topic and stores nothing itself', async () => {
    const response = await fetch(`${server.url}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_KEYS.acmeIngest}`, 'content-type': 'application/x-ndjson' },
      body: ndjson([event({ event_id: 's1' }), event({ event_id: 's2', sender: 'bot' })]),
    })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ accepted: 2, duplicates: 0, rejected: [] })
    expect((await groupProgress(broker.brokers, uniqueName('nobody'), topic)).end).toBe(2)
    expect(await countEvents(server.runtime.warehouse, 'acme')).toBe(0)
  })
})
