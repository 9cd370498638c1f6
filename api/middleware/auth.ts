// Who is calling, and may they? Machines send an API key (Authorization: Bearer <key>: one from the
// configuration, or one an admin made, domain/accounts/api-keys.ts); people send
// the session cookie of their sign-in (api/routes/session.ts). Each key and each person has a role
// in one tenant, and a role grants accesses (domain/accounts/roles.ts): a route asks for one.
// A write made with the cookie must also carry the session's CSRF token in X-Pulso-CSRF: another
// site can make a browser send the cookie, but cannot read the token.
import { createHash, timingSafeEqual } from 'node:crypto'
import type { Context } from 'hono'
import { getCookie } from 'hono/cookie'
import { createMiddleware } from 'hono/factory'
import type { ApiKey } from '../../config/config.ts'
import { type Accounts, csrfTokenOf } from '../../domain/accounts/accounts.ts'
import { callerOfManagedKey } from '../../domain/accounts/api-keys.ts'
import { type Access, accessOf, type Caller, rolesGranting } from '../../domain/accounts/roles.ts'
import { ApiError } from '../errors.ts'

/** `apiKey`: the caller, a key or a person (the name is older than people's sessions). */
export type AuthVariables = { apiKey: Caller; accounts?: Accounts }

export const SESSION_COOKIE = 'pulso_session'
export const CSRF_HEADER = 'x-pulso-csrf'

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.length === right.length && timingSafeEqual(left, right)
}

export function findApiKey(keys: ApiKey[], presented: string): ApiKey | undefined {
  return keys.find((k) => sameSecret(k.key, presented))
}

/** How the audit log names a configured key: its role and a fingerprint, never the key. */
export function configuredKeyActor(key: ApiKey): string {
  return `configured ${key.role} key ${createHash('sha256').update(key.key).digest('hex').slice(0, 8)}`
}

/** Makes people's sessions known to every route below (app.ts): without it, only keys are. */
export function provideAccounts(accounts: Accounts) {
  return createMiddleware<{ Variables: AuthVariables }>(async (c, next) => {
    c.set('accounts', accounts)
    await next()
  })
}

async function authenticate(c: Context<{ Variables: AuthVariables }>, keys: ApiKey[]): Promise<Caller> {
  const header = c.req.header('authorization')
  if (header !== undefined) {
    const match = /^Bearer\s+(.+)$/i.exec(header.trim())
    if (!match) throw new ApiError(401, 'unauthorized', 'missing API key: send Authorization: Bearer <key>')
    const presented = match[1]!.trim()
    const key = findApiKey(keys, presented)
    if (key) return { tenant: key.tenant, kind: 'key', role: key.role, actor: configuredKeyActor(key) }
    // not configured: a key an admin made (and has not revoked)?
    const accounts = c.get('accounts')
    const managed = accounts ? await callerOfManagedKey(accounts.warehouse, presented) : undefined
    if (!managed) throw new ApiError(401, 'unauthorized', 'unknown API key')
    return managed
  }
  const accounts = c.get('accounts')
  const sessionId = accounts ? getCookie(c, SESSION_COOKIE) : undefined
  if (!accounts || !sessionId) throw new ApiError(401, 'unauthorized', 'sign in, or send an API key: Authorization: Bearer <key>')
  const caller = await accounts.callerOfSession(sessionId)
  if (!caller) throw new ApiError(401, 'session_ended', 'your session has ended (signed out, expired or removed): sign in again')
  if (!SAFE_METHODS.has(c.req.method) && !sameSecret(c.req.header(CSRF_HEADER) ?? '', csrfTokenOf(sessionId))) {
    throw new ApiError(403, 'csrf', `a write with the session cookie needs its ${CSRF_HEADER} header (the csrf_token of POST or GET /v1/session)`)
  }
  return { tenant: caller.tenant, kind: caller.kind, role: caller.role, actor: caller.actor }
}

function refusal(caller: Caller, access: Access[]): string {
  const granting = access.map(rolesGranting)
  if (caller.kind === 'key') {
    // admin keys pass everything: the message names the narrower roles, unless only admin will do
    const roles = [...new Set(granting.flatMap((g) => g.keys))]
    const named = roles.filter((r) => r !== 'admin')
    return `this endpoint needs a key with role ${(named.length ? named : roles).join(' or ')}; this key has role ${caller.role}`
  }
  const roles = [...new Set(granting.flatMap((g) => g.people))]
  return `this needs the role ${roles.join(' or ')} in tenant ${caller.tenant}; you are ${caller.role === 'admin' || caller.role === 'editor' ? 'an' : 'a'} ${caller.role}`
}

/** Requires a key or a signed-in person whose role grants one of `access`. */
export function requireRole(keys: ApiKey[], ...access: Access[]) {
  return createMiddleware<{ Variables: AuthVariables }>(async (c, next) => {
    const caller = await authenticate(c, keys)
    if (!accessOf(caller).some((granted) => access.includes(granted))) throw new ApiError(403, 'forbidden', refusal(caller, access))
    c.set('apiKey', caller)
    await next()
  })
}
