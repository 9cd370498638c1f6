// bench:scale's PostgreSQL 15: started by the bench in a temporary folder (initdb, pg_ctl,
// postgres from the PATH), listening on a unix socket only. The same NDJSON file is loaded with
// COPY into an unlogged staging table, then INSERT … SELECT into a typed events table whose primary key
// (tenant_id, event_id) drops repeated events (the contract's deduplication), then indexes on
// tenant_id, occurred_at and conversation_id, then ANALYZE. The KPI SQL below computes DESIGN.md's
// definitions exactly as dbt-like-models' int_conversations → fct_conversations → fct_kpis do,
// reading only the conversations a date range needs (found through the occurred_at index).
import { execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, chownSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import pg from 'pg'

export type RunningPostgres = { client: pg.Client; dataDir: string; socketDir: string; port: number; stop(): void }

const BIN = ['initdb', 'pg_ctl', 'postgres']

/** The user PostgreSQL runs as: it refuses root, so as root the bench runs it as `postgres`. */
function runAs(): { uid: number; gid: number; prefix: string[] } | undefined {
  if (process.getuid?.() !== 0) return undefined
  const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' })
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' })
  if (id.status !== 0)
    throw new Error(
      "running as root, and PostgreSQL refuses root: create a `postgres` user (Debian's postgresql package does) or run the bench as another user",
    )
  return { uid: Number(id.stdout.trim()), gid: Number(gid.stdout.trim()), prefix: ['runuser', '-u', 'postgres', '--'] }
}

export function checkPostgresInstalled(): void {
  const missing = BIN.filter((bin) => spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0)
  if (missing.length) {
    throw new Error(
      `PostgreSQL's ${missing.join(', ')} not on the PATH: bench:scale starts its own PostgreSQL 15 and needs them (Debian: apt-get install postgresql, then put /usr/lib/postgresql/15/bin on the PATH)`,
    )
  }
}

/** initdb + pg_ctl start in `root` (a fresh folder), C collation (text orders as ClickHouse's bytes do). */
export async function startPostgres(root: string, port: number, log: (m: string) => void): Promise<RunningPostgres> {
  checkPostgresInstalled()
  const user = runAs()
  const dataDir = path.join(root, 'pgdata')
  const socketDir = path.join(root, 'pgsocket')
  mkdirSync(socketDir, { recursive: true })
  chmodSync(root, 0o755)
  if (user) chownSync(socketDir, user.uid, user.gid)
  const run = (bin: string, args: string[]) => {
    const [cmd, ...rest] = [...(user?.prefix ?? []), bin, ...args]
    execFileSync(cmd!, rest, { stdio: ['ignore', 'pipe', 'pipe'] })
  }
  if (user) {
    mkdirSync(dataDir)
    chownSync(dataDir, user.uid, user.gid)
  }
  run('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--locale=C', '--encoding=UTF8', '--no-sync'])
  // memory for a machine with plenty of RAM; everything else as a default install has it
  // (durable commits, WAL), as the embedded Pulso writes durable parts too
  const settings = [
    `-p ${port}`,
    `-k ${socketDir}`,
    "-c listen_addresses=''",
    '-c shared_buffers=2GB',
    '-c work_mem=256MB',
    '-c maintenance_work_mem=1GB',
    '-c effective_cache_size=8GB',
    '-c max_wal_size=8GB',
    '-c max_parallel_workers_per_gather=2',
    '-c jit=off',
  ].join(' ')
  run('pg_ctl', ['-D', dataDir, '-l', path.join(socketDir, 'postgres.log'), '-o', settings, '-w', '-t', '120', 'start'])
  log(`PostgreSQL started (${execFileSync('postgres', ['--version'], { encoding: 'utf8' }).trim()}, socket ${socketDir}, port ${port})`)
  const client = new pg.Client({ host: socketDir, port, user: 'postgres', database: 'postgres' })
  await client.connect()
  // timestamps + interval '7 days' in UTC, as ClickHouse's DateTime64(3, 'UTC') adds them
  await client.query("SET TimeZone = 'UTC'")
  return {
    client,
    dataDir,
    socketDir,
    port,
    stop: () => {
      try {
        run('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop'])
      } catch {
        // already stopped
      }
    },
  }
}

/** Time zone and currency of each tenant, as Pulso's config file sets them. */
export type PgTenant = { id: string; timezone: string; currency: string }

