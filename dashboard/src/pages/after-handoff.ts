// Data of the Operations page's "After the handoff" section: the per-queue and per-agent KPIs of the
// period (GET /v1/handoffs/queues, /agents) and the SLA per day (GET /v1/handoffs/sla), and the
// drill-down filters behind each number.
import type { Api, HandoffTeamRow, SlaResponse } from '../lib/api.ts'

type Range = { from: string; to: string }
export type Team = 'queue' | 'agent'

export async function loadTeams(api: Api, period: Range, by: Team): Promise<HandoffTeamRow[]> {
  return (await api.handoffTeams(by, period)).rows
}

export function loadSla(api: Api, period: Range): Promise<SlaResponse> {
  return api.sla({ ...period, grain: 'day' })
}

/** The row's id: the queue or agent id, '' for the conversations without one. */
export const teamId = (row: HandoffTeamRow, by: Team): string => (by === 'queue' ? row.queue : row.agent) ?? ''

/** The /v1/conversations filters of a row (`flag`: its own, joined to the number's). */
export function teamFilters(row: HandoffTeamRow, by: Team, numberFlag?: string): Record<string, string | undefined> {
  const id = teamId(row, by)
  // a row without a queue or agent: the conversations that reached a person without one, as the mart counts them
  const flags = [id === '' ? `reached_person,no_${by}` : undefined, numberFlag].filter(Boolean).join(',')
  return { [by]: id || undefined, flag: flags || undefined }
}

/** Which conversations each number of a row is made of, and their order. */
export const NUMBER_DRILL: Record<string, { flag?: string; sort?: string }> = {
  conversations: {},
  resolution_p50_s: { flag: 'with_resolution_time', sort: 'resolution' },
  agent_first_reply_p50_s: { flag: 'escalated', sort: 'handoff_wait' },
  agent_reply_p50_s: {},
  reopened_conversations: { flag: 'reopened' },
  csat_score: { flag: 'with_csat', sort: 'csat' },
  fcr_rate: { flag: 'resolved' },
}
