// /v1/goals — goals per tenant and KPI with status and attainment history (read role), and
// their administration (admin role). Goals from the config file are read-only here.
import { Hono } from 'hono'
import { z } from 'zod'
import type { PulsoConfig } from '../../config/config.ts'
import { tenantSettings } from '../../config/config.ts'
import { type Goal, goalInputSchema, toGoal } from '../../config/operating-loop.ts'
import type { GoalResponse, GoalsResponse } from '../../definitions/api.ts'
import { todayIn } from '../../domain/dates.ts'
import { evaluateGoals } from '../../domain/goals.ts'
import { ensureRegistrySynced } from '../../domain/registry-sync.ts'
import type { Warehouse } from '../../warehouse/client.ts'
import { deleteGoals, listGoals, saveGoals } from '../../warehouse/repositories/goals.ts'
import { audit } from '../audit.ts'
import { ApiError } from '../errors.ts'
import { type AuthVariables, requireRole } from '../middleware/auth.ts'
import { JSON_BODY_BYTES, limitBody } from '../middleware/body-limit.ts'
import { date, parseBody, validQuery } from '../validation.ts'

export const goalsQuerySchema = z.object({
  as_of: date.optional(),
  history: z.coerce.number({ error: 'expected a whole number' }).int('expected a whole number').min(1, 'must be ≥ 1').max(52, 'must be ≤ 52').default(8),
})

export function goalsRoutes(options: { config: PulsoConfig; warehouse: Warehouse }) {
  const { config, warehouse } = options
  const keys = config.apiKeys
  const find = async (tenantId: string, id: string) => (await listGoals(warehouse, tenantId)).find((g) => g.id === id)
  /** A goal as GET /v1/goals/:id answers it (snake_case, with its status today): what a write answers too. */
  const report = async (tenantId: string, goal: Goal): Promise<GoalResponse> => {
    const tenant = tenantSettings(config, tenantId)
    const asOf = todayIn(tenant.timezone)
    const [evaluated] = await evaluateGoals(warehouse, tenant, [goal], asOf, 1)
    return { tenant_id: tenant.id, as_of: asOf, goal: evaluated! }
  }

  return new Hono<{ Variables: AuthVariables }>()
    .get('/', requireRole(keys, 'read'), validQuery(goalsQuerySchema), async (c) => {
      await ensureRegistrySynced(warehouse, config)
      const query = c.req.valid('query')
      const tenant = tenantSettings(config, c.get('apiKey').tenant)
      const asOf = query.as_of ?? todayIn(tenant.timezone)
      const goals = await evaluateGoals(warehouse, tenant, await listGoals(warehouse, tenant.id), asOf, query.history)
      return c.json({ tenant_id: tenant.id, as_of: asOf, goals } satisfies GoalsResponse)
    })
    .get('/:id', requireRole(keys, 'read'), validQuery(goalsQuerySchema), async (c) => {
      await ensureRegistrySynced(warehouse, config)
      const query = c.req.valid('query')
      const tenant = tenantSettings(config, c.get('apiKey').tenant)
      const goal = await find(tenant.id, c.req.param('id'))
      if (!goal) throw new ApiError(404, 'not_found', `no goal '${c.req.param('id')}' for tenant ${tenant.id}`)
      const asOf = query.as_of ?? todayIn(tenant.timezone)
      const [report] = await evaluateGoals(warehouse, tenant, [goal], asOf, query.history)
      return c.json({ tenant_id: tenant.id, as_of: asOf, goal: report! } satisfies GoalResponse)
    })
    .post('/', requireRole(keys, 'edit'), limitBody(JSON_BODY_BYTES, 'send one goal'), async (c) => {
      await ensureRegistrySynced(warehouse, config)
      const tenant = c.get('apiKey').tenant
      const goal = toGoal(tenant, await parseBody(goalInputSchema, c.req.raw), 'api')
      if (await find(tenant, goal.id))
        throw new ApiError(409, 'conflict', `\`id\`: goal '${goal.id}' already exists; use PUT /v1/goals/${goal.id} to change it`)
      await saveGoals(warehouse, [goal])
      await audit(c, 'create', 'goal', goal.id)
      return c.json(await report(tenant, goal), 201)
    })
    .put('/:id', requireRole(keys, 'edit'), limitBody(JSON_BODY_BYTES, 'send one goal'), async (c) => {
      await ensureRegistrySynced(warehouse, config)
      const tenant = c.get('apiKey').tenant
      const id = c.req.param('id')
      const input = await parseBody(goalInputSchema, c.req.raw)
      if (input.id !== undefined && input.id !== id) throw new ApiError(400, 'bad_request', `\`id\`: the body says '${input.id}' but the path says '${id}'`)
      const existing = await find(tenant, id)
      if (existing?.source === 'config') throw new ApiError(409, 'conflict', `goal '${id}' is defined in the config file; change it there`)
      const goal = toGoal(tenant, { ...input, id }, 'api')
      await saveGoals(warehouse, [goal])
      await audit(c, existing ? 'update' : 'create', 'goal', goal.id)
      return c.json(await report(tenant, goal), existing ? 200 : 201)
    })
    .delete('/:id', requireRole(keys, 'edit'), async (c) => {
      await ensureRegistrySynced(warehouse, config)
      const tenant = c.get('apiKey').tenant
      const id = c.req.param('id')
      const existing = await find(tenant, id)
      if (!existing) throw new ApiError(404, 'not_found', `no goal '${id}' for tenant ${tenant}`)
      if (existing.source === 'config') throw new ApiError(409, 'conflict', `goal '${id}' is defined in the config file; remove it there`)
      await deleteGoals(warehouse, [existing])
      await audit(c, 'delete', 'goal', id)
      return c.body(null, 204)
    })
}