const SCHEMA = `
CREATE TABLE tenants (tenant_id text PRIMARY KEY, timezone text NOT NULL, currency text NOT NULL);
CREATE UNLOGGED TABLE staging (line bigint GENERATED ALWAYS AS IDENTITY, doc text NOT NULL);
CREATE TABLE events (
  tenant_id text NOT NULL,
  event_id text NOT NULL,
  line bigint NOT NULL,              -- arrival order: the later copy of a tie wins, as received_at does in Pulso
  conversation_id text NOT NULL,
  occurred_at timestamptz NOT NULL,
  type text NOT NULL,
  channel text NOT NULL,
  customer_id text,
  use_case text,
  intent text,
  bot_version text,
  sender text,
  agent_id text,
  question text,
  handoff_reason text,
  context_transcript boolean,
  context_customer_profile boolean,
  context_intent text,
  queue text,
  resolved_by text,
  score smallint,
  amount numeric(18, 6),
  value numeric(18, 6),
  currency text,
  component text,
  category text,
  template text,
  campaign text,
  PRIMARY KEY (tenant_id, event_id)
);`

/**
 * Staging lines as typed events rows, each line parsed once (json_to_record; extracting fields
 * from `doc::jsonb` one by one would parse the line again for every field). A missing channel is
 * 'whatsapp', as in Pulso's events table.
 */
const TYPED_SELECT = `
    SELECT r.tenant_id, r.event_id, s.line, r.conversation_id, r.occurred_at, r.type, coalesce(r.channel, 'whatsapp'),
      r.customer_id, r.use_case, r.intent, r.bot_version, r.sender, r.agent_id, r.question, r.reason,
      (r.context->>'transcript')::boolean, (r.context->>'customer_profile')::boolean, r.context->>'intent', r.queue,
      r.resolved_by, r.score, r.amount, r.value, r.currency, r.component, r.category, r.template, r.campaign
    FROM staging s, json_to_record(s.doc::json) AS r(
      tenant_id text, event_id text, conversation_id text, occurred_at timestamptz, type text, channel text,
      customer_id text, use_case text, intent text, bot_version text, sender text, agent_id text, question text,
      reason text, context jsonb, queue text, resolved_by text, score smallint, amount numeric, value numeric,
      currency text, component text, category text, template text, campaign text)`

/** COPY the file into staging, typed INSERT (repeats dropped by the primary key), indexes, ANALYZE. Returns the phases' ms. */
export async function loadPostgres(
  client: pg.Client,
  file: string,
  tenants: PgTenant[],
  log: (m: string) => void,
): Promise<{ copyMs: number; insertMs: number; indexMs: number; analyzeMs: number; totalMs: number; rows: number }> {
  await client.query(SCHEMA)
  for (const t of tenants) await client.query('INSERT INTO tenants VALUES ($1, $2, $3)', [t.id, t.timezone, t.currency])
  const t0 = performance.now()
  // one line = one text value: CSV with quote and delimiter characters that JSON never holds unescaped
  await client.query(`COPY staging (doc) FROM '${file.replaceAll("'", "''")}' WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')`)
  const t1 = performance.now()
  log(`  COPY ${((t1 - t0) / 1000).toFixed(1)} s`)
  const inserted = await client.query(`INSERT INTO events ${TYPED_SELECT} ON CONFLICT (tenant_id, event_id) DO NOTHING`)
  const t2 = performance.now()
  log(`  INSERT … SELECT ${((t2 - t1) / 1000).toFixed(1)} s (${inserted.rowCount} rows)`)
  await client.query('CREATE INDEX events_tenant ON events (tenant_id)')
  await client.query('CREATE INDEX events_occurred_at ON events (occurred_at)')
  await client.query('CREATE INDEX events_conversation ON events (conversation_id)')
  const t3 = performance.now()
  log(`  indexes ${((t3 - t2) / 1000).toFixed(1)} s`)
  await client.query('ANALYZE events')
  const t4 = performance.now()
  await client.query('DROP TABLE staging')
  return { copyMs: t1 - t0, insertMs: t2 - t1, indexMs: t3 - t2, analyzeMs: t4 - t3, totalMs: t4 - t0, rows: inserted.rowCount ?? 0 }
}

/** The history test: more events into the loaded, indexed table (COPY → INSERT … ON CONFLICT → ANALYZE). */
export async function appendPostgres(client: pg.Client, file: string, log: (m: string) => void): Promise<{ totalMs: number; rows: number }> {
  const t0 = performance.now()
  await client.query('CREATE UNLOGGED TABLE staging (line bigint GENERATED ALWAYS AS IDENTITY (START WITH 1000000000000), doc text NOT NULL)')
  await client.query(`COPY staging (doc) FROM '${file.replaceAll("'", "''")}' WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')`)
  log(`  COPY ${((performance.now() - t0) / 1000).toFixed(1)} s`)
  const inserted = await client.query(`INSERT INTO events ${TYPED_SELECT} ON CONFLICT (tenant_id, event_id) DO NOTHING`)
  await client.query('ANALYZE events')
  await client.query('DROP TABLE staging')
  return { totalMs: performance.now() - t0, rows: inserted.rowCount ?? 0 }
}

