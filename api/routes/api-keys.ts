// API keys for machines, managed by admins: GET /v1/keys lists the tenant's (never their secrets),
// POST /v1/keys makes one ({name, scope: ingest|read}) and answers its secret, once;
// DELETE /v1/keys/:id revokes one at once. Keys from the configuration are not listed here.
import { Hono } from 'hono'
import { z } from 'zod'
import type { ApiKey } from '../../config/config.ts'
import { AccountError } from '../../domain/accounts/accounts.ts'
import { createApiKey, KEY_SCOPES, listManagedKeys, revokeApiKey } from '../../domain/accounts/api-keys.ts'
import type { Warehouse } from '../../warehouse/client.ts'
import { audit } from '../audit.ts'
import { ApiError } from '../errors.ts'
import { type AuthVariables, requireRole } from '../middleware/auth.ts'
import { JSON_BODY_BYTES, limitBody } from '../middleware/body-limit.ts'
import { parseBody } from '../validation.ts'

const newKeySchema = z.object({
  name: z.string().trim().min(1, 'is empty').max(100, 'is longer than 100 characters'),
  scope: z.enum(KEY_SCOPES, { error: `expected one of ${KEY_SCOPES.join(', ')}` }),
})

export function apiKeysRoutes(options: { apiKeys: ApiKey[]; warehouse: Warehouse }) {
  const { warehouse } = options
  return new Hono<{ Variables: AuthVariables }>()
    .get('/', requireRole(options.apiKeys, 'manage'), async (c) => c.json({ keys: await listManagedKeys(warehouse, c.get('apiKey').tenant) }))
    .post('/', requireRole(options.apiKeys, 'manage'), limitBody(JSON_BODY_BYTES, 'send {name, scope}'), async (c) => {
      const input = await parseBody(newKeySchema, c.req.raw)
      const caller = c.get('apiKey')
      let made: Awaited<ReturnType<typeof createApiKey>>
      try {
        made = await createApiKey(warehouse, { tenant: caller.tenant, ...input, createdBy: caller.actor })
      } catch (error) {
        if (error instanceof AccountError) throw new ApiError(400, 'bad_request', error.message)
        throw error
      }
      await audit(c, 'create', 'key', made.id)
      return c.json(made, 201)
    })
    .delete('/:id', requireRole(options.apiKeys, 'manage'), async (c) => {
      const tenant = c.get('apiKey').tenant
      const revoked = await revokeApiKey(warehouse, tenant, c.req.param('id'))
      if (!revoked) throw new ApiError(404, 'not_found', `no key '${c.req.param('id')}' for tenant ${tenant} (keys from the configuration are removed there)`)
      await audit(c, 'revoke', 'key', revoked.id)
      return c.body(null, 204)
    })
}
