// A Rasa assistant's event stream (its Kafka event broker's topic) through the Kafka worker with
// --format rasa, on a real broker and embedded ClickHouse: its sessions become conversations whose
// KPIs equal those of the v1 events the stream stands for, posted by hand; a message read twice
// counts once; a message that is not a Rasa event is dead-lettered with its reason and the rest goes on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../cli/logger.ts'
import { getKpis, ndjson, openTestPulso, postEvents, TEST_KEYS, type TestPulso } from '../../tests/helpers.ts'
import { countEvents, listDeadLetters } from '../../warehouse/repositories/events.ts'
import { KAFKA_BLOCKS } from '../kafka/prepare-block.ts'
import { caughtUp, createTopic, type TestBroker, testKafka, uniqueName, useKafkaBroker, waitForProgress } from '../kafka/testing.ts'
import { KafkaWorker } from '../kafka/worker.ts'
import { DEFAULT_RASA_MAPPING } from './map-event.ts'
import { ASSISTANT, actionExecuted, botUttered, epoch, sessionStart, slotSet, turn, userUttered } from './rasa-payloads.ts'

let broker: TestBroker
let pulso: TestPulso
let worker: KafkaWorker
const topic = uniqueName('rasa_core_events')
const group = uniqueName('pulso-rasa')

beforeAll(async () => {
  broker = await useKafkaBroker()
  await createTopic(broker.brokers, topic, 3)
  pulso = await openTestPulso({
    PULSO_KAFKA_BROKERS: broker.brokers.join(','),
    PULSO_KAFKA_TOPIC: topic,
    PULSO_KAFKA_GROUP: group,
    PULSO_KAFKA_BLOCK_MS: '300',
    PULSO_METRICS_PORT: '0',
    // Rasa's default session_expiration_time: 60 minutes
    PULSO_WHATSAPP_SESSION_GAP_HOURS: '1',
  })
  worker = new KafkaWorker({
    config: { ...pulso.config, kafka: pulso.config.kafka! },
    blocks: { ...KAFKA_BLOCKS, source: 'rasa', tenantId: 'acme', rasa: { ...DEFAULT_RASA_MAPPING, tenantId: 'acme' } },
    warehouse: pulso.warehouse,
    facts: pulso.facts,
    logger: createLogger('silent'),
  })
  await worker.start()
})

afterAll(async () => {
  await worker?.stop()
  await pulso?.cleanup()
  await broker?.close()
})

/** Publishes as Rasa's event broker does with partition_by_sender: keyed by sender_id, in order. */
async function publish(messages: (object | string)[]): Promise<void> {
  const producer = testKafka(broker.brokers).producer()
  await producer.connect()
  try {
    await producer.send({
      topic,
      acks: -1,
      messages: messages.map((m) => ({
        key: typeof m === 'string' ? null : String((m as { sender_id?: unknown }).sender_id ?? ''),
        value: typeof m === 'string' ? m : JSON.stringify(m),
      })),
    })
  } finally {
    await producer.disconnect()
  }
}

// 2025-03-04 (UTC). Ana writes over Twilio's WhatsApp connector (sender 'whatsapp:+52…'), Bob over
// the REST channel. Hand-computed:
//   Ana, 10:00: asks for her order 10:00:00.5, the bot answers 10:00:03.5 (frt 3 s)
//   Bob, 11:00: says hello 11:00:00, answer 11:00:10 (frt 10 s), thanks 11:02, answer 11:02:01
//   Ana, 14:00 (four hours later: a new session, a new conversation): the NLU falls back
//     14:00:00 (a bot_fallback), answer 14:00:02 (frt 2 s), she asks for a human 14:01,
//     action_human_handoff 14:01:01 (a handoff, no agent message: no wait), answer 14:01:02
// → 3 conversations, frt median 3 s and mean 5 s, escalation 1/3, handoff context 0/1.
const ANA = 'whatsapp:+5215512345678'
const BOB = '8c6f0d3e2b1a4f59a0e7c2d4b6a8e1f3'
const at = (hms: string, ms = 0) => epoch(`2025-03-04T${hms}Z`) + ms / 1000
const rasaStream = [
  ...sessionStart(ANA, at('09:59:59')),
  ...turn(ANA, at('10:00:00', 500), '¿Dónde está mi pedido?', { name: 'order_status', confidence: 0.95 }, { at: at('10:00:03', 500), text: 'Llega mañana.' }),
  ...sessionStart(BOB, at('10:59:59')),
  ...turn(BOB, at('11:00:00'), 'hola', { name: 'greet', confidence: 0.99 }, { at: at('11:00:10'), text: '¡Hola! ¿En qué te ayudo?' }),
  slotSet(BOB, at('11:00:11'), 'name', null),
  ...turn(BOB, at('11:02:00'), 'gracias', { name: 'thanks', confidence: 0.99 }, { at: at('11:02:01'), text: 'Con gusto.' }),
  ...sessionStart(ANA, at('13:59:59')),
  ...turn(ANA, at('14:00:00'), 'quiero hablar del asunto aquel', { name: 'nlu_fallback', confidence: 0.3 }, { at: at('14:00:02'), text: 'No entendí.' }),
  userUttered(ANA, at('14:01:00'), 'con una persona', { name: 'human_handoff', confidence: 0.98 }),
  actionExecuted(ANA, at('14:01:01'), 'action_human_handoff'),
  botUttered(ANA, at('14:01:02'), 'Te paso con un agente.'),
]

