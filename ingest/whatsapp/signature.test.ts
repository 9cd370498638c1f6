import { describe, expect, it } from 'vitest'
import { isValidSignature, sameSecret, signBody } from './signature.ts'

const body = '{"object":"whatsapp_business_account","entry":[]}'

describe('X-Hub-Signature-256', () => {
  it('accepts the HMAC-SHA256 of the raw body with the app secret', () => {
    expect(isValidSignature(body, signBody(body, 's3cret'), 's3cret')).toBe(true)
    // Meta writes lower-case hex; upper case is the same bytes
    expect(isValidSignature(body, `sha256=${signBody(body, 's3cret').slice('sha256='.length).toUpperCase()}`, 's3cret')).toBe(true)
  })

  it('rejects another secret, a changed body, a missing or malformed header', () => {
    expect(isValidSignature(body, signBody(body, 'other'), 's3cret')).toBe(false)
    expect(isValidSignature(`${body} `, signBody(body, 's3cret'), 's3cret')).toBe(false)
    expect(isValidSignature(body, undefined, 's3cret')).toBe(false)
    expect(isValidSignature(body, '', 's3cret')).toBe(false)
    expect(isValidSignature(body, signBody(body, 's3cret').replace('sha256=', 'sha1='), 's3cret')).toBe(false)
    expect(isValidSignature(body, signBody(body, 's3cret').slice(0, -2), 's3cret')).toBe(false)
  })

  it('checks the bytes as received: the same JSON re-serialized does not match', () => {
    const spaced = '{ "object": "whatsapp_business_account", "entry": [] }'
    expect(isValidSignature(spaced, signBody(body, 's3cret'), 's3cret')).toBe(false)
    // non-ASCII text is signed as UTF-8 bytes
    const accented = '{"text":"¿Tienen envío?"}'
    expect(isValidSignature(new TextEncoder().encode(accented), signBody(accented, 'k'), 'k')).toBe(true)
  })

  it('compares secrets of any length without throwing', () => {
    expect(sameSecret('token', 'token')).toBe(true)
    expect(sameSecret('token', 'token2')).toBe(false)
    expect(sameSecret('', 'token')).toBe(false)
  })
})
