// What every way of signing in ends with (a password, an invite's link, single sign-on): the session
// cookie, and the answer that tells the dashboard who is signed in. The cookie is httpOnly (no
// script reads it), SameSite=Lax (other sites' requests do not carry it on writes) and Secure over
// HTTPS; the answer carries the CSRF token the dashboard sends with its writes, never the session id.
import type { Context } from 'hono'
import { setCookie } from 'hono/cookie'
import type { SessionResponse } from '../definitions/api.ts'
import type { SignedIn } from '../domain/accounts/accounts.ts'
import type { Caller } from '../domain/accounts/roles.ts'
import { overHttps } from './client-address.ts'
import { SESSION_COOKIE } from './middleware/auth.ts'

/** The session cookie's attributes, for setting it and for deleting it (a browser deletes only a cookie of the same path). */
export function sessionCookieOptions(c: Context, trustProxy: boolean) {
  return { path: '/', httpOnly: true, sameSite: 'Lax', secure: overHttps(c, trustProxy) } as const
}

/** Sets the session cookie of a person just signed in, expiring with their session. */
export function setSessionCookie(c: Context, signedIn: SignedIn, trustProxy: boolean): void {
  setCookie(c, SESSION_COOKIE, signedIn.sessionId, { ...sessionCookieOptions(c, trustProxy), expires: signedIn.expiresAt })
}

/** Who is signed in, until when, and their CSRF token: the answer of POST and GET /v1/session and of an accepted invite. */
export function sessionAnswer(session: { caller: Caller; name: string; expiresAt: Date; csrfToken: string }): SessionResponse {
  return {
    email: session.caller.actor,
    name: session.name,
    tenant: session.caller.tenant,
    role: session.caller.role,
    expires_at: session.expiresAt.toISOString(),
    csrf_token: session.csrfToken,
  }
}
