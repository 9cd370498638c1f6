// GET /v1/audit?limit=N — the tenant's audit log for admins, newest first: who changed which goal,
// use case, person or key, when, and from where. Data teams query the same rows as audit_log in
// POST /v1/sql.
import { Hono } from 'hono'
import { z } from 'zod'
import type { ApiKey } from '../../config/config.ts'
import type { AuditResponse } from '../../definitions/api.ts'
import type { Warehouse } from '../../warehouse/client.ts'
import { listAudit } from '../../warehouse/repositories/audit-log.ts'
import { type AuthVariables, requireRole } from '../middleware/auth.ts'
import { validQuery } from '../validation.ts'

const auditQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(10_000).default(100) })

export function auditRoutes(options: { apiKeys: ApiKey[]; warehouse: Warehouse }) {
  return new Hono<{ Variables: AuthVariables }>().get('/', requireRole(options.apiKeys, 'manage'), validQuery(auditQuerySchema), async (c) => {
    const tenant = c.get('apiKey').tenant
    const rows = await listAudit(options.warehouse, tenant, c.req.valid('query').limit)
    return c.json({ tenant_id: tenant, entries: rows.map((r) => ({ ...r, at: `${r.at.replace(' ', 'T')}Z` })) } satisfies AuditResponse)
  })
}
