// The questions behind the weekly review: unanswered questions, escalation reasons, CSAT per intent.
import type { EscalationReason } from '../../definitions/api.ts'
import { queryRows, type Warehouse } from '../client.ts'

export type WeekRange = { tenantId: string; timezone: string; from: string; to: string }

const params = (r: WeekRange) => ({ tenant_id: r.tenantId, timezone: r.timezone, date_from: r.from, date_to: r.to })

export type QuestionGroupRow = { question_normalized: string; fallbacks: number; conversations: number; examples: string[]; use_cases: string[] }

/** Fallbacks grouped by normalised question (fct_fallback_questions), most frequent first. */
export async function queryFallbackQuestions(warehouse: Warehouse, range: WeekRange, limit = 500): Promise<QuestionGroupRow[]> {
  return queryRows<QuestionGroupRow>(
    warehouse,
    `SELECT question_normalized, count() AS fallbacks, uniqExact(conversation_id) AS conversations,
    arraySort(groupUniqArray(5)(question)) AS examples,
    arraySort(arrayFilter(u -> u != '', groupUniqArray(5)(ifNull(toString(use_case), '')))) AS use_cases
FROM ${warehouse.database}.fct_fallback_questions
WHERE tenant_id = {tenant_id:String}
  AND toDate(occurred_at, {timezone:String}) >= {date_from:Date} AND toDate(occurred_at, {timezone:String}) <= {date_to:Date}
GROUP BY question_normalized
ORDER BY fallbacks DESC, question_normalized
LIMIT {limit:UInt32}`,
    { ...params(range), limit },
  )
}

/** Why conversations were escalated (reason of the first handoff), most frequent first. */
export async function queryEscalationReasons(warehouse: Warehouse, range: WeekRange): Promise<EscalationReason[]> {
  return queryRows<EscalationReason>(
    warehouse,
    `SELECT ifNull(toString(handoff_reason), 'unknown') AS reason, count() AS conversations, count() / sum(count()) OVER () AS share
FROM ${warehouse.database}.fct_conversations
WHERE tenant_id = {tenant_id:String} AND escalated
  AND toDate(started_at, {timezone:String}) >= {date_from:Date} AND toDate(started_at, {timezone:String}) <= {date_to:Date}
GROUP BY reason
ORDER BY conversations DESC, reason`,
    params(range),
  )
}
