// acceptsEvent is a fast copy of the zod contract: it must accept exactly what zod accepts.
// Every field of every type gets valid, boundary and wrong values, one at a time.
import { describe, expect, it } from 'vitest'
import { acceptsEvent } from './accepts-event.ts'
import { baseEventSchema, typeFieldSchemas, type EventType } from './event-schema.ts'
import { validateEvent } from './validate.ts'

const common = {
  event_id: 'e-1',
  tenant_id: 'acme',
  conversation_id: 'c-1',
  occurred_at: '2024-03-30T19:40:11.042-06:00',
  channel: 'whatsapp',
  customer_id: '+52 55 1006 0008',
  use_case: 'returns',
  intent: 'exchange_size',
  bot_version: 'v1.5.0',
}

// One valid event of each type with every optional field present.
const examples: Record<EventType, Record<string, unknown>> = {
  message: { ...common, type: 'message', sender: 'agent', agent_id: 'a-7', text: 'hola' },
  bot_fallback: { ...common, type: 'bot_fallback', question: '¿y mi pedido?', confidence: 0.4 },
  handoff: { ...common, type: 'handoff', reason: 'policy', context: { transcript: true, customer_profile: false, intent: null }, queue: 'returns' },
  resolved: { ...common, type: 'resolved', resolved_by: 'bot' },
  closed: { ...common, type: 'closed' },
  csat: { ...common, type: 'csat', score: 4, comment: 'bien' },
  cost: { ...common, type: 'cost', amount: '0.0450', currency: 'MXN', component: 'llm', category: 'service' },
  proactive_sent: { ...common, type: 'proactive_sent', template: 'order_update', category: 'utility', campaign: 'march' },
  conversion: { ...common, type: 'conversion', value: 120.5, currency: 'USD', campaign: 'march' },
}

const enumValues = [baseEventSchema.shape.type, ...Object.values(typeFieldSchemas).flatMap((schema) => Object.values(schema.shape))]
  .map((field) => ('unwrap' in field ? field.unwrap() : field))
  .flatMap((field) => ('options' in field ? (field.options as string[]) : []))

const REMOVED = Symbol('removed')
const probes: unknown[] = [
  REMOVED, null, true, false, 0, -0, -1, 0.5, 1, 1.5, 3, 5, 6, 2 ** 53, Infinity, -Infinity,
  '', 'x', 'ABC', 'abc', 'AB', 'ABCD', 'ACME', 'a b', '12', '12.5', '-1', '-0', '1e5', '.5', '1.', ' 1', '9'.repeat(400),
  // a surrogate pair (one character) and lone surrogates (none)
  '😀', '\ud83d\ude00x', '\ud800', 'a\udc00b', 'x\ud83d', '\ude00\ud83d',
  ...[1, 63, 64, 65, 127, 128, 129, 255, 256, 257].map((n) => 'a'.repeat(n)),
  '2024-03-30T19:40:11Z', '2024-03-30 19:40:11+05:30', '2024-03-30T19:40:11', '2024-13-30T19:40:11Z', '2024-03-30',
  '2026-02-30T10:00:00Z', '2024-02-29T10:00:00Z', '2023-02-29T10:00:00Z', '2024-04-31T10:00:00Z',
  '1900-01-01T00:00:00Z', '1899-12-31T23:59:59.999Z', '1900-01-01T00:30:00+01:00', '2299-12-31T23:59:59.999Z', '2300-01-01T00:00:00Z',
  // amounts at and past the columns' Decimal(18, 6)
  '999999999999.999999', '1000000000000', '1234567890123.5', '000000000000012.50', '0.000001', '0.0000001', '1.5000000', '-0.00',
  1e12, 999999999999.99, 1e15, 1e21, 0.000001, 1e-7, 0.1 + 0.2, 123456789012.34, 123456789012.34567,
  ...enumValues,
  {}, [], [1], { transcript: true, customer_profile: true, intent: 'refund' }, { transcript: 'yes', customer_profile: true, intent: null },
  { transcript: true, customer_profile: true }, { transcript: true, customer_profile: true, intent: 3 },
]

function zodAccepts(input: unknown): boolean {
  const base = baseEventSchema.safeParse(input)
  return base.success && typeFieldSchemas[base.data.type].safeParse(input).success
}

function zodEvent(input: unknown) {
  const base = baseEventSchema.parse(input)
  return Object.assign(base, typeFieldSchemas[base.type].parse(input))
}

function withField(event: Record<string, unknown>, path: string[], value: unknown): Record<string, unknown> {
  const copy = structuredClone(event)
  const parent = path.slice(0, -1).reduce((at, key) => at[key] as Record<string, unknown>, copy)
  if (value === REMOVED) delete parent[path.at(-1)!]
  else parent[path.at(-1)!] = value
  return copy
}

describe('acceptsEvent, the fast check of the contract', () => {
  it('accepts a valid event of every type', () => {
    for (const event of Object.values(examples)) expect(acceptsEvent(event), JSON.stringify(event)).toBe(true)
  })

  it('agrees with zod on every field of every type, valid, at its limits and wrong', () => {
    let compared = 0
    let accepted = 0
    for (const [type, example] of Object.entries(examples)) {
      const fields = [...Object.keys(baseEventSchema.shape), ...Object.keys(typeFieldSchemas[type as EventType].shape)].map((key) => [key])
      if (type === 'handoff') fields.push(['context', 'transcript'], ['context', 'customer_profile'], ['context', 'intent'])
      for (const path of fields) {
        for (const probe of probes) {
          const candidate = withField(example, path, probe)
          const label = `${type}.${path.join('.')} = ${typeof probe === 'symbol' ? '(removed)' : JSON.stringify(probe)?.slice(0, 40)}`
          expect(acceptsEvent(candidate), label).toBe(zodAccepts(candidate))
          compared++
          if (zodAccepts(candidate)) {
            accepted++
            // and the event the fast path hands on is the one zod would have produced
            const validation = validateEvent(candidate)
            expect(validation.ok && validation.event, label).toEqual(zodEvent(candidate))
          }
        }
      }
    }
    expect(compared).toBeGreaterThan(5000)
    expect(accepted).toBeGreaterThan(500)
  })

  it('refuses what is not an object', () => {
    for (const value of [null, 'event', 42, [examples.closed]]) expect(acceptsEvent(value)).toBe(false)
  })
})

describe('validateEvent', () => {
  it('keeps fields the contract does not name out of the event, in extra', () => {
    const validation = validateEvent({ ...examples.cost, sender: 'bot', note: 'x' })
    expect(validation.ok).toBe(true)
    if (!validation.ok) return
    expect(validation.extra).toEqual({ sender: 'bot', note: 'x' })
    expect(validation.event).not.toHaveProperty('sender')
    expect(validation.event).toMatchObject({ amount: '0.045' })
  })
})
