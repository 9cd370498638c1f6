// Where a request came from, and whether it came over HTTPS: from the connection itself, or, when
// Pulso runs behind a proxy it trusts (PULSO_TRUST_PROXY=1), from the headers that proxy sets.
import { getConnInfo } from '@hono/node-server/conninfo'
import type { Context } from 'hono'

/** The client's address: the connection's peer, or the address the trusted proxy appended to X-Forwarded-For. */
export function clientAddress(c: Context, trustProxy: boolean): string {
  if (trustProxy) {
    // the last entry is the one our proxy wrote; the ones before it came from the client
    const forwarded = c.req.header('x-forwarded-for')?.split(',').at(-1)?.trim()
    if (forwarded) return forwarded
  }
  try {
    return getConnInfo(c).remote.address ?? 'unknown'
  } catch {
    return 'unknown' // a request handed to app.request() in tests has no connection
  }
}

/** Whether the browser's request was made over HTTPS (so a cookie may be marked Secure). */
export function overHttps(c: Context, trustProxy: boolean): boolean {
  if (new URL(c.req.url).protocol === 'https:') return true
  return trustProxy && c.req.header('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase() === 'https'
}
