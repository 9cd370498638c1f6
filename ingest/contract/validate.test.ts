import { describe, expect, it } from 'vitest'
import { hashPhoneNumber, looksLikePhoneNumber, pseudonymizeCustomerId } from './pseudonymize.ts'
import { validateEvent } from './validate.ts'

const valid = { event_id: 'e1', tenant_id: 'acme', conversation_id: 'c1', occurred_at: '2024-03-01T10:00:00.123-06:00', type: 'message', sender: 'customer' }

function reasonFor(fields: Record<string, unknown>): string {
  const result = validateEvent({ ...valid, ...fields })
  if (result.ok) throw new Error('expected a rejection')
  return result.reason
}

describe('event contract v1', () => {
  it('accepts a valid event of every type', () => {
    const typed = [
      { type: 'message', sender: 'bot' },
      { type: 'bot_fallback', question: '¿horario?', confidence: 0.2 },
      { type: 'handoff', reason: 'policy', context: { transcript: true, customer_profile: false, intent: null }, queue: 'pagos' },
      { type: 'resolved', resolved_by: 'agent' },
      { type: 'closed' },
      { type: 'csat', score: 5, comment: 'bien' },
      { type: 'cost', amount: '0.0125', currency: 'USD', component: 'whatsapp', category: 'utility' },
      { type: 'proactive_sent', template: 'order_shipped', category: 'utility', campaign: 'c' },
      { type: 'conversion', value: 120.5, currency: 'MXN' },
    ]
    for (const fields of typed) expect(validateEvent({ ...valid, sender: undefined, ...fields }).ok, JSON.stringify(fields)).toBe(true)
  })

  it('names the field and the rule of every rejection', () => {
    expect(reasonFor({ occurred_at: 'yesterday' })).toBe('`occurred_at`: expected an RFC 3339 timestamp with offset, got "yesterday"')
    expect(reasonFor({ occurred_at: '2024-03-01T10:00:00' })).toMatch(/^`occurred_at`: expected an RFC 3339 timestamp with offset/)
    expect(reasonFor({ event_id: undefined })).toBe('`event_id`: is required')
    expect(reasonFor({ event_id: 'x'.repeat(129) })).toBe('`event_id`: at most 128 characters')
    expect(reasonFor({ tenant_id: 'Acme Corp' })).toBe('`tenant_id`: expected 1–64 characters of [a-z0-9_-]')
    expect(reasonFor({ type: 'chat' })).toMatch(/^`type`: expected one of message, bot_fallback/)
    expect(reasonFor({ sender: 'robot' })).toBe('`sender`: expected customer, bot or agent')
    expect(reasonFor({ type: 'csat', score: 6 })).toBe('`score`: expected an integer 1–5')
    expect(reasonFor({ type: 'csat', score: 4.5 })).toBe('`score`: expected an integer 1–5')
    expect(reasonFor({ type: 'cost', amount: -1, currency: 'USD', component: 'llm' })).toBe('`amount`: must be ≥ 0')
    expect(reasonFor({ type: 'cost', amount: 1, currency: 'usd', component: 'llm' })).toBe('`currency`: expected an ISO 4217 currency code such as USD')
    expect(reasonFor({ occurred_at: '2026-02-30T10:00:00Z' })).toBe('`occurred_at`: expected an RFC 3339 timestamp with offset, got "2026-02-30T10:00:00Z"')
    // RFC 3339 hours run 00–23: 24:00 (which Date.parse reads as the next day's midnight) is refused
    expect(reasonFor({ occurred_at: '2026-03-01T24:00:00Z' })).toBe(
      '`occurred_at`: expected an RFC 3339 timestamp with offset, whose hours run 00–23 (the midnight that ends a day is 00:00 of the next day), got "2026-03-01T24:00:00Z"',
    )
    // a lone surrogate would reach the columns as U+FFFD: 'a\ud800' and 'a\ud801' would be one id
    const loneSurrogate = 'holds a lone UTF-16 surrogate (such as "\\ud800" without its pair), which is not a character: send well-formed Unicode'
    expect(reasonFor({ event_id: 'a\ud800' })).toBe(`\`event_id\`: ${loneSurrogate}`)
    expect(reasonFor({ text: 'hola \udc00' })).toBe(`\`text\`: ${loneSurrogate}`)
    expect(reasonFor({ type: 'handoff', reason: 'policy', context: { transcript: true, customer_profile: true, intent: '\ud83d' } })).toBe(
      `\`context.intent\`: ${loneSurrogate}`,
    )
    expect(validateEvent({ ...valid, text: 'hola 😀' }).ok).toBe(true)
    expect(reasonFor({ occurred_at: '1850-03-01T10:00:00Z' })).toBe(
      '`occurred_at`: expected a time from 1900-01-01 to 2299-12-31 (UTC), got "1850-03-01T10:00:00Z"',
    )
    expect(reasonFor({ type: 'handoff', reason: 'policy' })).toBe('`context`: is required')
    expect(reasonFor({ type: 'handoff', reason: 'policy', context: { transcript: 'yes', customer_profile: true, intent: null } })).toBe(
      '`context.transcript`: expected true or false',
    )
    expect(reasonFor({ type: 'resolved', resolved_by: 'nobody' })).toBe('`resolved_by`: expected bot or agent')
    expect(reasonFor({ type: 'proactive_sent', template: 't', category: 'service' })).toBe('`category`: expected utility or marketing')
  })

  it('refuses amounts the Decimal(18, 6) columns cannot hold, naming the field', () => {
    const cost = (amount: unknown) => reasonFor({ type: 'cost', amount, currency: 'USD', component: 'llm' })
    expect(cost(1e12)).toBe('`amount`: at most 12 digits before the decimal point (amounts are stored as Decimal(18, 6)), got 1000000000000')
    expect(cost('1234567890123.5')).toBe('`amount`: at most 12 digits before the decimal point (amounts are stored as Decimal(18, 6)), got "1234567890123.5"')
    expect(cost('0.0000001')).toBe('`amount`: at most 6 decimal places (amounts are stored as Decimal(18, 6)), got "0.0000001"')
    expect(cost(0.1 + 0.2)).toBe('`amount`: at most 6 decimal places (amounts are stored as Decimal(18, 6)), got 0.30000000000000004')
    expect(cost(123456789012.34567)).toBe(
      '`amount`: a JSON number keeps 15 significant digits exactly; send this amount as decimal text, e.g. "123456789012.34567"',
    )
    expect(cost('12,50')).toBe('`amount`: expected a decimal number')
    expect(reasonFor({ type: 'conversion', value: 1e15, currency: 'USD' })).toBe(
      '`value`: at most 12 digits before the decimal point (amounts are stored as Decimal(18, 6)), got 1000000000000000',
    )
    // the largest amount the column holds passes, as text, digit for digit
    const largest = validateEvent({ ...valid, sender: undefined, type: 'cost', amount: '999999999999.999999', currency: 'USD', component: 'llm' })
    expect(largest.ok && largest.event).toMatchObject({ amount: '999999999999.999999' })
  })

  it('rejects values that are not objects', () => {
    for (const value of [null, 3, 'x', [valid]]) expect(validateEvent(value).ok).toBe(false)
  })

  it('keeps fields the contract does not name, raw', () => {
    const result = validateEvent({ ...valid, wa_message_id: 'wamid.1', nested: { a: 1 } })
    expect(result.ok && result.extra).toEqual({ wa_message_id: 'wamid.1', nested: { a: 1 } })
  })

  it('keeps a lone surrogate in a field the contract does not name: its JSON text holds the escape exactly', () => {
    const result = validateEvent({ ...valid, note: 'a\ud800' })
    expect(result.ok && JSON.stringify(result.extra)).toBe('{"note":"a\\ud800"}')
  })

  it('keeps a field named __proto__ like any other, as JSON.parse read it', () => {
    const result = validateEvent(
      JSON.parse(
        '{"event_id":"e1","tenant_id":"acme","conversation_id":"c1","occurred_at":"2024-03-01T10:00:00Z","type":"closed","__proto__":{"admin":true},"note":"x"}',
      ),
    )
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(Object.keys(result.extra)).toEqual(['__proto__', 'note'])
    expect(JSON.stringify(result.extra)).toBe('{"__proto__":{"admin":true},"note":"x"}')
    expect(({} as Record<string, unknown>).admin).toBeUndefined() // and no prototype was touched
  })

  it('refuses a field the contract does not name nested deeper than 32 levels, naming it', () => {
    const nested = (levels: number) => JSON.parse('['.repeat(levels) + ']'.repeat(levels))
    expect(validateEvent({ ...valid, deep: nested(32) }).ok).toBe(true)
    expect(reasonFor({ deep: nested(33) })).toBe('`deep`: nested more than 32 levels deep; fields the contract does not name are kept as JSON up to 32 levels')
    expect(reasonFor({ deep: nested(5000) })).toMatch(/^`deep`: nested more than 32 levels deep/)
    expect(reasonFor({ type: 'closed', sender: undefined, meta: { a: { b: nested(40) } } })).toMatch(/^`meta`: nested more than 32 levels deep/)
  })
})

describe('phone numbers in customer_id', () => {
  it('recognises phone numbers, not other ids', () => {
    expect(looksLikePhoneNumber('+52 55 1234 5678')).toBe(true)
    expect(looksLikePhoneNumber('5215512345678')).toBe(true)
    expect(looksLikePhoneNumber('cust_42')).toBe(false)
    expect(looksLikePhoneNumber('12345')).toBe(false)
  })

  it('hashes them with the key, the same number in any format to the same pseudonym', () => {
    const a = pseudonymizeCustomerId('+52 55 1234-5678', 'k1')
    expect(a).toBe(hashPhoneNumber('525512345678', 'k1'))
    expect(a).toMatch(/^ph_[0-9a-f]{32}$/)
    expect(a).not.toContain('5512345678')
    expect(pseudonymizeCustomerId('+52 55 1234-5678', 'k2')).not.toBe(a)
    expect(pseudonymizeCustomerId('cust_42', 'k1')).toBe('cust_42')
  })
})
