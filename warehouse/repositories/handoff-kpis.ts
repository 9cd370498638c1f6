// Reads the after-the-handoff mart (dbt-like-models/marts/fct_handoff_kpis.sql) with bound
// parameters; what each KPI means is defined there, not here.
import type { HandoffTeamRow } from '../../definitions/api.ts'
import type { Grain, HandoffGroup } from '../../definitions/kpis.ts'
import { queryRows, type Warehouse } from '../client.ts'
import { utcIso } from '../utc-iso.ts'
import { periodMartSql, queryPeriodMart } from './period-marts.ts'

export type HandoffKpiQuery = { tenantId: string; timezone: string; from: string; to: string; grain: Grain; by: HandoffGroup }

const NUMBERS = [
  'conversations',
  'handed_off',
  'resolved_conversations',
  'resolution_p50_s',
  'agent_first_reply_p50_s',
  'agent_reply_p50_s',
  'reopened_conversations',
  'reopen_rate',
  'csat_score',
  'csat_avg',
  'fcr_rate',
] as const

export function handoffKpiSql(database: string, by: HandoffGroup): string {
  return periodMartSql(database, 'fct_handoff_kpis', 'team', by, NUMBERS)
}

/** One row per period and agent (or queue) with conversations that reached a person; null groups those without one. */
export async function queryHandoffKpis(warehouse: Warehouse, query: HandoffKpiQuery): Promise<HandoffTeamRow[]> {
  return (await queryPeriodMart(warehouse, handoffKpiSql(warehouse.database, query.by), NUMBERS, query)) as HandoffTeamRow[]
}

/** The times an SLA clock reads, of one handed-off conversation (UTC ISO instants). */
export type HandedOffConversation = {
  conversation_id: string
  /** Local date of started_at: the day the conversation belongs to. */
  started_on: string
  queue: string | null
  agent_id: string | null
  first_customer_at: string | null
  handoff_at: string
  first_agent_after_handoff_at: string | null
  /** The resolution that counts (null: unresolved, or open again after it). */
  resolution_at: string | null
}

/** The tenant's handed-off conversations that started in the range (local dates), from the stored facts. */
export async function queryHandedOffConversations(
  warehouse: Warehouse,
  query: { tenantId: string; timezone: string; from: string; to: string },
): Promise<HandedOffConversation[]> {
  const rows = await queryRows<HandedOffConversation>(
    warehouse,
    `SELECT conversation_id, toString(toDate(started_at, {timezone:String})) AS started_on, queue, agent_id,
    first_customer_at, handoff_at, first_agent_after_handoff_at, if(resolution_s IS NULL, NULL, resolved_at) AS resolution_at
FROM ${warehouse.database}.fct_conversations
WHERE tenant_id = {tenant_id:String}
  AND toDate(started_at, {timezone:String}) >= {date_from:Date} AND toDate(started_at, {timezone:String}) <= {date_to:Date}
  AND escalated
ORDER BY started_at, conversation_id`,
    { tenant_id: query.tenantId, timezone: query.timezone, date_from: query.from, date_to: query.to },
  )
  return rows.map((row) => ({
    ...row,
    first_customer_at: utcIso(row.first_customer_at),
    handoff_at: utcIso(row.handoff_at)!,
    first_agent_after_handoff_at: utcIso(row.first_agent_after_handoff_at),
    resolution_at: utcIso(row.resolution_at),
  }))
}
