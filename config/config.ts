// Pulso's configuration: read and validated once at start-up into a typed object.
// The rest of the code receives a `PulsoConfig`; nothing else reads process.env.

import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import { type AfterHandoffConfig, loadAfterHandoffConfig, type SlaPolicy } from './after-handoff.ts'
import { type OperatingLoopConfig, parseOperatingLoop } from './operating-loop.ts'
import { loadSsoConfig, type SsoConfig } from './sso.ts'
import { loadTwilioConfig, type TwilioConfig } from './twilio.ts'
import { type ChatwootConfig, loadChatwootConfig, loadWhatsAppConfig, type WhatsAppConfig } from './whatsapp.ts'

export const ROLES = ['ingest', 'read', 'admin'] as const
export type Role = (typeof ROLES)[number]

const tenantIdSchema = z.string().regex(/^[a-z0-9_-]{1,64}$/, 'tenant ids are 1–64 characters of [a-z0-9_-]')

const tenantFileSchema = z.object({
  name: z.string().optional(),
  timezone: z.string().default('UTC'),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as USD')
    .default('USD'),
  store_text: z.boolean().default(false),
})

const apiKeyFileSchema = z.object({
  tenant: tenantIdSchema,
  role: z.enum(ROLES),
  key: z.string().min(8, 'API keys are at least 8 characters'),
})

/** The optional YAML/JSON config file (PULSO_CONFIG, default ./pulso.config.yaml). */
const configFileSchema = z
  .object({
    tenants: z.record(tenantIdSchema, tenantFileSchema).default({}),
    api_keys: z.array(apiKeyFileSchema).default([]),
  })
  .passthrough()

export type TenantSettings = {
  id: string
  name: string
  timezone: string
  currency: string
  storeText: boolean
  /** SLA policies after the handoff (config file section `sla`); none: no SLA is checked. */
  sla?: SlaPolicy[]
}
export type ApiKey = { tenant: string; role: Role; key: string }

export type PulsoConfig = {
  dataDir: string
  database: string
  /** Set when a ClickHouse server is used instead of embedded chDB. */
  clickhouse?: { url: string; username: string; password: string }
  port: number
  demo: boolean
  /** Size of the simulated demo tenant (PULSO_DEMO_DAYS, PULSO_DEMO_PER_DAY); smaller keeps tests fast. */
  demoSize?: { days: number; conversationsPerDay: number }
  hashKey: string
  apiKeys: ApiKey[]
  tenants: Map<string, TenantSettings>
  maxBodyBytes: number
  /** The largest body POST /v1/events/bulk takes, decoded (PULSO_MAX_BULK_BYTES). */
  maxBulkBytes: number
  extraModelsDir?: string
  /** Limits on every POST /v1/sql query (PULSO_SQL_MAX_*), enforced by ClickHouse settings. */
  sqlLimits: SqlLimits
  /** How many POST /v1/sql statements run at once, per tenant and in all, and how many wait. */
  sqlConcurrency: SqlConcurrency
  logLevel: string
  /** The raw config file, for later parts (goals, webhooks) that read their own sections. */
  file: Record<string, unknown>
  kafka?: KafkaSettings
  /** Goals, use cases, regression settings and alert webhooks (config file sections; demo defaults). */
  operatingLoop: OperatingLoopConfig
  /** WhatsApp webhooks: verify tokens and app secrets per tenant, session gap, price table. */
  whatsapp: WhatsAppConfig
  /** Chatwoot webhooks: a secret URL token per tenant. */
  chatwoot: ChatwootConfig
  /** Twilio WhatsApp webhooks: an auth token per tenant, and the public URL Twilio calls. */
  twilio: TwilioConfig
  /** After the handoff: agents' display names and SLA policies per tenant (config file sections `agents`, `sla`). */
  afterHandoff: AfterHandoffConfig
  /** People's sign-in: how long a session lasts, the proxy in front, when failed sign-ins slow down and lock. */
  accounts: AccountSettings
  /** Single sign-on: the OpenID Connect provider of each tenant that has one (config file section `sso`). */
  sso: SsoConfig
}