/**
 * Per-conversation facts of the conversations listed in the CTE named `ids` (conversation_id):
 * DESIGN.md's definitions over all of each conversation's events, as int_conversations has them.
 * Expects $1 = tenant_id and a CTE `cur` with the tenant's currency.
 */
const FACTS = `
  ev AS (
    SELECT e.*,
      min(e.occurred_at) FILTER (WHERE e.type = 'message' AND e.sender = 'customer') OVER w AS first_customer_at,
      min(e.occurred_at) FILTER (WHERE e.type = 'handoff') OVER w AS handoff_at
    FROM events e
    WHERE e.tenant_id = $1 AND e.conversation_id IN (SELECT conversation_id FROM ids)
    WINDOW w AS (PARTITION BY e.conversation_id)
  ),
  facts AS (
    SELECT
      conversation_id,
      min(occurred_at) AS started_at,
      (array_agg(customer_id ORDER BY occurred_at) FILTER (WHERE customer_id IS NOT NULL))[1] AS customer_id,
      coalesce((array_agg(channel ORDER BY occurred_at DESC) FILTER (WHERE channel <> ''))[1], 'whatsapp') AS channel,
      (array_agg(use_case ORDER BY occurred_at DESC) FILTER (WHERE use_case IS NOT NULL))[1] AS use_case,
      (array_agg(intent ORDER BY occurred_at DESC) FILTER (WHERE intent IS NOT NULL))[1] AS intent,
      (array_agg(bot_version ORDER BY occurred_at DESC) FILTER (WHERE bot_version IS NOT NULL))[1] AS bot_version,
      extract(epoch FROM min(occurred_at) FILTER (WHERE type = 'message' AND sender IN ('bot', 'agent') AND occurred_at >= first_customer_at) - min(first_customer_at))::float8 AS frt_s,
      extract(epoch FROM min(occurred_at) FILTER (WHERE type = 'message' AND sender = 'agent' AND occurred_at >= handoff_at) - min(handoff_at))::float8 AS handoff_wait_s,
      count(*) FILTER (WHERE type = 'handoff') AS handoffs,
      count(*) FILTER (WHERE type = 'handoff' AND context_transcript AND context_customer_profile AND coalesce(context_intent, '') <> '') AS handoffs_with_context,
      max(occurred_at) FILTER (WHERE type = 'resolved') AS resolved_at,
      (array_agg(resolved_by ORDER BY occurred_at DESC, line DESC) FILTER (WHERE type = 'resolved'))[1] AS resolved_by,
      (array_agg(score ORDER BY occurred_at DESC, line DESC) FILTER (WHERE type = 'csat'))[1] AS csat,
      coalesce(sum(amount) FILTER (WHERE type = 'cost' AND currency = (SELECT currency FROM cur)), 0)::float8 AS cost
    FROM ev
    GROUP BY conversation_id
  )`

/**
 * The KPIs of one tenant over from..to (local dates) per period (and segment), as GET /v1/kpis.
 * Parameters: $1 tenant_id, $2 from, $3 to, $4 grain (day|week|month|all), $5 segment ('' for none).
 * Candidates: conversations with an event in the range (every conversation that started in it has
 * its first event there); first contact resolution also needs each customer's next conversation,
 * which starts within 7 days of a resolution to matter, so conversations with an event up to the
 * latest resolution + 7 days are read too (their start and customer from all their events).
 */
