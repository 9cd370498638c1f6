// Kafka commands: `pulso ingest kafka` (a worker of the ingest group) and
// `pulso produce FILE --topic T` (publish an NDJSON file, one event per message).
import { setFlagsFromString } from 'node:v8'
import { Presets, SingleBar } from 'cli-progress'
import { type Command, InvalidArgumentError } from 'commander'
import { ConfigError, type KafkaSettings, loadConfig, type PulsoConfig } from '../../config/config.ts'
import { KAFKA_BLOCKS, type PrepareOptions } from '../../ingest/kafka/prepare-block.ts'
import { DEFAULT_RASA_MAPPING, HANDOFF_REASONS, type HandoffReason, type RasaMapping } from '../../ingest/rasa/map-event.ts'
import { createLogger } from '../logger.ts'

export function register(program: Command): void {
  const ingest = program.commands.find((c) => c.name() === 'ingest')
  if (!ingest) throw new Error('register the ingest command before the Kafka commands')
  // `pulso ingest kafka` is a subcommand; `pulso ingest FILE` still reaches the file action.
  ingest
    .command('kafka')
    .description(
      "run a Kafka ingest worker: joins the consumer group PULSO_KAFKA_GROUP on PULSO_KAFKA_TOPIC (brokers: PULSO_KAFKA_BROKERS), stores events in blocks and commits offsets after each block is stored; /metrics and /healthz (503 when it is not in the group or ClickHouse does not answer) on PULSO_METRICS_PORT; SIGTERM finishes the block in flight and exits 0. With --format rasa it reads the tracker events of Rasa's Kafka event broker for one tenant (docs/integrations.md)",
    )
    .option('--format <format>', 'what a message is: pulso (one v1 event) or rasa (one Rasa tracker event)', 'pulso')
    .option('--topic <topic>', "the topic (default: PULSO_KAFKA_TOPIC; with --format rasa: rasa_core_events, Rasa's default)")
    .option('--group <group>', 'the consumer group (default: PULSO_KAFKA_GROUP; with --format rasa: pulso-rasa-<tenant>)')
    .addHelpText(
      'after',
      "\nWith --format rasa, --tenant <id> (an option of `pulso ingest`) names the tenant the assistant's events belong to; it is required.",
    )
    .option('--channel <name>', 'rasa: the channel of every event', DEFAULT_RASA_MAPPING.channel)
    .option(
      '--handoff-actions <list>',
      'rasa: actions that hand off to a human, as name or name=reason (reason: customer_request, bot_fallback, policy, sentiment, other; default customer_request)',
      Object.keys(DEFAULT_RASA_MAPPING.handoffActions).join(','),
    )
    .option('--handoff-context <list>', 'rasa: what the handoff actions pass to the agent: transcript, customer_profile (comma separated)', '')
    .option('--fallback-intents <list>', 'rasa: intents that mean the NLU did not understand', DEFAULT_RASA_MAPPING.fallbackIntents.join(','))
    .option(
      '--fallback-threshold <n>',
      'rasa: a user message whose intent confidence is below this is a fallback (0: only the fallback intents)',
      (v) => fraction(v),
      DEFAULT_RASA_MAPPING.fallbackThreshold,
    )
    .action(async (ownOptions: Omit<WorkerOptions, 'tenant'>, command: Command) => {
      const config = loadConfig()
      // --tenant is the ingest command's own option: `pulso ingest kafka --format rasa --tenant acme`
      const options: WorkerOptions = { ...ownOptions, tenant: command.optsWithGlobals<{ tenant?: string }>().tenant }
      const kafka = workerKafkaSettings(requireKafka(config), options)
      const blocks = workerBlocks(config, options, command)
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
        blocks,
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

type WorkerOptions = {
  format: string
  topic?: string
  group?: string
  tenant?: string
  channel: string
  handoffActions: string
  handoffContext: string
  fallbackIntents: string
  fallbackThreshold: number
}

const RASA_ONLY = ['channel', 'handoffActions', 'handoffContext', 'fallbackIntents', 'fallbackThreshold'] as const

/** The topic and group of this worker: the options', else the format's defaults. */
function workerKafkaSettings(kafka: KafkaSettings, options: WorkerOptions): KafkaSettings {
  const rasa = options.format === 'rasa'
  const topic = options.topic ?? (rasa ? 'rasa_core_events' : kafka.topic)
  // A Rasa topic gets a group of its own: sharing the v1 workers' group would mix two subscriptions in one group.
  const group = options.group ?? (rasa ? `pulso-rasa-${options.tenant}` : kafka.group)
  const deadLetterTopic = topic === kafka.topic ? kafka.deadLetterTopic : `${topic}.dead-letters`
  return { ...kafka, topic, group, deadLetterTopic }
}

/** How the worker reads a message; a Rasa option without --format rasa, or a bad one, is an error naming it. */
function workerBlocks(config: PulsoConfig, options: WorkerOptions, command: Command): PrepareOptions {
  if (options.format === 'pulso') {
    const misplaced: string[] = RASA_ONLY.filter((name) => command.getOptionValueSource(name) === 'cli')
    if (command.parent?.getOptionValueSource('tenant') === 'cli') misplaced.unshift('tenant')
    if (misplaced.length > 0) throw new ConfigError(`--${kebab(misplaced[0]!)} applies to --format rasa only`)
    return KAFKA_BLOCKS
  }
  if (options.format !== 'rasa') throw new ConfigError(`--format: expected pulso or rasa, got '${options.format}'`)
  const tenantId = options.tenant
  if (!tenantId) throw new ConfigError("--format rasa needs --tenant: the tenant the assistant's events belong to")
  if (!config.tenants.has(tenantId)) {
    throw new ConfigError(`--tenant: '${tenantId}' is not a configured tenant (known: ${[...config.tenants.keys()].join(', ') || 'none'})`)
  }
  const rasa: RasaMapping = {
    tenantId,
    channel: options.channel,
    handoffActions: handoffActions(options.handoffActions),
    handoffContext: handoffContext(options.handoffContext),
    fallbackIntents: list(options.fallbackIntents),
    fallbackThreshold: options.fallbackThreshold,
  }
  return { ...KAFKA_BLOCKS, source: 'rasa', tenantId, rasa }
}

function handoffActions(value: string): Record<string, HandoffReason> {
  const actions: Record<string, HandoffReason> = {}
  for (const entry of list(value)) {
    const [name, reason = 'customer_request'] = entry.split('=')
    if (!(HANDOFF_REASONS as readonly string[]).includes(reason)) {
      throw new ConfigError(`--handoff-actions: '${entry}': the reason must be one of ${HANDOFF_REASONS.join(', ')}`)
    }
    actions[name!] = reason as HandoffReason
  }
  return actions
}

function handoffContext(value: string): RasaMapping['handoffContext'] {
  const parts = list(value)
  const unknown = parts.find((p) => p !== 'transcript' && p !== 'customer_profile')
  if (unknown) throw new ConfigError(`--handoff-context: '${unknown}': expected transcript or customer_profile`)
  return { transcript: parts.includes('transcript'), customer_profile: parts.includes('customer_profile') }
}

const list = (value: string) =>
  value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '')
const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)

function fraction(value: string): number {
  const n = Number(value)
  if (value.trim() === '' || !(n >= 0 && n <= 1)) throw new InvalidArgumentError('expected a number from 0 to 1')
  return n
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
