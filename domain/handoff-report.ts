// After the handoff, per agent or per queue: the report of GET /v1/handoffs/agents|queues and
// `pulso handoffs`, one code path so both give the same numbers. The KPIs come from the
// fct_handoff_kpis mart; this adds only the tenant's display names for agents.
import type { TenantSettings } from '../config/config.ts'
import type { HandoffTeamsResponse } from '../definitions/api.ts'
import type { Grain, HandoffGroup } from '../definitions/kpis.ts'
import type { Warehouse } from '../warehouse/client.ts'
import { queryHandoffKpis } from '../warehouse/repositories/handoff-kpis.ts'

export type HandoffReportQuery = { from: string; to: string; grain: Grain; by: HandoffGroup }

/**
 * `agentNames`: the tenant's display names (configuration `agents`); an agent without one is shown
 * by its id, the pseudonymous id its producer sent.
 */
export async function handoffTeamReport(
  warehouse: Warehouse,
  tenant: TenantSettings,
  agentNames: ReadonlyMap<string, string> | undefined,
  query: HandoffReportQuery,
): Promise<HandoffTeamsResponse> {
  const rows = await queryHandoffKpis(warehouse, { tenantId: tenant.id, timezone: tenant.timezone, ...query })
  return {
    tenant_id: tenant.id,
    timezone: tenant.timezone,
    grain: query.grain,
    by: query.by,
    from: query.from,
    to: query.to,
    rows:
      query.by === 'agent'
        ? rows.map(({ period, agent, ...numbers }) => ({ period, agent, agent_name: (agent && agentNames?.get(agent)) || null, ...numbers }))
        : rows,
  }
}
