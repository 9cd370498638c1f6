// Bearer-key authentication: each key belongs to one tenant and one role.
// ingest keys may only send events; read keys may only read; admin keys may do both.
import { timingSafeEqual } from 'node:crypto'
import { createMiddleware } from 'hono/factory'
import type { ApiKey, Role } from '../../config/config.ts'
import { ApiError } from '../errors.ts'

export type AuthVariables = { apiKey: ApiKey }

function sameKey(a: string, b: string): boolean {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.length === right.length && timingSafeEqual(left, right)
}

export function findApiKey(keys: ApiKey[], presented: string): ApiKey | undefined {
  return keys.find((k) => sameKey(k.key, presented))
}

/** Requires a valid key with one of `roles` (admin always passes). */
export function requireRole(keys: ApiKey[], ...roles: Role[]) {
  return createMiddleware<{ Variables: AuthVariables }>(async (c, next) => {
    const header = c.req.header('authorization') ?? ''
    const match = /^Bearer\s+(.+)$/i.exec(header.trim())
    if (!match) throw new ApiError(401, 'unauthorized', 'missing API key: send Authorization: Bearer <key>')
    const key = findApiKey(keys, match[1]!.trim())
    if (!key) throw new ApiError(401, 'unauthorized', 'unknown API key')
    if (key.role !== 'admin' && !roles.includes(key.role)) {
      throw new ApiError(403, 'forbidden', `this endpoint needs a key with role ${roles.join(' or ')}; this key has role ${key.role}`)
    }
    c.set('apiKey', key)
    await next()
  })
}
