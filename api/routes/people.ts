// The tenant's people, for admins: GET /v1/people lists them with their roles; PUT
// /v1/people/:email {role} changes one's role; DELETE /v1/people/:email removes them from the
// tenant and ends their sessions there. Invites (adding people) are api/routes/invites.ts.
import { Hono } from 'hono'
import { z } from 'zod'
import type { ApiKey } from '../../config/config.ts'
import type { PeopleResponse } from '../../definitions/people.ts'
import { AccountError, type Accounts } from '../../domain/accounts/accounts.ts'
import { changeRole, listPeople, PersonNotFound, removePerson } from '../../domain/accounts/people.ts'
import { PERSON_ROLES } from '../../domain/accounts/roles.ts'
import { changedBy } from '../audit.ts'
import { ApiError } from '../errors.ts'
import { type AuthVariables, requireRole } from '../middleware/auth.ts'
import { JSON_BODY_BYTES, limitBody } from '../middleware/body-limit.ts'
import { parseBody } from '../validation.ts'

const roleSchema = z.object({ role: z.enum(PERSON_ROLES, { error: `expected one of ${PERSON_ROLES.join(', ')}` }) })

/** The domain's refusals as HTTP answers. */
function asApiError(error: unknown): unknown {
  if (error instanceof PersonNotFound) return new ApiError(404, 'not_found', error.message)
  if (error instanceof AccountError) return new ApiError(409, 'conflict', error.message)
  return error
}

export function peopleRoutes(options: { apiKeys: ApiKey[]; accounts: Accounts }) {
  const { accounts } = options
  const trustProxy = accounts.settings.trustProxy
  return new Hono<{ Variables: AuthVariables }>()
    .get('/', requireRole(options.apiKeys, 'manage'), async (c) => {
      const tenant = c.get('apiKey').tenant
      return c.json({ tenant_id: tenant, people: await listPeople(accounts, tenant) } satisfies PeopleResponse)
    })
    .put('/:email', requireRole(options.apiKeys, 'manage'), limitBody(JSON_BODY_BYTES, 'send {role}'), async (c) => {
      const { role } = await parseBody(roleSchema, c.req.raw)
      try {
        return c.json(await changeRole(accounts, c.get('apiKey').tenant, c.req.param('email'), role, changedBy(c, trustProxy)))
      } catch (error) {
        throw asApiError(error)
      }
    })
    .delete('/:email', requireRole(options.apiKeys, 'manage'), async (c) => {
      try {
        await removePerson(accounts, c.get('apiKey').tenant, c.req.param('email'), changedBy(c, trustProxy))
      } catch (error) {
        throw asApiError(error)
      }
      return c.body(null, 204)
    })
}