export type AccountSettings = {
  /** A session ends this long after sign-in (PULSO_SESSION_HOURS). */
  sessionHours: number
  /** Believe X-Forwarded-Proto and X-Forwarded-For from the proxy in front (PULSO_TRUST_PROXY=1). */
  trustProxy: boolean
  /** Failures of one account before each further one is answered a second later (PULSO_SIGN_IN_SLOW_AFTER). */
  slowAfter: number
  /** Failures of one account that lock it (PULSO_SIGN_IN_LOCK_AFTER)… */
  lockAfter: number
  /** …and failures from one client address that lock it (PULSO_SIGN_IN_ADDRESS_LOCK_AFTER)… */
  addressLockAfter: number
  /** …for this many minutes (PULSO_SIGN_IN_LOCK_MINUTES). */
  lockMinutes: number
}

/** Kafka, set when PULSO_KAFKA_BROKERS is: the topic, the worker group and how workers cut blocks. */
export type KafkaSettings = {
  brokers: string[]
  topic: string
  group: string
  /** Where bad messages go, with the reason in a header (PULSO_KAFKA_DEAD_LETTER_TOPIC). */
  deadLetterTopic: string
  /** Partitions of the topic when a worker creates it (PULSO_KAFKA_PARTITIONS). */
  partitions: number
  /** A block is stored when it holds this many events (PULSO_KAFKA_BLOCK_EVENTS)… */
  blockEvents: number
  /** …or when its first event has waited this long (PULSO_KAFKA_BLOCK_MS). */
  blockMs: number
  /** Threads that validate and encode a block, each a share of it (PULSO_KAFKA_PREPARE_THREADS). */
  prepareThreads: number
  /** How long the group waits for a silent worker before giving its partitions away (PULSO_KAFKA_SESSION_TIMEOUT_MS). */
  sessionTimeoutMs: number
  /** How often a worker tells the group it is alive (PULSO_KAFKA_HEARTBEAT_INTERVAL_MS; below a third of the session timeout). */
  heartbeatIntervalMs: number
  /** Port of the worker's /metrics and /healthz (PULSO_METRICS_PORT; 0 picks a free one). */
  metricsPort: number
  /** POST /v1/events publishes to the topic instead of writing to ClickHouse (PULSO_INGEST_MODE=kafka). */
  httpToKafka: boolean
}

/** Ceilings for the data teams' ad-hoc SQL: time, memory, rows and bytes of the result, and the engine's threads. */
export type SqlLimits = { maxExecutionSeconds: number; maxMemoryBytes: number; maxResultRows: number; maxResultBytes: number; maxThreads: number }

/** Statements of the data teams' ad-hoc SQL that run at once: per tenant, in all, and how many of a tenant's may wait. */
export type SqlConcurrency = { perTenant: number; queuedPerTenant: number; total: number }

export class ConfigError extends Error {
  override name = 'ConfigError'
}

type Env = Record<string, string | undefined>

/** Parses `tenant:role:key,tenant:role:key` (PULSO_API_KEYS). */
export function parseApiKeys(value: string | undefined): ApiKey[] {
  if (!value?.trim()) return []
  return value.split(',').map((entry, i) => {
    const [tenant, role, ...rest] = entry.trim().split(':')
    const key = rest.join(':')
    const parsed = apiKeyFileSchema.safeParse({ tenant, role, key })
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      throw new ConfigError(
        `PULSO_API_KEYS entry ${i + 1} ('${tenant ?? ''}:${role ?? ''}:…'): ${issue?.path.join('.')}: ${issue?.message}; expected tenant:role:key with role ingest, read or admin`,
      )
    }
    return parsed.data
  })
}

