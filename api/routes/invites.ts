// Invites: POST /v1/invites {email, role} (admins) answers a one-time link, once; GET
// /v1/invites/:token says what the link offers; POST /v1/invites/:token/accept {name, password}
// makes the person (or gives an existing one the role) and signs them in with the session cookie,
// as POST /v1/session does. A used, expired or unknown token is refused with the reason.
import { Hono } from 'hono'
import { z } from 'zod'
import type { ApiKey } from '../../config/config.ts'
import type { SessionResponse } from '../../definitions/api.ts'
import type { InviteCreated, InviteInfo } from '../../definitions/people.ts'
import { AccountError, type Accounts } from '../../domain/accounts/accounts.ts'
import { acceptInvite, createInvite, InviteRefused, openInvite } from '../../domain/accounts/invites.ts'
import { changedBy } from '../audit.ts'
import { clientAddress } from '../client-address.ts'
import { ApiError } from '../errors.ts'
import { type AuthVariables, requireRole } from '../middleware/auth.ts'
import { JSON_BODY_BYTES, limitBody } from '../middleware/body-limit.ts'
import { sessionAnswer, setSessionCookie } from '../session-cookie.ts'
import { parseBody } from '../validation.ts'

const newInviteSchema = z.object({ email: z.string().min(1, 'is empty').max(320, 'is longer than 320 characters'), role: z.string() })
const acceptSchema = z.object({
  name: z.string().max(200, 'is longer than 200 characters').optional(),
  password: z.string().min(1, 'is empty').max(1024, 'is longer than 1024 characters'),
})

/** Used and expired invites are gone (410), an unknown one was never there (404); bad input is 400. */
function asApiError(error: unknown): unknown {
  if (error instanceof InviteRefused)
    return new ApiError(error.reason === 'not_found' ? 404 : 410, error.reason === 'not_found' ? 'invite_not_found' : `invite_${error.reason}`, error.message)
  if (error instanceof AccountError) return new ApiError(400, 'bad_request', error.message)
  return error
}

export function invitesRoutes(options: { apiKeys: ApiKey[]; accounts: Accounts }) {
  const { accounts } = options
  const trustProxy = accounts.settings.trustProxy
  return new Hono<{ Variables: AuthVariables }>()
    .post('/', requireRole(options.apiKeys, 'manage'), limitBody(JSON_BODY_BYTES, 'send {email, role}'), async (c) => {
      const input = await parseBody(newInviteSchema, c.req.raw)
      try {
        const made = await createInvite(accounts, { tenant: c.get('apiKey').tenant, ...input }, changedBy(c, trustProxy))
        // the token travels in the fragment: browsers do not send it to servers or proxies' logs
        const link = `${new URL(c.req.url).origin}/#/invite/${made.token}`
        return c.json({ id: made.id, email: made.email, role: made.role, expires_at: made.expires_at, token: made.token, link } satisfies InviteCreated, 201)
      } catch (error) {
        throw asApiError(error)
      }
    })
    .get('/:token', async (c) => {
      try {
        const invite = await openInvite(accounts, c.req.param('token'))
        return c.json({
          tenant: invite.tenant,
          email: invite.email,
          role: invite.role,
          expires_at: invite.expires_at,
          existing_account: invite.existingAccount,
        } satisfies InviteInfo)
      } catch (error) {
        throw asApiError(error)
      }
    })
    .post('/:token/accept', limitBody(JSON_BODY_BYTES, 'send {name, password}'), async (c) => {
      // only JSON, as for POST /v1/session: no other site's form can sign a browser in
      if (!(c.req.header('content-type') ?? '').includes('application/json'))
        throw new ApiError(415, 'unsupported_media_type', 'send {"name", "password"} as application/json')
      const input = await parseBody(acceptSchema, c.req.raw)
      try {
        const signedIn = await acceptInvite(accounts, c.req.param('token'), { ...input, address: clientAddress(c, trustProxy) })
        setSessionCookie(c, signedIn, trustProxy)
        return c.json(sessionAnswer(signedIn) satisfies SessionResponse)
      } catch (error) {
        throw asApiError(error)
      }
    })
}
