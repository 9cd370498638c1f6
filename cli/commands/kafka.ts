// Kafka commands: `pulso ingest kafka` (a worker of the ingest group) and
// `pulso produce FILE --topic T` (publish an NDJSON file, one event per message).
import { setFlagsFromString } from 'node:v8'
import { Presets, SingleBar } from 'cli-progress'
import { type Command, InvalidArgumentError } from 'commander'
import { ConfigError, loadConfig, type PulsoConfig } from '../../config/config.ts'
import { createLogger } from '../logger.ts'

export function register(program: Command): void {
  const ingest = program.commands.find((c) => c.name() === 'ingest')
  if (!ingest) throw new Error('register the ingest command before the Kafka commands')
  // `pulso ingest kafka` is a subcommand; `pulso ingest FILE` still reaches the file action.
  ingest
    .command('kafka')
    .description(
      'run a Kafka ingest worker: joins the consumer group PULSO_KAFKA_GROUP on PULSO_KAFKA_TOPIC (brokers: PULSO_KAFKA_BROKERS), stores events in blocks and commits offsets after each block is stored; /metrics and /healthz (503 when it is not in the group or ClickHouse does not answer) on PULSO_METRICS_PORT; SIGTERM finishes the block in flight and exits 0',
    )
    .action(async () => {
      const config = loadConfig()
      const kafka = requireKafka(config)
      const logger = createLogger(config.logLevel)
      // A worker's heap is capped (NODE_OPTIONS=--max-old-space-size=256 in docker-compose.yml)
      // to keep its RSS down, and under a cap that low V8 lets the heap grow only 1.3× between
      // mark-compacts: the main thread's ~28 MB of live objects were marked 16 times per 300k
      // events. Doubling instead: 4–6 times, ~40 % less CPU on V8's helper threads, ~25 MB more
      // RSS (BENCHMARKS.md). V8 reads this flag at each collection, so setting it now takes effect.
      setFlagsFromString('--heap-growing-percent=100')
      const { openRuntime } = await import('../../runtime/runtime.ts')
      const { KafkaWorker } = await import('../../ingest/kafka/worker.ts')
      const { retryWithBackoff } = await import('../../ingest/kafka/backoff.ts')
      // A worker may start before ClickHouse does (docker compose): wait for it rather than crash.
      const runtime = await retryWithBackoff(() => openRuntime(config, { buildModels: false }), {
        maxMs: 5_000,
        onRetry: (error, attempt, delayMs) => logger.warn({ err: error, attempt, delayMs }, 'warehouse not ready; retrying'),
      })
      const worker = new KafkaWorker({
        config: { ...config, kafka },
        warehouse: runtime.warehouse,
        facts: runtime.facts,
        logger,
        serveMetrics: true,
        onFatal: (error) => {
          logger.fatal({ err: error }, 'the Kafka consumer stopped for good')
          void worker.stop().finally(() => process.exit(1))
        },
      })
      const stop = async (signal: string) => {
        logger.info({ signal }, 'stopping the worker')
        await worker.stop()
        await runtime.close()
        process.exit(0)
      }
      process.once('SIGTERM', () => void stop('SIGTERM'))
      process.once('SIGINT', () => void stop('SIGINT'))
      await worker.start()
    })

  program
    .command('produce')
    .description('publish an NDJSON file of events to a Kafka topic, one event per message keyed by conversation_id, with a progress bar')
    .argument('<file>', 'NDJSON file, or - for standard input')
    .option('--topic <topic>', 'topic (default: PULSO_KAFKA_TOPIC)')
    .option('--brokers <list>', 'host:port,… (default: PULSO_KAFKA_BROKERS)')
    .option('--chunk <n>', 'messages per produce request', (v) => positiveInt(v), 10_000)
    .action(async (file: string, options: { topic?: string; brokers?: string; chunk: number }) => {
      const config = loadConfig({
        ...process.env,
        PULSO_DEMO: process.env.PULSO_DEMO ?? '0',
        ...(options.brokers ? { PULSO_KAFKA_BROKERS: options.brokers } : {}),
      })
      const kafka = requireKafka(config)
      const topic = options.topic ?? kafka.topic
      const { produceFile } = await import('../../ingest/kafka/produce-file.ts')
      const bar = new SingleBar(
        { format: 'produce [{bar}] {percentage}% | {value}/{total} bytes | {messages} messages', hideCursor: true, stream: process.stderr },
        Presets.shades_classic,
      )
      bar.start(1, 0, { messages: 0 })
      try {
        const result = await produceFile(
          file,
          {
            brokers: kafka.brokers,
            topic,
            chunk: options.chunk,
            onProgress: (bytes, total, messages) => {
              bar.setTotal(total || Math.max(bytes, 1))
              bar.update(bytes, { messages })
            },
          },
          createLogger(config.logLevel),
        )
        bar.stop()
        console.log(`${result.messages} messages published to ${topic}`)
      } finally {
        bar.stop()
      }
    })
}

function requireKafka(config: PulsoConfig): NonNullable<PulsoConfig['kafka']> {
  if (!config.kafka) throw new ConfigError('PULSO_KAFKA_BROKERS is not set: give the Kafka brokers as host:port,host:port')
  return config.kafka
}

function positiveInt(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive integer')
  return n
}