function readConfigFile(file: string | undefined, required: boolean): z.infer<typeof configFileSchema> {
  if (!file || !existsSync(file)) {
    if (required) throw new ConfigError(`config file ${file} does not exist (PULSO_CONFIG)`)
    return configFileSchema.parse({})
  }
  let raw: unknown
  try {
    raw = parseYaml(readFileSync(file, 'utf8'))
  } catch (error) {
    throw new ConfigError(`config file ${file} is not valid YAML/JSON: ${(error as Error).message}`)
  }
  const parsed = configFileSchema.safeParse(raw ?? {})
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new ConfigError(`config file ${file}: ${issue?.path.join('.')}: ${issue?.message}`)
  }
  return parsed.data
}

/** The hashing key for phone numbers: configured, or generated once and kept in the data folder. */
function resolveHashKey(env: Env, dataDir: string): string {
  if (env.PULSO_HASH_KEY) return env.PULSO_HASH_KEY
  const keyFile = path.join(dataDir, 'hash.key')
  if (existsSync(keyFile)) return readFileSync(keyFile, 'utf8').trim()
  mkdirSync(dataDir, { recursive: true })
  const key = randomBytes(32).toString('hex')
  writeFileSync(keyFile, `${key}\n`, { mode: 0o600 })
  return key
}

function positiveInt(env: Env, name: string, fallback: number): number {
  const value = env[name]
  if (value === undefined || value === '') return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n <= 0) throw new ConfigError(`${name} must be a positive integer, got '${value}'`)
  return n
}

function booleanFlag(env: Env, name: string): boolean {
  const value = env[name]
  if (value === undefined || value === '' || value === '0') return false
  if (value === '1') return true
  throw new ConfigError(`${name} must be 0 or 1, got '${value}'`)
}

/** libuv's worker threads, which Node sizes once from UV_THREADPOOL_SIZE before any code runs. */
const DEFAULT_UV_THREADPOOL_SIZE = 4
/** Worker threads kept from the SQL statements: Pulso's own chDB connection, and files, DNS and zlib. */
const THREADS_KEPT_FROM_SQL = 2

function sqlConcurrency(env: Env, embedded: boolean): SqlConcurrency {
  const perTenant = positiveInt(env, 'PULSO_SQL_MAX_CONCURRENT_PER_TENANT', 2)
  const queued = env.PULSO_SQL_MAX_QUEUED_PER_TENANT
  // 0 is allowed: no line, a statement without a free slot is refused at once
  const queuedPerTenant = queued === undefined || queued === '' ? 4 : Number(queued)
  if (!Number.isInteger(queuedPerTenant) || queuedPerTenant < 0)
    throw new ConfigError(`PULSO_SQL_MAX_QUEUED_PER_TENANT must be 0 or a positive integer, got '${queued}'`)
  const total = positiveInt(env, 'PULSO_SQL_MAX_CONCURRENT', 2)
  if (embedded) {
    // On embedded chDB a running statement holds one of libuv's worker threads until it ends.
    const threads = positiveInt(env, 'UV_THREADPOOL_SIZE', DEFAULT_UV_THREADPOOL_SIZE)
    if (total > threads - THREADS_KEPT_FROM_SQL) {
      throw new ConfigError(
        `PULSO_SQL_MAX_CONCURRENT (${total}) must leave ${THREADS_KEPT_FROM_SQL} of libuv's ${threads} worker threads to the rest of Pulso: at most ${Math.max(0, threads - THREADS_KEPT_FROM_SQL)}, or start Node with a larger UV_THREADPOOL_SIZE`,
      )
    }
  }
  return { perTenant, queuedPerTenant, total }
}

function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz })
    return true
  } catch {
    return false
  }
}

