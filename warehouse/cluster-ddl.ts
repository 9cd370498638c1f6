// The schema on a sharded, replicated ClickHouse cluster: each table Pulso writes becomes a
// Replicated*MergeTree on every shard (`<name>_local`) behind a Distributed table of the
// original name, so every query in Pulso runs unchanged against the Distributed tables.
//
// Sharding key: a conversation's events go to one shard, and its stored facts to the same one —
// the key is the conversation, or, for WhatsApp events whose conversations Pulso cuts itself
// ('auto' ids with a customer, see stg_events), the customer, whose events make up those
// sessions. A customer's other conversations may live on other shards: the facts' recomputation
// reads them through the Distributed tables by key (customer_conversations), never by scan.
import { queryRows, type Warehouse } from './client.ts'

export type Column = { name: string; type: string }

/** The expression both events and facts are sharded by (see above). */
export const SHARDING_KEY =
  "cityHash64(tenant_id, if((conversation_id = 'auto' OR startsWith(conversation_id, 'auto:')) AND customer_id IS NOT NULL, assumeNotNull(customer_id), conversation_id))"

/** A facts row's key: its conversation, or for a WhatsApp session ('auto:<customer>:<start>') its customer, as for its events. */
const FACTS_SHARDING_KEY = SHARDING_KEY

export type ClusterTables = { events: Column[]; facts: Column[]; factsOrderBy: string[] }

const columnList = (columns: Column[]) => columns.map((c) => `    ${c.name} ${c.type}`).join(',\n')

/** Every statement that creates Pulso's stored tables on `cluster`, in order. */
export function clusterStatements(db: string, cluster: string, tables: ClusterTables): string[] {
  const on = `ON CLUSTER ${cluster}`
  const replicated = (engine: string, table: string, args = '') =>
    `Replicated${engine}('/clickhouse/tables/{shard}/${db}/${table}', '{replica}'${args ? `, ${args}` : ''})`
  return [
    `CREATE DATABASE IF NOT EXISTS ${db} ${on}`,
    `CREATE TABLE IF NOT EXISTS ${db}.events_local ${on}
(
${columnList(tables.events)}
)
ENGINE = ${replicated('ReplacingMergeTree', 'events')}
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (tenant_id, conversation_id, ifNull(customer_id, ''), event_id)
SETTINGS merge_selector_base = 10`,
    `CREATE TABLE IF NOT EXISTS ${db}.events ${on} AS ${db}.events_local
ENGINE = Distributed(${cluster}, ${db}, events_local, ${SHARDING_KEY})`,
    `CREATE TABLE IF NOT EXISTS ${db}.customer_conversations_local ${on}
(
    tenant_id LowCardinality(String),
    customer_id String,
    conversation_id String
)
ENGINE = ${replicated('ReplacingMergeTree', 'customer_conversations')}
ORDER BY (tenant_id, customer_id, conversation_id)`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.customer_conversations_mv ${on} TO ${db}.customer_conversations_local AS
SELECT tenant_id, customer_id, conversation_id FROM ${db}.events_local WHERE customer_id IS NOT NULL`,
    `CREATE TABLE IF NOT EXISTS ${db}.customer_conversations ${on} AS ${db}.customer_conversations_local
ENGINE = Distributed(${cluster}, ${db}, customer_conversations_local, cityHash64(tenant_id, customer_id))`,
    `CREATE TABLE IF NOT EXISTS ${db}.fct_conversations__incremental_local ${on}
(
${columnList(tables.facts)}
)
ENGINE = ${replicated('ReplacingMergeTree', 'fct_conversations__incremental', '_version, _deleted')}
ORDER BY (${tables.factsOrderBy.join(', ')})`,
    `CREATE TABLE IF NOT EXISTS ${db}.fct_conversations__incremental ${on} AS ${db}.fct_conversations__incremental_local
ENGINE = Distributed(${cluster}, ${db}, fct_conversations__incremental_local, ${FACTS_SHARDING_KEY})`,
  ]
}

/** The columns of the events table and of the stored facts, as this warehouse has them. */
export async function describeStoredTables(warehouse: Warehouse, factsOrderBy: string[]): Promise<ClusterTables> {
  const describe = (table: string) =>
    queryRows<Column>(warehouse, 'SELECT name, type FROM system.columns WHERE database = {db:String} AND table = {table:String} ORDER BY position', {
      db: warehouse.database,
      table,
    })
  return { events: await describe('events'), facts: await describe('fct_conversations__incremental'), factsOrderBy }
}