export const KPI_SQL = `
WITH
  tz AS (SELECT timezone AS name FROM tenants WHERE tenant_id = $1),
  cur AS (SELECT currency FROM tenants WHERE tenant_id = $1),
  bounds AS (
    SELECT ($2::date::timestamp AT TIME ZONE (SELECT name FROM tz)) - interval '1 day' AS from_ts,
           (($3::date + 1)::timestamp AT TIME ZONE (SELECT name FROM tz)) + interval '1 day' AS to_ts
  ),
  ids AS (
    SELECT DISTINCT conversation_id FROM events
    WHERE tenant_id = $1 AND occurred_at >= (SELECT from_ts FROM bounds) AND occurred_at < (SELECT to_ts FROM bounds)
  ),
  ${FACTS},
  conversations AS (
    SELECT *, (started_at AT TIME ZONE (SELECT name FROM tz))::date AS started_on
    FROM facts
    WHERE (started_at AT TIME ZONE (SELECT name FROM tz))::date BETWEEN $2::date AND $3::date
  ),
  -- conversations after the range that may follow a resolved one within 7 days
  later_ids AS (
    SELECT DISTINCT conversation_id FROM events
    WHERE tenant_id = $1 AND occurred_at >= (SELECT to_ts FROM bounds)
      AND occurred_at <= (SELECT max(resolved_at) + interval '7 days' FROM conversations)
      AND conversation_id NOT IN (SELECT conversation_id FROM ids)
  ),
  later AS (
    SELECT conversation_id, min(occurred_at) AS started_at,
      (array_agg(customer_id ORDER BY occurred_at) FILTER (WHERE customer_id IS NOT NULL))[1] AS customer_id
    FROM events
    WHERE tenant_id = $1 AND conversation_id IN (SELECT conversation_id FROM later_ids)
    GROUP BY conversation_id
  ),
  starts AS (
    SELECT conversation_id, started_at, customer_id FROM facts WHERE customer_id IS NOT NULL
    UNION ALL
    SELECT conversation_id, started_at, customer_id FROM later WHERE customer_id IS NOT NULL
  ),
  -- each conversation's next one from the same customer (a next one not read here starts more
  -- than 7 days after any resolution in the range, so it could not change the answer)
  nexts AS (
    SELECT conversation_id,
      lead(started_at) OVER (PARTITION BY customer_id ORDER BY started_at, conversation_id) AS next_started_at
    FROM starts
  ),
  with_fcr AS (
    SELECT c.*,
      CASE WHEN c.resolved_by IS NULL THEN NULL
           ELSE NOT coalesce(n.next_started_at <= c.resolved_at + interval '7 days', false)
      END AS first_contact_resolved
    FROM conversations c LEFT JOIN nexts n ON n.conversation_id = c.conversation_id
  ),
  periodized AS (
    SELECT *,
      CASE $4::text WHEN 'day' THEN started_on
                    WHEN 'week' THEN date_trunc('week', started_on)::date
                    WHEN 'month' THEN date_trunc('month', started_on)::date
                    ELSE $2::date END AS period,
      CASE $5::text WHEN 'use_case' THEN use_case WHEN 'intent' THEN intent
                    WHEN 'bot_version' THEN bot_version WHEN 'channel' THEN channel END AS segment
    FROM with_fcr
  )
SELECT
  to_char(period, 'YYYY-MM-DD') AS period,
  segment,
  count(*)::int AS conversations,
  percentile_cont(0.5) WITHIN GROUP (ORDER BY frt_s) AS frt_p50_s,
  percentile_cont(0.9) WITHIN GROUP (ORDER BY frt_s) AS frt_p90_s,
  avg(frt_s) AS frt_avg_s,
  (count(*) FILTER (WHERE resolved_by = 'bot' AND handoffs = 0))::float8 / count(*) AS bot_resolution_rate,
  (count(*) FILTER (WHERE handoffs > 0))::float8 / count(*) AS escalation_rate,
  percentile_cont(0.5) WITHIN GROUP (ORDER BY handoff_wait_s) AS handoff_wait_p50_s,
  sum(handoffs_with_context)::float8 / nullif(sum(handoffs), 0) AS handoff_context_rate,
  100 * (count(*) FILTER (WHERE csat >= 4))::float8 / nullif(count(csat), 0) AS csat_score,
  avg(csat)::float8 AS csat_avg,
  count(csat)::float8 / count(*) AS csat_response_rate,
  sum(cost) / count(*) AS cost_per_conversation,
  (count(*) FILTER (WHERE first_contact_resolved))::float8 / nullif(count(*) FILTER (WHERE resolved_by IS NOT NULL), 0) AS fcr_rate
FROM periodized
GROUP BY period, segment
ORDER BY period, segment`

/** The data team's question over every conversation of the tenant: escalation rate by intent and bot version. */
export const ESCALATION_BY_INTENT_SQL = `
WITH
  cur AS (SELECT currency FROM tenants WHERE tenant_id = $1),
  per_conversation AS (
    SELECT conversation_id,
      (array_agg(intent ORDER BY occurred_at DESC) FILTER (WHERE intent IS NOT NULL))[1] AS intent,
      (array_agg(bot_version ORDER BY occurred_at DESC) FILTER (WHERE bot_version IS NOT NULL))[1] AS bot_version,
      bool_or(type = 'handoff') AS escalated
    FROM events WHERE tenant_id = $1
    GROUP BY conversation_id
  )
SELECT intent, bot_version, count(*)::int AS conversations, (count(*) FILTER (WHERE escalated))::float8 / count(*) AS escalation_rate
FROM per_conversation
GROUP BY intent, bot_version
ORDER BY intent, bot_version`

/** The same question as Pulso's data team asks it through POST /v1/sql. */
export const ESCALATION_BY_INTENT_PULSO_SQL = `SELECT intent, bot_version, count() AS conversations, countIf(escalated) / count() AS escalation_rate
FROM fct_conversations
GROUP BY intent, bot_version
ORDER BY intent, bot_version`
