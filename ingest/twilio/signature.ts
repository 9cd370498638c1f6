// X-Twilio-Signature, as Twilio specifies it (twilio.com/docs/usage/webhooks/webhooks-security):
// the full URL Twilio called (with its query string), followed by every POST parameter sorted by
// name, each name immediately followed by its value; HMAC-SHA1 of that with the account's auth
// token, base64. A name sent several times contributes each distinct value, values sorted, as the
// helper libraries do.
//
// Written on node:crypto rather than taken from the `twilio` npm package: its validateRequest is
// these few lines, but the package is Twilio's whole REST client (axios, jsonwebtoken, dayjs, qs,
// xmlbuilder and thousands of generated API files) for one HMAC. The test checks this code
// against the example signature of Twilio's documentation and helper-library tests.
import { createHmac, timingSafeEqual } from 'node:crypto'

/** Form parameters as Twilio posts them: a name may repeat. */
export type TwilioParams = Record<string, string | string[]>

/** Parses an application/x-www-form-urlencoded body ('+' is a space) into its parameters. */
export function parseForm(body: string): TwilioParams {
  const params: TwilioParams = {}
  for (const [name, value] of new URLSearchParams(body)) {
    const seen = params[name]
    if (seen === undefined) params[name] = value
    else params[name] = Array.isArray(seen) ? [...seen, value] : [seen, value]
  }
  return params
}

/** The base64 HMAC-SHA1 Twilio sends for a request to `url` with `params`. */
export function twilioSignature(authToken: string, url: string, params: TwilioParams): string {
  let data = url
  // Sorted by UTF-16 code unit, which for Twilio's ASCII names is the case-sensitive byte order Twilio uses.
  for (const name of Object.keys(params).sort()) {
    const value = params[name]!
    if (Array.isArray(value)) for (const each of [...new Set(value)].sort()) data += name + each
    else data += name + value
  }
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64')
}

/**
 * The URL with and without its scheme's default port: Twilio signs the URL as configured, and
 * its own libraries accept either form because Twilio's back end is not consistent about it.
 */
export function urlVariants(url: string): string[] {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return [url]
  }
  const defaultPort = parsed.protocol === 'https:' ? '443' : parsed.protocol === 'http:' ? '80' : ''
  if (parsed.port !== '' && parsed.port !== defaultPort) return [url]
  const authority = `${parsed.username}${parsed.password ? `:${parsed.password}` : ''}${parsed.username || parsed.password ? '@' : ''}`
  const rest = `${parsed.pathname}${parsed.search}`
  const withoutPort = `${parsed.protocol}//${authority}${parsed.hostname}${rest}`
  const withPort = `${parsed.protocol}//${authority}${parsed.hostname}:${defaultPort}${rest}`
  return [...new Set([url, withoutPort, withPort])]
}

/**
 * True when `header` is Twilio's signature of `params` for one of `urls` (each with and without
 * its default port) under `authToken`, compared in constant time.
 */
export function isValidTwilioSignature(header: string | undefined, authToken: string, urls: string[], params: TwilioParams): boolean {
  if (!header) return false
  const presented = Buffer.from(header.trim())
  let valid = false
  for (const url of urls.flatMap(urlVariants)) {
    const expected = Buffer.from(twilioSignature(authToken, url, params))
    // Every candidate is compared (no early return), so the time does not tell which URL matched.
    if (expected.length === presented.length && timingSafeEqual(expected, presented)) valid = true
  }
  return valid
}
