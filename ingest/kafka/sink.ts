// POST /v1/events through Kafka (PULSO_INGEST_MODE=kafka): the batch is validated as the direct
// intake would, bad events are dead-lettered and reported at once, and the valid ones are
// published keyed by conversation_id (one conversation stays in one partition, in order).
// The API answers after the broker acknowledged every message with acks=all; the workers store
// them. `accepted` counts events accepted onto the topic: a repeat of an event stored earlier
// cannot be known here, so it is accepted and then counted once by the models.
import { Partitioners, type Producer } from 'kafkajs'
import type { Logger } from 'pino'
import type { KafkaSettings, PulsoConfig } from '../../config/config.ts'
import type { Warehouse } from '../../warehouse/client.ts'
import { insertDeadLetters } from '../../warehouse/repositories/events.ts'
import { type EventSink, prepareBatch } from '../intake.ts'
import { createKafka } from './client.ts'

export type KafkaSink = { sink: EventSink; close(): Promise<void> }

export async function createKafkaSink(
  config: Pick<PulsoConfig, 'hashKey' | 'tenants'> & { kafka: KafkaSettings },
  warehouse: Warehouse,
  logger: Logger,
  source = 'http',
): Promise<KafkaSink> {
  const producer: Producer = createKafka(config.kafka, logger, 'pulso-api').producer({
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  })
  await producer.connect()
  const sink: EventSink = async (items, tenantId) => {
    const prepared = prepareBatch(items, config, { source, tenantId })
    await insertDeadLetters(warehouse, prepared.deadLetters)
    if (prepared.rows.length) {
      await producer.send({
        topic: config.kafka.topic,
        acks: -1,
        messages: prepared.rowIndexes.map((index, i) => ({ key: String(prepared.rows[i]!.conversation_id), value: items[index]!.raw })),
      })
    }
    return { accepted: prepared.rows.length, duplicates: prepared.duplicatesInBatch, rejected: prepared.rejected }
  }
  return { sink, close: () => producer.disconnect() }
}
