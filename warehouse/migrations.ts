// Versioned, idempotent schema. Each migration runs once per database and is recorded in
// schema_migrations; every statement is also safe to repeat (IF NOT EXISTS), so a crash
// between a statement and its record is harmless. Append new migrations; never edit old ones.
import { insertRows, queryRows, runStatement, type Warehouse } from './client.ts'

export type Migration = {
  version: number
  name: string
  statements: (db: string) => string[]
  /**
   * Statements to skip when the database already has what they make: for a migration whose
   * statements cannot all be repeated (a copy, then an exchange of tables) and may be cut by a crash.
   */
  alreadyDone?: (warehouse: Warehouse, statement: string) => Promise<boolean>
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'events, dead letters and tenants',
    statements: (db) => [
      `CREATE TABLE IF NOT EXISTS ${db}.events
(
    -- ids
    tenant_id LowCardinality(String),
    event_id String,
    conversation_id String,
    type LowCardinality(String),
    -- timestamps: occurred_at in UTC, plus the offset the producer wrote, for audits
    occurred_at DateTime64(3, 'UTC'),
    occurred_offset_minutes Int16,
    received_at DateTime64(3, 'UTC') DEFAULT now64(3),
    -- segments
    channel LowCardinality(String) DEFAULT 'whatsapp',
    customer_id Nullable(String),
    use_case LowCardinality(Nullable(String)),
    intent LowCardinality(Nullable(String)),
    bot_version LowCardinality(Nullable(String)),
    -- message
    sender LowCardinality(Nullable(String)),
    agent_id Nullable(String),
    text Nullable(String),
    -- bot_fallback
    question Nullable(String),
    confidence Nullable(Float64),
    -- handoff
    handoff_reason LowCardinality(Nullable(String)),
    context_transcript Nullable(Bool),
    context_customer_profile Nullable(Bool),
    context_intent Nullable(String),
    queue Nullable(String),
    -- resolved
    resolved_by LowCardinality(Nullable(String)),
    -- csat
    score Nullable(UInt8),
    comment Nullable(String),
    -- cost and conversion
    amount Nullable(Decimal(18, 6)),
    value Nullable(Decimal(18, 6)),
    currency LowCardinality(Nullable(String)),
    component LowCardinality(Nullable(String)),
    category LowCardinality(Nullable(String)),
    -- proactive
    template Nullable(String),
    campaign Nullable(String),
    -- provenance: where it came from and any fields Pulso does not model, kept raw
    source LowCardinality(String) DEFAULT 'http',
    extra String DEFAULT '{}'
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (tenant_id, event_id)`,
      `CREATE TABLE IF NOT EXISTS ${db}.dead_letters
(
    received_at DateTime64(3, 'UTC') DEFAULT now64(3),
    tenant_id LowCardinality(String),
    source LowCardinality(String),
    batch_index UInt32,
    event_id Nullable(String),
    reason String,
    payload String
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(received_at)
ORDER BY (tenant_id, received_at)`,
      `CREATE TABLE IF NOT EXISTS ${db}.tenants
(
    tenant_id String,
    name String,
    timezone String,
    currency LowCardinality(String),
    updated_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY tenant_id`,
    ],
  },
  {
    version: 2,
    name: 'webhook inbox, WhatsApp delivery statuses and session settings',
    statements: (db) => [
      // Every signed webhook body exactly as received, stored before Pulso answers 200, so an
      // accepted notification survives a crash between the answer and its processing. The column
      // is `tenant`, not `tenant_id`, on purpose: raw bodies hold phone numbers and message text,
      // and the data teams' SQL sandbox exposes exactly the tables with a tenant_id column.
      `CREATE TABLE IF NOT EXISTS ${db}.webhook_inbox
(
    tenant LowCardinality(String),
    source LowCardinality(String),
    notification_id String,
    received_at DateTime64(3, 'UTC') DEFAULT now64(3),
    body String
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(received_at)
ORDER BY (tenant, source, notification_id)`,
      // Which inbox rows were turned into events; what is missing here is replayed at start-up.
      `CREATE TABLE IF NOT EXISTS ${db}.webhook_inbox_processed
(
    tenant LowCardinality(String),
    source LowCardinality(String),
    notification_id String,
    processed_at DateTime64(3, 'UTC') DEFAULT now64(3),
    accepted UInt32,
    duplicates UInt32,
    rejected UInt32
)
ENGINE = ReplacingMergeTree(processed_at)
ORDER BY (tenant, source, notification_id)`,
      // One row per (outbound message, status): WhatsApp's sent/delivered/read/failed facts.
      `CREATE TABLE IF NOT EXISTS ${db}.whatsapp_statuses
(
    tenant_id LowCardinality(String),
    message_id String,
    status LowCardinality(String),
    occurred_at DateTime64(3, 'UTC'),
    received_at DateTime64(3, 'UTC') DEFAULT now64(3),
    recipient_id Nullable(String),
    phone_number_id String DEFAULT '',
    billable Nullable(Bool),
    pricing_model LowCardinality(Nullable(String)),
    pricing_category LowCardinality(Nullable(String)),
    meta_conversation_id Nullable(String),
    error_code Nullable(Int64),
    error_title Nullable(String),
    raw String DEFAULT '{}'
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (tenant_id, message_id, status)`,
      // The inactivity gap that splits a customer's thread into conversations; tenant '*' is the default.
      `CREATE TABLE IF NOT EXISTS ${db}.session_settings
(
    tenant_id String,
    gap_seconds UInt32,
    updated_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY tenant_id`,
    ],
  },
  {
    version: 3,
    name: 'goals, use cases and the alert log',
    statements: (db) => [
      // Goals and use cases keep every version; the latest per key wins, deleted = 1 removes it.
      `CREATE TABLE IF NOT EXISTS ${db}.goals
(
    tenant_id LowCardinality(String),
    goal_id String,
    kpi LowCardinality(String),
    segment_by LowCardinality(String) DEFAULT '',
    segment_value String DEFAULT '',
    target Float64,
    direction LowCardinality(String),
    period LowCardinality(String),
    owner String DEFAULT '',
    at_risk_margin Float64 DEFAULT 0.1,
    source LowCardinality(String) DEFAULT 'api',
    deleted UInt8 DEFAULT 0,
    updated_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (tenant_id, goal_id)`,
      `CREATE TABLE IF NOT EXISTS ${db}.use_cases
(
    tenant_id LowCardinality(String),
    name String,
    policy LowCardinality(String),
    intents Array(String),
    description String DEFAULT '',
    source LowCardinality(String) DEFAULT 'api',
    deleted UInt8 DEFAULT 0,
    updated_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (tenant_id, name)`,
      // One row per alert delivered to one webhook: the dedup memory of the alert job.
      `CREATE TABLE IF NOT EXISTS ${db}.alert_log
(
    tenant_id LowCardinality(String),
    dedup_key String,
    webhook String,
    kind LowCardinality(String),
    payload String,
    sent_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(sent_at)
ORDER BY (tenant_id, dedup_key, webhook)`,
    ],
  },
  {
    version: 5,
    name: 'insert deduplication for retried Kafka blocks',
    // A non-replicated MergeTree keeps no insert hashes unless this window is set, so a retried
    // insert with the same insert_deduplication_token would be stored twice. The Kafka worker
    // names each block by its offsets; with a window, a retry of a block that did land is dropped.
    statements: (db) => [
      `ALTER TABLE ${db}.events MODIFY SETTING non_replicated_deduplication_window = 1000`,
      `ALTER TABLE ${db}.dead_letters MODIFY SETTING non_replicated_deduplication_window = 1000`,
    ],
  },
  {
    version: 6,
    name: 'wider merges of event parts',
    // Events arrive as many parts of the same size (one per Kafka block or HTTP batch), and every
    // level of merging rewrites all of them. ClickHouse's default base of 5 merges ~5 parts at a
    // time; 10 merges ~10, so data is rewritten log(5)/log(10) ≈ 0.7 times as often: on 3M events
    // in 20k-event parts, merges used 2.4 instead of 4.3 µs of CPU per event and left 8 parts in
    // the month instead of 3 (npm run bench:merges). KPI queries never depend on merges.
    statements: (db) => [`ALTER TABLE ${db}.events MODIFY SETTING merge_selector_base = 10`],
  },
  {
    version: 7,
    name: 'events sorted by conversation; customers indexed to their conversations',
    // The per-conversation facts (fct_conversations) are kept up to date by recomputing the
    // conversations each batch touched from their events (dbt-like-models/runner/incremental.ts).
    // That reads a conversation's events, and a WhatsApp customer's events under 'auto:…' ids, by
    // key: so the events are sorted by (tenant, conversation, customer, event) instead of
    // (tenant, event). A repeated (tenant_id, event_id) still shares the whole sort key (copies
    // are identical by contract), so the ReplacingMergeTree still folds repeats together.
    // ClickHouse cannot change a sort key in place: the rows are copied into a table sorted the
    // new way, and the two tables exchanged.
    statements: (db) => [
      `CREATE TABLE IF NOT EXISTS ${db}.events_resorted AS ${db}.events
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (tenant_id, conversation_id, ifNull(customer_id, ''), event_id)
SETTINGS non_replicated_deduplication_window = 1000, merge_selector_base = 10`,
      `TRUNCATE TABLE IF EXISTS ${db}.events_resorted`,
      `INSERT INTO ${db}.events_resorted SELECT * FROM ${db}.events`,
      `EXCHANGE TABLES ${db}.events AND ${db}.events_resorted`,
      `DROP TABLE IF EXISTS ${db}.events_resorted`,
      // Which conversations a customer has: the incremental facts recompute all of a customer's
      // conversations together (first contact resolution compares them). Filled by ClickHouse on
      // every insert into events, whichever process or path inserts.
      `CREATE TABLE IF NOT EXISTS ${db}.customer_conversations
(
    tenant_id LowCardinality(String),
    customer_id String,
    conversation_id String
)
ENGINE = ReplacingMergeTree
ORDER BY (tenant_id, customer_id, conversation_id)`,
      // No alias on customer_id: an alias of the same name would be what WHERE tests.
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.customer_conversations_mv TO ${db}.customer_conversations AS
SELECT tenant_id, customer_id, conversation_id FROM ${db}.events WHERE customer_id IS NOT NULL`,
      `INSERT INTO ${db}.customer_conversations SELECT DISTINCT tenant_id, customer_id, conversation_id FROM ${db}.events WHERE customer_id IS NOT NULL`,
    ],
    // The copy and the exchange run only while events still has the old sort key: after a crash
    // between the exchange and the record of this migration, repeating them would swap back.
    alreadyDone: async (warehouse, statement) => {
      if (!/events_resorted/.test(statement) || statement.startsWith('DROP')) return false
      const [events] = await queryRows<{ sorting_key: string }>(
        warehouse,
        'SELECT sorting_key FROM system.tables WHERE database = {db:String} AND name = {table:String}',
        { db: warehouse.database, table: 'events' },
      )
      return (events?.sorting_key ?? '').startsWith('tenant_id, conversation_id')
    },
  },
  {
    version: 8,
    name: 'dead letters stored once per rejected input',
    // A batch retried after a failure (or a lost answer) and a Kafka block read again after a
    // crash wrote their dead letters again: 2,122–2,253 rows for 1,900 bad messages. A dead letter
    // now has an identity, letter_id (deadLetterId in repositories/events.ts: SHA-256 of tenant,
    // source and raw payload); the intake stores only letters not stored yet, and the table, a
    // ReplacingMergeTree sorted by that identity, folds what two writers stored at once. Not
    // partitioned: copies are folded only within a partition, and a retry may come a month later.
    // The rows are copied into the new table, each named the same way, and the tables exchanged.
    statements: (db) => [
      `CREATE TABLE IF NOT EXISTS ${db}.dead_letters_by_id
(
    received_at DateTime64(3, 'UTC') DEFAULT now64(3),
    tenant_id LowCardinality(String),
    source LowCardinality(String),
    letter_id String,
    batch_index UInt32,
    event_id Nullable(String),
    reason String,
    payload String
)
ENGINE = ReplacingMergeTree
ORDER BY (tenant_id, source, letter_id)`,
      `TRUNCATE TABLE IF EXISTS ${db}.dead_letters_by_id`,
      `INSERT INTO ${db}.dead_letters_by_id (received_at, tenant_id, source, letter_id, batch_index, event_id, reason, payload)
SELECT received_at, tenant_id, source, lower(hex(SHA256(concat(tenant_id, '\\0', source, '\\0', payload)))), batch_index, event_id, reason, payload
FROM ${db}.dead_letters`,
      `EXCHANGE TABLES ${db}.dead_letters AND ${db}.dead_letters_by_id`,
      `DROP TABLE IF EXISTS ${db}.dead_letters_by_id`,
    ],
    // As migration 7: the copy and the exchange run only while dead_letters has no identity yet.
    alreadyDone: async (warehouse, statement) => {
      if (!/dead_letters_by_id/.test(statement) || statement.startsWith('DROP')) return false
      const [deadLetters] = await queryRows<{ sorting_key: string }>(
        warehouse,
        'SELECT sorting_key FROM system.tables WHERE database = {db:String} AND name = {table:String}',
        { db: warehouse.database, table: 'dead_letters' },
      )
      return (deadLetters?.sorting_key ?? '').includes('letter_id')
    },
  },
  {
    version: 9,
    name: 'people, their roles per tenant, and sign-in sessions',
    // Every version is kept, the latest per key wins (FINAL), deleted/ended = 1 removes it, as for
    // goals. The tenant columns are named `tenant`, not `tenant_id`, on purpose: the data teams'
    // SQL sandbox exposes exactly the tables with a tenant_id column, and these hold password
    // hashes and session hashes.
    statements: (db) => [
      `CREATE TABLE IF NOT EXISTS ${db}.people
(
    email String,
    name String,
    -- scrypt$N=…,r=…,p=…$salt$hash (domain/accounts/passwords.ts); '' when no password is set
    password_hash String DEFAULT '',
    deleted UInt8 DEFAULT 0,
    updated_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY email`,
      `CREATE TABLE IF NOT EXISTS ${db}.people_roles
(
    tenant String,
    email String,
    role LowCardinality(String),
    deleted UInt8 DEFAULT 0,
    updated_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (tenant, email)`,
      // A session is known by the SHA-256 of its id: the id itself lives only in the browser's cookie.
      `CREATE TABLE IF NOT EXISTS ${db}.sessions
(
    session_hash String,
    tenant String,
    email String,
    address String DEFAULT '',
    created_at DateTime64(3, 'UTC'),
    expires_at DateTime64(3, 'UTC'),
    ended UInt8 DEFAULT 0,
    updated_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY session_hash`,
    ],
  },
  {
    version: 10,
    name: 'API keys made by admins',
    // A key is known by the SHA-256 of its secret (sorted by it: every request with a key looks it
    // up); the secret is shown once, when it is made. Revoking writes a version with revoked = 1.
    // `tenant`, not `tenant_id`, as for people: out of the data teams' SQL sandbox.
    statements: (db) => [
      `CREATE TABLE IF NOT EXISTS ${db}.api_keys
(
    key_hash String,
    key_id String,
    tenant String,
    name String,
    scope LowCardinality(String),
    created_by String,
    created_at DateTime64(3, 'UTC'),
    revoked UInt8 DEFAULT 0,
    updated_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY key_hash`,
    ],
  },
  {
    version: 11,
    name: 'the audit log',
    // Who changed which goal, use case, person or key, when and from where: one row per change,
    // never rewritten. Its tenant column is tenant_id on purpose: the tenant's data teams query it
    // through the SQL sandbox like any other relation.
    statements: (db) => [
      `CREATE TABLE IF NOT EXISTS ${db}.audit_log
(
    tenant_id LowCardinality(String),
    at DateTime64(3, 'UTC') DEFAULT now64(3),
    -- who: a person (email) or a key (its name, or a configured key's role and fingerprint)
    actor_kind LowCardinality(String),
    actor String,
    -- what: create, update, delete or revoke of a goal, use_case, person or key
    action LowCardinality(String),
    object_kind LowCardinality(String),
    object_id String,
    -- from where: the client's address ('cli' for the command line)
    address String
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(at)
ORDER BY (tenant_id, at)`,
    ],
  },
  {
    version: 12,
    name: 'invites to a tenant',
    // An invite is known by the SHA-256 of its token (the token is only in the link, shown once).
    // Accepting it writes a version with accepted_at set; a used or expired invite is refused.
    // `tenant`, not `tenant_id`: out of the data teams' SQL sandbox, as people are.
    statements: (db) => [
      `CREATE TABLE IF NOT EXISTS ${db}.invites
(
    token_hash String,
    invite_id String,
    tenant String,
    email String,
    role LowCardinality(String),
    created_by String,
    created_at DateTime64(3, 'UTC'),
    expires_at DateTime64(3, 'UTC'),
    accepted_at Nullable(DateTime64(3, 'UTC')),
    updated_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY token_hash`,
    ],
  },
]

/** Every statement of every migration, as sent to ClickHouse (used to check them with its parser). */
export function allMigrationStatements(db: string): string[] {
  return [migrationsTableStatement(db), ...MIGRATIONS.flatMap((m) => m.statements(db))]
}

function migrationsTableStatement(db: string): string {
  return `CREATE TABLE IF NOT EXISTS ${db}.schema_migrations
(
    version UInt32,
    name String,
    applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
ORDER BY version`
}

/** Creates the database and applies the migrations it has not seen yet. Returns the versions applied. */
export async function migrate(warehouse: Warehouse): Promise<number[]> {
  const db = warehouse.database
  await runStatement(warehouse, `CREATE DATABASE IF NOT EXISTS ${db}`)
  await runStatement(warehouse, migrationsTableStatement(db))
  const versions = await queryRows<{ version: number }>(warehouse, `SELECT DISTINCT version FROM ${db}.schema_migrations`)
  const applied = new Set(versions.map((r) => Number(r.version)))
  const newlyApplied: number[] = []
  for (const migration of MIGRATIONS) {
    if (applied.has(migration.version)) continue
    for (const statement of migration.statements(db)) {
      if (await migration.alreadyDone?.(warehouse, statement)) continue
      await runStatement(warehouse, statement)
    }
    await insertRows(warehouse, `${db}.schema_migrations`, [{ version: migration.version, name: migration.name }])
    newlyApplied.push(migration.version)
  }
  return newlyApplied
}