export function loadConfig(env: Env = process.env): PulsoConfig {
  const dataDir = path.resolve(env.PULSO_DATA_DIR || './data')
  const configPath = env.PULSO_CONFIG ?? 'pulso.config.yaml'
  const file = readConfigFile(configPath, env.PULSO_CONFIG !== undefined)
  const demo = env.PULSO_DEMO !== '0'

  const apiKeys = [...file.api_keys, ...parseApiKeys(env.PULSO_API_KEYS)]
  if (demo) {
    apiKeys.push(
      { tenant: 'demo', role: 'ingest', key: 'demo-ingest-key' },
      { tenant: 'demo', role: 'read', key: 'demo-read-key' },
      { tenant: 'demo', role: 'admin', key: 'demo-admin-key' },
    )
  }

  const tenants = new Map<string, TenantSettings>()
  const addTenant = (id: string, settings: Partial<z.infer<typeof tenantFileSchema>>) => {
    const timezone = settings.timezone ?? 'UTC'
    if (!isValidTimeZone(timezone)) throw new ConfigError(`tenant ${id}: unknown time zone '${timezone}'`)
    tenants.set(id, {
      id,
      name: settings.name ?? id,
      timezone,
      currency: settings.currency ?? 'USD',
      storeText: settings.store_text ?? false,
    })
  }
  if (demo) addTenant('demo', { name: 'Demo Retail', timezone: 'America/Mexico_City', currency: 'MXN', store_text: true })
  for (const [id, settings] of Object.entries(file.tenants)) addTenant(id, settings)
  // A tenant known only through its keys gets the defaults (UTC, USD).
  for (const key of apiKeys) if (!tenants.has(key.tenant)) addTenant(key.tenant, {})

  const clickhouseUrl = env.CLICKHOUSE_URL
  const brokers = env.PULSO_KAFKA_BROKERS?.split(',')
    .map((b) => b.trim())
    .filter(Boolean)

  const operatingLoop = parseOperatingLoop(file as Record<string, unknown>, demo)
  if ('error' in operatingLoop) throw new ConfigError(`config file ${configPath}: ${operatingLoop.error}`)

  const database = env.PULSO_DATABASE || 'pulso'
  if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(database)) throw new ConfigError(`PULSO_DATABASE must be an identifier, got '${database}'`)

  return {
    dataDir,
    database,
    clickhouse: clickhouseUrl ? { url: clickhouseUrl, username: env.CLICKHOUSE_USER || 'default', password: env.CLICKHOUSE_PASSWORD || '' } : undefined,
    port: env.PORT === '0' ? 0 : positiveInt(env, 'PORT', 8080), // 0 picks a free port
    demo,
    demoSize: { days: positiveInt(env, 'PULSO_DEMO_DAYS', 60), conversationsPerDay: positiveInt(env, 'PULSO_DEMO_PER_DAY', 120) },
    hashKey: resolveHashKey(env, dataDir),
    apiKeys,
    tenants,
    maxBodyBytes: positiveInt(env, 'PULSO_MAX_BODY_BYTES', 10 * 1024 * 1024),
    maxBulkBytes: positiveInt(env, 'PULSO_MAX_BULK_BYTES', 16 * 1024 ** 3),
    extraModelsDir: env.PULSO_MODELS_DIR || undefined,
    sqlLimits: {
      maxExecutionSeconds: positiveInt(env, 'PULSO_SQL_MAX_EXECUTION_SECONDS', 30),
      maxMemoryBytes: positiveInt(env, 'PULSO_SQL_MAX_MEMORY_BYTES', 1024 * 1024 * 1024),
      maxResultRows: positiveInt(env, 'PULSO_SQL_MAX_RESULT_ROWS', 1_000_000),
      maxResultBytes: positiveInt(env, 'PULSO_SQL_MAX_RESULT_BYTES', 256 * 1024 * 1024),
      maxThreads: positiveInt(env, 'PULSO_SQL_MAX_THREADS', 1),
    },
    sqlConcurrency: sqlConcurrency(env, clickhouseUrl === undefined),
    logLevel: env.PULSO_LOG_LEVEL || (env.NODE_ENV === 'test' ? 'silent' : 'info'),
    file: file as Record<string, unknown>,
    kafka: brokers?.length ? kafkaSettings(env, brokers) : undefined,
    operatingLoop,
    whatsapp: loadWhatsAppConfig(file as Record<string, unknown>, env, (message) => {
      throw new ConfigError(message)
    }),
    chatwoot: loadChatwootConfig(file as Record<string, unknown>, env, (message) => {
      throw new ConfigError(message)
    }),
    twilio: loadTwilioConfig(file as Record<string, unknown>, env, (message) => {
      throw new ConfigError(message)
    }),
    sso: loadSsoConfig(file as Record<string, unknown>, env, (message) => {
      throw new ConfigError(message)
    }),
    accounts: {
      sessionHours: positiveInt(env, 'PULSO_SESSION_HOURS', 12),
      trustProxy: booleanFlag(env, 'PULSO_TRUST_PROXY'),
      slowAfter: positiveInt(env, 'PULSO_SIGN_IN_SLOW_AFTER', 3),
      lockAfter: positiveInt(env, 'PULSO_SIGN_IN_LOCK_AFTER', 10),
      addressLockAfter: positiveInt(env, 'PULSO_SIGN_IN_ADDRESS_LOCK_AFTER', 50),
      lockMinutes: positiveInt(env, 'PULSO_SIGN_IN_LOCK_MINUTES', 15),
    },
    afterHandoff: loadAfterHandoffConfig(
      file as Record<string, unknown>,
      (message) => {
        throw new ConfigError(`config file ${configPath}: ${message}`)
      },
      demo,
    ),
  }
}

