// One place that builds kafkajs clients for Pulso: the broker list from the config, kafkajs's
// own log lines routed into pino, and the topics a worker needs.
import { Kafka, type LogEntry, logLevel } from 'kafkajs'
import type { Logger } from 'pino'
import type { KafkaSettings } from '../../config/config.ts'

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
}

export function createKafka(settings: Pick<KafkaSettings, 'brokers'>, logger: Logger, clientId = 'pulso'): Kafka {
  return new Kafka({
    clientId,
    brokers: settings.brokers,
    // A broker restart takes seconds; the default 5 retries (about 10 s in all) give up too soon.
    retry: { initialRetryTime: 300, maxRetryTime: 5_000, retries: 30 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, ...rest } = log
        logger[LEVELS[level] ?? 'info']({ kafkajs: rest }, message)
      },
  })
}

/** Creates the events topic and the dead-letter topic when missing (partitions from the config). */
export async function ensureTopics(kafka: Kafka, settings: Pick<KafkaSettings, 'topic' | 'deadLetterTopic' | 'partitions'>): Promise<void> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    const existing = new Set(await admin.listTopics())
    const topics = [
      { topic: settings.topic, numPartitions: settings.partitions },
      { topic: settings.deadLetterTopic, numPartitions: 1 },
    ].filter((t) => !existing.has(t.topic))
    if (topics.length) await admin.createTopics({ topics, waitForLeaders: true })
  } finally {
    await admin.disconnect()
  }
}
