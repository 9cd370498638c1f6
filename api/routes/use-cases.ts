// /v1/use-cases — the use-case registry (admin writes), the scorecard per use case, and the
// conversations where the bot kept a human-only use case.
import { Hono } from 'hono'
import { z } from 'zod'
import type { PulsoConfig } from '../../config/config.ts'
import { tenantSettings } from '../../config/config.ts'
import { useCaseInputSchema } from '../../config/operating-loop.ts'
import type { ScorecardResponse } from '../../definitions/api.ts'
import { addDays, todayIn } from '../../domain/dates.ts'
import { ensureRegistrySynced } from '../../domain/registry-sync.ts'
import type { Warehouse } from '../../warehouse/client.ts'
import { deleteUseCases, listUseCases, queryBotKeptHumanOnly, queryScorecard, saveUseCases } from '../../warehouse/repositories/use-cases.ts'
import { audit } from '../audit.ts'
import { ApiError } from '../errors.ts'
import { type AuthVariables, requireRole } from '../middleware/auth.ts'
import { JSON_BODY_BYTES, limitBody } from '../middleware/body-limit.ts'
import { date, parseBody, validQuery } from '../validation.ts'

const rangeSchema = z
  .object({ from: date.optional(), to: date.optional(), limit: z.coerce.number().int().min(1).max(1000, 'must be ≤ 1000').default(100) })
  .refine((q) => !q.from || !q.to || q.from <= q.to, { message: 'from must not be after to', path: ['from'] })

export function useCasesRoutes(options: { config: PulsoConfig; warehouse: Warehouse }) {
  const { config, warehouse } = options
  const keys = config.apiKeys
  /** Default range: the last 28 days up to today in the tenant's zone. */
  const rangeOf = (tenantId: string, query: z.infer<typeof rangeSchema>) => {
    const tenant = tenantSettings(config, tenantId)
    const to = query.to ?? todayIn(tenant.timezone)
    return { tenantId: tenant.id, timezone: tenant.timezone, from: query.from ?? addDays(to, -27), to }
  }

  return new Hono<{ Variables: AuthVariables }>()
    .get('/', requireRole(keys, 'read'), async (c) => {
      await ensureRegistrySynced(warehouse, config)
      const tenant = c.get('apiKey').tenant
      const useCases = await listUseCases(warehouse, tenant)
      return c.json({
        tenant_id: tenant,
        use_cases: useCases.map((u) => ({ name: u.name, policy: u.policy, intents: u.intents, description: u.description, source: u.source })),
      })
    })
    .get('/scorecard', requireRole(keys, 'read'), validQuery(rangeSchema), async (c) => {
      await ensureRegistrySynced(warehouse, config)
      const range = rangeOf(c.get('apiKey').tenant, c.req.valid('query'))
      const rows = await queryScorecard(warehouse, range)
      const outside = rows.find((r) => r.use_case === '(outside)')
      return c.json({
        tenant_id: range.tenantId,
        from: range.from,
        to: range.to,
        currency: tenantSettings(config, range.tenantId).currency,
        outside_share: outside?.share ?? null,
        bot_kept_human_only: rows.reduce((s, r) => s + r.bot_kept_human_only, 0),
        rows,
      } satisfies ScorecardResponse)
    })
    .get('/bot-kept-human-only', requireRole(keys, 'read'), validQuery(rangeSchema), async (c) => {
      await ensureRegistrySynced(warehouse, config)
      const query = c.req.valid('query')
      const range = rangeOf(c.get('apiKey').tenant, query)
      const { total, rows } = await queryBotKeptHumanOnly(warehouse, range, query.limit)
      return c.json({ tenant_id: range.tenantId, from: range.from, to: range.to, total, conversations: rows })
    })
    .put('/:name', requireRole(keys, 'edit'), limitBody(JSON_BODY_BYTES, 'send one use case'), async (c) => {
      await ensureRegistrySynced(warehouse, config)
      const tenant = c.get('apiKey').tenant
      const name = c.req.param('name')
      const input = await parseBody(useCaseInputSchema.partial({ name: true }), c.req.raw)
      if (input.name !== undefined && input.name !== name)
        throw new ApiError(400, 'bad_request', `\`name\`: the body says '${input.name}' but the path says '${name}'`)
      const parsed = useCaseInputSchema.safeParse({ ...input, name })
      if (!parsed.success) throw new ApiError(400, 'bad_request', `\`name\`: ${parsed.error.issues[0]!.message}`)
      const existing = (await listUseCases(warehouse, tenant)).find((u) => u.name === name)
      if (existing?.source === 'config') throw new ApiError(409, 'conflict', `use case '${name}' is defined in the config file; change it there`)
      const useCase = { ...parsed.data, tenantId: tenant, source: 'api' as const }
      await saveUseCases(warehouse, [useCase])
      await audit(c, existing ? 'update' : 'create', 'use_case', name)
      return c.json(
        { use_case: { name, policy: useCase.policy, intents: useCase.intents, description: useCase.description, source: 'api' } },
        existing ? 200 : 201,
      )
    })
    .delete('/:name', requireRole(keys, 'edit'), async (c) => {
      await ensureRegistrySynced(warehouse, config)
      const tenant = c.get('apiKey').tenant
      const name = c.req.param('name')
      const existing = (await listUseCases(warehouse, tenant)).find((u) => u.name === name)
      if (!existing) throw new ApiError(404, 'not_found', `no use case '${name}' for tenant ${tenant}`)
      if (existing.source === 'config') throw new ApiError(409, 'conflict', `use case '${name}' is defined in the config file; remove it there`)
      await deleteUseCases(warehouse, [existing])
      await audit(c, 'delete', 'use_case', name)
      return c.body(null, 204)
    })
}
