// The use-case registry, the scorecard per use case, and the conversations where the bot kept
// a human-only use case. The scorecard is defined in the fct_use_case_scorecard mart.
import type { UseCase } from '../../config/operating-loop.ts'
import type { ScorecardRow } from '../../definitions/api.ts'
import { insertRows, queryRows, type Warehouse } from '../client.ts'
import { utcIso } from '../utc-iso.ts'
import { nextVersionTime } from './version-time.ts'

type UseCaseRow = { tenant_id: string; name: string; policy: string; intents: string[]; description: string; source: string }

export async function listUseCases(warehouse: Warehouse, tenantId?: string): Promise<UseCase[]> {
  const rows = await queryRows<UseCaseRow>(
    warehouse,
    `SELECT tenant_id, name, policy, intents, description, source FROM ${warehouse.database}.stg_use_cases
WHERE {all:Bool} OR tenant_id = {tenant_id:String}
ORDER BY tenant_id, name`,
    { all: tenantId === undefined, tenant_id: tenantId ?? '' },
  )
  return rows.map((r) => ({
    tenantId: r.tenant_id,
    name: r.name,
    policy: r.policy as UseCase['policy'],
    intents: r.intents,
    description: r.description,
    source: r.source as UseCase['source'],
  }))
}

function toRow(u: UseCase, deleted = false) {
  return {
    tenant_id: u.tenantId,
    name: u.name,
    policy: u.policy,
    intents: u.intents,
    description: u.description,
    source: u.source,
    deleted: deleted ? 1 : 0,
    updated_at: nextVersionTime(),
  }
}

export async function saveUseCases(warehouse: Warehouse, useCases: UseCase[]): Promise<void> {
  if (useCases.length === 0) return
  await insertRows(
    warehouse,
    `${warehouse.database}.use_cases`,
    useCases.map((u) => toRow(u)),
  )
}

export async function deleteUseCases(warehouse: Warehouse, useCases: UseCase[]): Promise<void> {
  if (useCases.length === 0) return
  await insertRows(
    warehouse,
    `${warehouse.database}.use_cases`,
    useCases.map((u) => toRow(u, true)),
  )
}

export function sameUseCase(a: UseCase, b: UseCase): boolean {
  return a.policy === b.policy && a.description === b.description && a.source === b.source && a.intents.join('\u0000') === b.intents.join('\u0000')
}

export type DateRange = { tenantId: string; timezone: string; from: string; to: string }

export async function queryScorecard(warehouse: Warehouse, range: DateRange): Promise<ScorecardRow[]> {
  const rows = await queryRows<ScorecardRow>(
    warehouse,
    `SELECT use_case, policy, in_registry, conversations, share, bot_resolution_rate, escalation_rate, csat_score, cost_per_conversation, bot_kept_human_only
FROM ${warehouse.database}.fct_use_case_scorecard(tenant_id = {tenant_id:String}, timezone = {timezone:String}, date_from = {date_from:Date}, date_to = {date_to:Date})`,
    { tenant_id: range.tenantId, timezone: range.timezone, date_from: range.from, date_to: range.to },
  )
  return rows.map((r) => ({ ...r, in_registry: Boolean(r.in_registry) }))
}

export type KeptConversationRow = {
  conversation_id: string
  started_at: string
  use_case: string
  intent: string | null
  bot_version: string | null
  channel: string
}

/** Conversations of a human-policy use case that never reached a person, newest first. */
export async function queryBotKeptHumanOnly(warehouse: Warehouse, range: DateRange, limit: number): Promise<{ total: number; rows: KeptConversationRow[] }> {
  const params = { tenant_id: range.tenantId, timezone: range.timezone, date_from: range.from, date_to: range.to, limit }
  const where = `tenant_id = {tenant_id:String} AND bot_kept_human_only
  AND toDate(started_at, {timezone:String}) >= {date_from:Date} AND toDate(started_at, {timezone:String}) <= {date_to:Date}`
  const rows = await queryRows<KeptConversationRow>(
    warehouse,
    `SELECT conversation_id, toString(started_at) AS started_at, registered_use_case AS use_case, intent, bot_version, channel
FROM ${warehouse.database}.fct_conversation_use_cases WHERE ${where}
ORDER BY started_at DESC, conversation_id LIMIT {limit:UInt32}`,
    params,
  )
  const [count] = await queryRows<{ n: number }>(warehouse, `SELECT count() AS n FROM ${warehouse.database}.fct_conversation_use_cases WHERE ${where}`, params)
  const kept = rows.map((row) => ({ ...row, started_at: utcIso(row.started_at) }))
  return { total: Number(count?.n ?? 0), rows: kept }
}
