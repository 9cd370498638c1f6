// The questions behind the weekly review: unanswered questions, escalation reasons, CSAT per intent.
import type { EscalationReason } from '../../definitions/api.ts'
import { queryRows, type Warehouse } from '../client.ts'

export type WeekRange = { tenantId: string; timezone: string; from: string; to: string }

const params = (r: WeekRange) => ({ tenant_id: r.tenantId, timezone: r.timezone, date_from: r.from, date_to: r.to })

export type QuestionGroupRow = { question_normalized: string; fallbacks: number; conversations: number; examples: string[]; use_cases: string[] }

/**
 * Fallbacks grouped by normalised question (fct_fallback_questions) per ISO week (Monday first,
 * in the tenant's zone) of the range, most frequent first within each week: one read for the
 * weeks the review compares.
 */
export async function queryFallbackQuestionsByWeek(warehouse: Warehouse, range: WeekRange, limit = 500): Promise<Map<string, QuestionGroupRow[]>> {
  const rows = await queryRows<QuestionGroupRow & { week: string }>(
    warehouse,
    `SELECT toString(toMonday(toDate(occurred_at, {timezone:String}))) AS week,
    question_normalized, count() AS fallbacks, uniqExact(conversation_id) AS conversations,
    arraySort(groupUniqArray(5)(question)) AS examples,
    arraySort(arrayFilter(u -> u != '', groupUniqArray(5)(ifNull(toString(use_case), '')))) AS use_cases
FROM ${warehouse.database}.fct_fallback_questions
WHERE tenant_id = {tenant_id:String}
  AND toDate(occurred_at, {timezone:String}) >= {date_from:Date} AND toDate(occurred_at, {timezone:String}) <= {date_to:Date}
GROUP BY week, question_normalized
ORDER BY week, fallbacks DESC, question_normalized
LIMIT {limit:UInt32} BY week`,
    { ...params(range), limit },
  )
  const byWeek = new Map<string, QuestionGroupRow[]>()
  for (const { week, ...row } of rows) {
    let list = byWeek.get(week)
    if (!list) byWeek.set(week, (list = []))
    list.push(row)
  }
  return byWeek
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
