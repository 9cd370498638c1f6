// A raw phone number in customer_id is replaced at intake by a keyed hash (HMAC-SHA256),
// so the same number always maps to the same pseudonym within one installation (and so
// WhatsApp's wa_id and a bot platform's phone field join), but cannot be reversed without the key.
import { createHmac } from 'node:crypto'

// E.164-like: optional +, digits with common separators, 7 to 15 digits in all.
const PHONE_SHAPE = /^\+?[\d\s().-]+$/

export function looksLikePhoneNumber(value: string): boolean {
  if (!PHONE_SHAPE.test(value)) return false
  const digits = value.replace(/\D/g, '')
  return digits.length >= 7 && digits.length <= 15
}

export function hashPhoneNumber(value: string, key: string): string {
  const digits = value.replace(/\D/g, '')
  return `ph_${createHmac('sha256', key).update(digits).digest('hex').slice(0, 32)}`
}

/** The customer id to store: unchanged, unless it is a phone number. */
export function pseudonymizeCustomerId(value: string | undefined, key: string): string | undefined {
  if (value === undefined) return undefined
  return looksLikePhoneNumber(value) ? hashPhoneNumber(value, key) : value
}
