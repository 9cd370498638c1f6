// Versioned, idempotent schema. Each migration runs once per database and is recorded in
// schema_migrations; every statement is also safe to repeat (IF NOT EXISTS), so a crash
// between a statement and its record is harmless. Append new migrations; never edit old ones.
import type { Warehouse } from './client.ts'

export type Migration = { version: number; name: string; statements: (db: string) => string[] }

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
  await warehouse.client.command({ query: `CREATE DATABASE IF NOT EXISTS ${db}` })
  await warehouse.client.command({ query: migrationsTableStatement(db) })
  const result = await warehouse.client.query({ query: `SELECT DISTINCT version FROM ${db}.schema_migrations`, format: 'JSONEachRow' })
  const applied = new Set((await result.json<{ version: number }>()).map((r) => Number(r.version)))
  const newlyApplied: number[] = []
  for (const migration of MIGRATIONS) {
    if (applied.has(migration.version)) continue
    for (const statement of migration.statements(db)) await warehouse.client.command({ query: statement })
    await warehouse.client.insert({
      table: `${db}.schema_migrations`,
      values: [{ version: migration.version, name: migration.name }],
      format: 'JSONEachRow',
    })
    newlyApplied.push(migration.version)
  }
  return newlyApplied
}