// The same conversations as v1 events, as a producer that knows its conversations would post them (globex).
const v1 = (fields: Record<string, unknown>) => ({
  tenant_id: 'globex',
  type: 'message',
  occurred_at: '',
  bot_version: ASSISTANT.model_id,
  ...fields,
})
const t = (hms: string, ms = 0) => `2025-03-04T${hms}.${String(ms).padStart(3, '0')}Z`
const v1Events = [
  v1({ event_id: 'a1-1', conversation_id: 'a1', customer_id: '+5215512345678', occurred_at: t('10:00:00', 500), sender: 'customer', intent: 'order_status' }),
  v1({ event_id: 'a1-2', conversation_id: 'a1', customer_id: '+5215512345678', occurred_at: t('10:00:03', 500), sender: 'bot' }),
  v1({ event_id: 'b1-1', conversation_id: 'b1', customer_id: BOB, occurred_at: t('11:00:00'), sender: 'customer', intent: 'greet' }),
  v1({ event_id: 'b1-2', conversation_id: 'b1', customer_id: BOB, occurred_at: t('11:00:10'), sender: 'bot' }),
  v1({ event_id: 'b1-3', conversation_id: 'b1', customer_id: BOB, occurred_at: t('11:02:00'), sender: 'customer', intent: 'thanks' }),
  v1({ event_id: 'b1-4', conversation_id: 'b1', customer_id: BOB, occurred_at: t('11:02:01'), sender: 'bot' }),
  v1({ event_id: 'a2-1', conversation_id: 'a2', customer_id: '+5215512345678', occurred_at: t('14:00:00'), sender: 'customer', intent: 'nlu_fallback' }),
  v1({
    event_id: 'a2-2',
    conversation_id: 'a2',
    customer_id: '+5215512345678',
    occurred_at: t('14:00:00'),
    type: 'bot_fallback',
    question: 'quiero hablar del asunto aquel',
    confidence: 0.3,
    intent: 'nlu_fallback',
  }),
  v1({ event_id: 'a2-3', conversation_id: 'a2', customer_id: '+5215512345678', occurred_at: t('14:00:02'), sender: 'bot' }),
  v1({ event_id: 'a2-4', conversation_id: 'a2', customer_id: '+5215512345678', occurred_at: t('14:01:00'), sender: 'customer', intent: 'human_handoff' }),
  v1({
    event_id: 'a2-5',
    conversation_id: 'a2',
    customer_id: '+5215512345678',
    occurred_at: t('14:01:01'),
    type: 'handoff',
    reason: 'customer_request',
    context: { transcript: false, customer_profile: false, intent: null },
  }),
  v1({ event_id: 'a2-6', conversation_id: 'a2', customer_id: '+5215512345678', occurred_at: t('14:01:02'), sender: 'bot' }),
]

const kpiRows = async (key: string, query: string) => {
  const { status, body } = await getKpis(pulso, key, `from=2025-03-04&to=2025-03-04&${query}`)
  expect(status).toBe(200)
  return body.rows as Record<string, unknown>[]
}

describe('a Rasa event stream through the Kafka worker', () => {
  it('gives the KPIs of the v1 events it stands for, and a message read twice counts once', async () => {
    // everything once, then Ana's first session again (a producer retry after a lost ack)
    await publish([...rasaStream, ...rasaStream.slice(0, 8)])
    await waitForProgress(broker.brokers, group, topic, caughtUp)
    // 12 v1 events: 5 customer messages, 5 bot messages, a fallback and a handoff; the stream's
    // session starts, slots, action_listen and featurization markers are not stored
    expect(await countEvents(pulso.warehouse, 'acme')).toBe(12)
    expect((await postEvents(pulso, TEST_KEYS.globexIngest, ndjson(v1Events))).body).toMatchObject({ accepted: 12, rejected: [] })

    const [row] = await kpiRows(TEST_KEYS.acmeRead, 'grain=day')
    expect(row).toMatchObject({
      conversations: 3,
      frt_p50_s: 3, // median of 3, 10, 2
      frt_avg_s: 5, // (3 + 10 + 2) / 3
      handoff_wait_p50_s: null, // no agent wrote
      handoff_context_rate: 0,
      bot_resolution_rate: 0,
    })
    expect(row!.escalation_rate).toBeCloseTo(1 / 3, 12)
    for (const by of ['', '&by=intent', '&by=bot_version', '&by=channel']) {
      expect(await kpiRows(TEST_KEYS.acmeRead, `grain=day${by}`)).toEqual(await kpiRows(TEST_KEYS.globexRead, `grain=day${by}`))
    }
  })

  it('a message that is not a Rasa event is dead-lettered with its reason, and the events behind it are stored', async () => {
    await publish(['{"event": "bot", "timestamp": 1741082400.5}', botUttered(BOB, at('11:02:30'), '¿Algo más?')])
    await waitForProgress(broker.brokers, group, topic, caughtUp)
    expect(await countEvents(pulso.warehouse, 'acme')).toBe(13)
    const letters = await listDeadLetters(pulso.warehouse, 'acme')
    expect(letters.map((l) => l.reason)).toEqual([expect.stringMatching(/^Rasa event: `sender_id`: .* \(kafka .* partition \d offset \d+\)$/)])
  })
})
