// The per-conversation values the regression detector compares (fct_regression_samples), summed
// per day and segment, and the releases they may follow (dim_bot_releases).
import { queryRows, type Warehouse } from '../client.ts'
import { utcIso } from '../utc-iso.ts'

/**
 * The conversations of one local day × use case × intent × bot version × channel ('' = none),
 * summed: how many, how many had each 0/1 outcome, and their durations. Enough for every window
 * of every evaluation: windows are unions of days, and a segment is a union of groups.
 */
export type RegressionGroup = {
  started_on: string
  use_case: string
  intent: string
  bot_version: string
  channel: string
  conversations: number
  escalated_sum: number
  bot_resolved_sum: number
  had_fallback_sum: number
  /** Conversations with a CSAT, and how many of them rated 4 or 5. */
  csat_good_n: number
  csat_good_sum: number
  /** First response times (s) of the group's conversations that have one; any order. */
  frt_s_values: number[]
  /** Handoff waits (s) of the group's conversations that have one; any order. */
  handoff_wait_s_values: number[]
}

/**
 * fct_regression_samples summed per group (see RegressionGroup): a few thousand rows for 50 days
 * instead of one per conversation. The durations go as their values (groupArray skips nulls): at
 * millisecond precision nearly every value of a group is distinct, and ClickHouse's groupArray
 * cost about half of a sumMap histogram on 330k conversations.
 */
export async function queryRegressionGroups(
  warehouse: Warehouse,
  q: { tenantId: string; timezone: string; from: string; to: string },
): Promise<RegressionGroup[]> {
  return queryRows<RegressionGroup>(
    warehouse,
    `SELECT toString(toDate(started_at, {timezone:String})) AS started_on, use_case, intent, bot_version, channel,
    count() AS conversations, sum(escalated) AS escalated_sum, sum(bot_resolved) AS bot_resolved_sum, sum(had_fallback) AS had_fallback_sum,
    count(csat_good) AS csat_good_n, countIf(csat_good = 1) AS csat_good_sum,
    groupArray(frt_s) AS frt_s_values, groupArray(handoff_wait_s) AS handoff_wait_s_values
FROM ${warehouse.database}.fct_regression_samples
WHERE tenant_id = {tenant_id:String}
  AND toDate(started_at, {timezone:String}) >= {date_from:Date} AND toDate(started_at, {timezone:String}) <= {date_to:Date}
GROUP BY started_on, use_case, intent, bot_version, channel`,
    { tenant_id: q.tenantId, timezone: q.timezone, date_from: q.from, date_to: q.to },
  )
}

export type BotRelease = { bot_version: string; first_seen_at: string; first_seen_on: string; conversations: number }

export async function queryBotReleases(warehouse: Warehouse, tenantId: string, timezone: string): Promise<BotRelease[]> {
  const releases = await queryRows<BotRelease>(
    warehouse,
    `SELECT bot_version, toString(first_seen_at) AS first_seen_at, toString(toDate(first_seen_at, {timezone:String})) AS first_seen_on, conversations
FROM ${warehouse.database}.dim_bot_releases WHERE tenant_id = {tenant_id:String} ORDER BY first_seen_at`,
    { tenant_id: tenantId, timezone },
  )
  return releases.map((release) => ({ ...release, first_seen_at: utcIso(release.first_seen_at) }))
}

/**
 * The latest local date with a conversation, or null for a tenant without any. The latest
 * conversation is nearly always recent: the last 7 days are looked at first (a few granules of the
 * (tenant_id, started_at) key, ~15 ms against ~200 ms for 1.2M conversations), all of the tenant's
 * conversations only when those days hold none. Either way the maximum is the same.
 */
export async function queryLastActiveDate(warehouse: Warehouse, tenantId: string, timezone: string): Promise<string | null> {
  for (const recent of ['AND started_at >= now() - INTERVAL 7 DAY', '']) {
    const [row] = await queryRows<{ day: string; n: number }>(
      warehouse,
      `SELECT toString(toDate(max(started_at), {timezone:String})) AS day, count() AS n FROM ${warehouse.database}.fct_regression_samples WHERE tenant_id = {tenant_id:String} ${recent}`,
      { tenant_id: tenantId, timezone },
    )
    if (row && Number(row.n) > 0) return row.day
  }
  return null
}
