// Meta signs every webhook POST with X-Hub-Signature-256: "sha256=" + hex HMAC-SHA256 of the raw
// body bytes, keyed with the app secret. The check runs on the bytes as received: re-serialized
// JSON would differ (key order, escapes) and never match.
import { createHmac, timingSafeEqual } from 'node:crypto'

export function signBody(body: Uint8Array | string, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(body).digest('hex')}`
}

/** True when `header` is the signature of `body` under `appSecret`, compared in constant time. */
export function isValidSignature(body: Uint8Array | string, header: string | undefined, appSecret: string): boolean {
  if (!header) return false
  const match = /^sha256=([0-9a-fA-F]{64})$/.exec(header.trim())
  if (!match) return false
  const expected = createHmac('sha256', appSecret).update(body).digest()
  const presented = Buffer.from(match[1]!, 'hex')
  return presented.length === expected.length && timingSafeEqual(presented, expected)
}

/** Constant-time equality of two secrets (verify tokens, URL tokens). */
export function sameSecret(a: string, b: string): boolean {
  const left = createHmac('sha256', 'pulso').update(a).digest()
  const right = createHmac('sha256', 'pulso').update(b).digest()
  return timingSafeEqual(left, right) && a.length === b.length
}
