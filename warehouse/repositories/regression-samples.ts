// Per-conversation values the regression detector compares (fct_regression_samples) and the
// releases they may follow (dim_bot_releases).
import type { Warehouse } from '../client.ts'

export type RegressionSample = {
  started_on: string
  use_case: string
  intent: string
  bot_version: string
  channel: string
  escalated: number
  bot_resolved: number
  had_fallback: number
  csat_good: number | null
  frt_s: number | null
  handoff_wait_s: number | null
}

export async function queryRegressionSamples(warehouse: Warehouse, q: { tenantId: string; timezone: string; from: string; to: string }): Promise<RegressionSample[]> {
  const result = await warehouse.client.query({
    query: `SELECT toString(toDate(started_at, {timezone:String})) AS started_on, use_case, intent, bot_version, channel,
    escalated, bot_resolved, had_fallback, csat_good, frt_s, handoff_wait_s
FROM ${warehouse.database}.fct_regression_samples
WHERE tenant_id = {tenant_id:String}
  AND toDate(started_at, {timezone:String}) >= {date_from:Date} AND toDate(started_at, {timezone:String}) <= {date_to:Date}`,
    query_params: { tenant_id: q.tenantId, timezone: q.timezone, date_from: q.from, date_to: q.to },
    format: 'JSONEachRow',
  })
  return result.json<RegressionSample>()
}

export type BotRelease = { bot_version: string; first_seen_at: string; first_seen_on: string; conversations: number }

export async function queryBotReleases(warehouse: Warehouse, tenantId: string, timezone: string): Promise<BotRelease[]> {
  const result = await warehouse.client.query({
    query: `SELECT bot_version, toString(first_seen_at) AS first_seen_at, toString(toDate(first_seen_at, {timezone:String})) AS first_seen_on, conversations
FROM ${warehouse.database}.dim_bot_releases WHERE tenant_id = {tenant_id:String} ORDER BY first_seen_at`,
    query_params: { tenant_id: tenantId, timezone },
    format: 'JSONEachRow',
  })
  return result.json<BotRelease>()
}

/** The latest local date with a conversation, or null for a tenant without any. */
export async function queryLastActiveDate(warehouse: Warehouse, tenantId: string, timezone: string): Promise<string | null> {
  const result = await warehouse.client.query({
    query: `SELECT toString(toDate(max(started_at), {timezone:String})) AS day, count() AS n FROM ${warehouse.database}.fct_regression_samples WHERE tenant_id = {tenant_id:String}`,
    query_params: { tenant_id: tenantId, timezone },
    format: 'JSONEachRow',
  })
  const [row] = await result.json<{ day: string; n: number }>()
  return row && Number(row.n) > 0 ? row.day : null
}
