// People's sessions: POST /v1/session signs in with an email and a password and sets the session
// cookie (see session-cookie.ts); GET /v1/session says who is signed in; DELETE /v1/session signs out.
import { Hono } from 'hono'
import { deleteCookie, getCookie } from 'hono/cookie'
import { z } from 'zod'
import type { AccountSettings } from '../../config/config.ts'
import type { SessionResponse } from '../../definitions/api.ts'
import { type Accounts, csrfTokenOf, SignInLocked, SignInRefused, TenantChoiceNeeded } from '../../domain/accounts/accounts.ts'
import { clientAddress } from '../client-address.ts'
import { ApiError } from '../errors.ts'
import { CSRF_HEADER, SESSION_COOKIE } from '../middleware/auth.ts'
import { JSON_BODY_BYTES, limitBody } from '../middleware/body-limit.ts'
import { sessionAnswer, sessionCookieOptions, setSessionCookie } from '../session-cookie.ts'
import { parseBody } from '../validation.ts'

const signInSchema = z.object({
  email: z.string().min(1, 'is empty').max(320, 'is longer than 320 characters'),
  password: z.string().min(1, 'is empty').max(1024, 'is longer than 1024 characters'),
  tenant: z.string().min(1).optional(),
})

export function sessionRoutes(options: { accounts: Accounts; settings: AccountSettings }) {
  const { accounts, settings } = options

  return new Hono()
    .post('/', limitBody(JSON_BODY_BYTES, 'send an email and a password'), async (c) => {
      // Only JSON: a form on another site cannot send it without a CORS preflight, which Pulso
      // does not answer, so no other site can sign a browser in to an account of its choosing.
      if (!(c.req.header('content-type') ?? '').includes('application/json'))
        throw new ApiError(415, 'unsupported_media_type', 'send {"email", "password"} as application/json')
      const input = await parseBody(signInSchema, c.req.raw)
      try {
        const signedIn = await accounts.signIn({ ...input, address: clientAddress(c, settings.trustProxy) })
        setSessionCookie(c, signedIn, settings.trustProxy)
        return c.json(sessionAnswer(signedIn) satisfies SessionResponse)
      } catch (error) {
        if (error instanceof SignInRefused) throw new ApiError(401, 'sign_in_failed', error.message)
        if (error instanceof SignInLocked) throw new ApiError(429, 'sign_in_locked', error.message, { 'retry-after': String(error.retryAfterSeconds) })
        if (error instanceof TenantChoiceNeeded) throw new ApiError(400, 'choose_tenant', error.message)
        throw error
      }
    })
    .get('/', async (c) => {
      const sessionId = getCookie(c, SESSION_COOKIE)
      const caller = sessionId ? await accounts.callerOfSession(sessionId) : undefined
      if (!sessionId || !caller) throw new ApiError(401, 'unauthorized', 'not signed in')
      return c.json(sessionAnswer({ caller, name: caller.name, expiresAt: caller.expiresAt, csrfToken: csrfTokenOf(sessionId) }) satisfies SessionResponse)
    })
    .delete('/', async (c) => {
      const sessionId = getCookie(c, SESSION_COOKIE)
      if (sessionId && (await accounts.callerOfSession(sessionId))) {
        if (c.req.header(CSRF_HEADER) !== csrfTokenOf(sessionId)) throw new ApiError(403, 'csrf', `signing out needs the session's ${CSRF_HEADER} header`)
        await accounts.signOut(sessionId)
      }
      deleteCookie(c, SESSION_COOKIE, sessionCookieOptions(c, settings.trustProxy))
      return c.body(null, 204)
    })
}
