// Every field of every event type lands in its own column, and nowhere else; the Kafka worker's
// path (writeEventRow into one reused array) gives the same rows as the object the API stores.
import { describe, expect, it } from 'vitest'
import { EVENT_COLUMNS, type EventRow, type RowValue } from '../warehouse/event-columns.ts'
import { validateEvent } from './contract/validate.ts'
import { eventToRow, type RowOptions, writeEventRow } from './event-row.ts'

const options: RowOptions = { pseudonymize: (id) => `hashed:${id}`, storeText: true, source: 'test', receivedAt: '2024-03-01 10:00:01.000' }

/** One event of each type with every optional field set, and the columns its type fills. */
const everyType: { fields: Record<string, unknown>; columns: Partial<EventRow> }[] = [
  { fields: { type: 'message', sender: 'agent', agent_id: 'a1', text: 'hola' }, columns: { sender: 'agent', agent_id: 'a1', text: 'hola' } },
  { fields: { type: 'bot_fallback', question: '¿y mi pedido?', confidence: 0.25 }, columns: { question: '¿y mi pedido?', confidence: 0.25 } },
  {
    fields: { type: 'handoff', reason: 'policy', context: { transcript: true, customer_profile: false, intent: 'refund' }, queue: 'billing' },
    columns: { handoff_reason: 'policy', context_transcript: true, context_customer_profile: false, context_intent: 'refund', queue: 'billing' },
  },
  { fields: { type: 'resolved', resolved_by: 'bot' }, columns: { resolved_by: 'bot' } },
  { fields: { type: 'closed' }, columns: {} },
  { fields: { type: 'csat', score: 4, comment: 'bien' }, columns: { score: 4, comment: 'bien' } },
  {
    fields: { type: 'cost', amount: '0.0125', currency: 'USD', component: 'whatsapp', category: 'service' },
    columns: { amount: '0.0125', currency: 'USD', component: 'whatsapp', category: 'service' },
  },
  {
    fields: { type: 'proactive_sent', template: 'order_shipped', category: 'utility', campaign: 'march' },
    columns: { template: 'order_shipped', category: 'utility', campaign: 'march' },
  },
  { fields: { type: 'conversion', value: 120.5, currency: 'EUR', campaign: 'march' }, columns: { value: '120.5', currency: 'EUR', campaign: 'march' } },
]

const TYPE_COLUMNS = EVENT_COLUMNS.slice(EVENT_COLUMNS.indexOf('sender'), EVENT_COLUMNS.indexOf('campaign') + 1)

function validated(fields: Record<string, unknown>) {
  const base = {
    event_id: 'e1',
    tenant_id: 'acme',
    conversation_id: 'c1',
    customer_id: '+54 9 11 5555-0001',
    use_case: 'orders',
    occurred_at: '2024-03-01T10:00:00.5-03:00',
  }
  const validation = validateEvent({ ...base, ...fields })
  if (!validation.ok) throw new Error(validation.reason)
  return validation
}

describe('mapping events onto rows of the events table', () => {
  for (const { fields, columns } of everyType) {
    it(`${fields.type}: its fields in their columns, the other types' columns NULL`, () => {
      const { event, extra } = validated(fields)
      const row = eventToRow(event, extra, options)
      expect(Object.keys(row)).toEqual([...EVENT_COLUMNS])
      const nulls = Object.fromEntries(TYPE_COLUMNS.map((column) => [column, null]))
      expect(row).toEqual({
        tenant_id: 'acme',
        event_id: 'e1',
        conversation_id: 'c1',
        type: fields.type,
        occurred_at: '2024-03-01 13:00:00.500',
        occurred_offset_minutes: -180,
        received_at: '2024-03-01 10:00:01.000',
        channel: 'whatsapp',
        customer_id: 'hashed:+54 9 11 5555-0001',
        use_case: 'orders',
        intent: null,
        bot_version: null,
        ...nulls,
        ...columns,
        source: 'test',
        extra: '{}',
      })
    })
  }

  it('writes amounts as the decimal text the column parses exactly, never through a float', () => {
    const amounts: [unknown, string][] = [
      ['999999999999.999999', '999999999999.999999'], // Number() would make it 1000000000000
      ['0.000001', '0.000001'],
      ['0012.50', '12.5'],
      [0.1, '0.1'],
      [1e-6, '0.000001'],
      [123456789012.34, '123456789012.34'],
    ]
    for (const [amount, stored] of amounts) {
      const cost = validated({ type: 'cost', amount, currency: 'USD', component: 'llm' })
      const conversion = validated({ type: 'conversion', value: amount, currency: 'USD' })
      expect(eventToRow(cost.event, cost.extra, options).amount, String(amount)).toBe(stored)
      expect(eventToRow(conversion.event, conversion.extra, options).value, String(amount)).toBe(stored)
    }
  })

  it('keeps free text out unless the tenant stores it', () => {
    const message = validated({ type: 'message', sender: 'customer', text: 'mi dirección es…' })
    const csat = validated({ type: 'csat', score: 2, comment: 'lento' })
    const withoutText = { ...options, storeText: false }
    expect(eventToRow(message.event, message.extra, withoutText).text).toBeNull()
    expect(eventToRow(csat.event, csat.extra, withoutText).comment).toBeNull()
  })

  it('writes the same values into a reused array, whatever the event before it filled', () => {
    const values = new Array<RowValue>(EVENT_COLUMNS.length).fill('left over')
    for (const { fields } of [...everyType, ...everyType.slice().reverse()]) {
      const { event, extra } = validated(fields.type === 'closed' ? { ...fields, surprise: { kept: true } } : fields)
      expect(writeEventRow(event, extra, options, values)).toEqual(Object.values(eventToRow(event, extra, options)))
    }
  })
})