function kafkaSettings(env: Env, brokers: string[]): KafkaSettings {
  const topic = env.PULSO_KAFKA_TOPIC || 'pulso.events'
  const mode = env.PULSO_INGEST_MODE || 'direct'
  if (mode !== 'direct' && mode !== 'kafka') throw new ConfigError(`PULSO_INGEST_MODE must be direct or kafka, got '${mode}'`)
  const metricsPort = env.PULSO_METRICS_PORT === '0' ? 0 : positiveInt(env, 'PULSO_METRICS_PORT', 9464)
  // The default is the value npm run bench:failover measured: short enough that a killed worker's
  // partitions soon move to the others, long enough that a busy 2-core machine saw no rebalance
  // nobody asked for (docs/kafka.md#failover-when-a-worker-dies).
  const sessionTimeoutMs = positiveInt(env, 'PULSO_KAFKA_SESSION_TIMEOUT_MS', 10_000)
  // Kafka's own rule for consumers: a few heartbeats fit in one session, so one late heartbeat
  // does not get a live worker dropped from the group.
  const heartbeatIntervalMs = positiveInt(env, 'PULSO_KAFKA_HEARTBEAT_INTERVAL_MS', Math.min(3_000, Math.floor(sessionTimeoutMs / 3)))
  if (heartbeatIntervalMs * 3 > sessionTimeoutMs) {
    throw new ConfigError(
      `PULSO_KAFKA_HEARTBEAT_INTERVAL_MS (${heartbeatIntervalMs}) must be at most a third of PULSO_KAFKA_SESSION_TIMEOUT_MS (${sessionTimeoutMs})`,
    )
  }
  return {
    brokers,
    topic,
    group: env.PULSO_KAFKA_GROUP || 'pulso-ingest',
    deadLetterTopic: env.PULSO_KAFKA_DEAD_LETTER_TOPIC || `${topic}.dead-letters`,
    partitions: positiveInt(env, 'PULSO_KAFKA_PARTITIONS', 6),
    blockEvents: positiveInt(env, 'PULSO_KAFKA_BLOCK_EVENTS', 20_000),
    blockMs: positiveInt(env, 'PULSO_KAFKA_BLOCK_MS', 1_000),
    prepareThreads: positiveInt(env, 'PULSO_KAFKA_PREPARE_THREADS', 1),
    sessionTimeoutMs,
    heartbeatIntervalMs,
    metricsPort,
    httpToKafka: mode === 'kafka',
  }
}

/** The settings of a tenant; unknown tenants get the defaults so their events still count. */
export function tenantSettings(config: PulsoConfig, tenantId: string): TenantSettings {
  const settings = config.tenants.get(tenantId) ?? { id: tenantId, name: tenantId, timezone: 'UTC', currency: 'USD', storeText: false }
  const sla = config.afterHandoff.sla.get(tenantId)
  return sla ? { ...settings, sla } : settings
}
