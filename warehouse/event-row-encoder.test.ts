// Rows are encoded as TabSeparated bytes; what ClickHouse stores from them must be exactly the
// values of the row, whatever the text holds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventRow, openTestPulso, type TestPulso } from '../tests/helpers.ts'
import { EVENT_COLUMNS, type EventRow } from './event-columns.ts'
import { EventRowEncoder, encodeRows } from './event-row-encoder.ts'
import { insertEventRows } from './repositories/events.ts'

const awkwardTexts = [
  'tab\there',
  'new\nline',
  'carriage\rreturn',
  'back\\slash \\t \\n',
  '\\N', // the text, not NULL
  '',
  'quote " and \' apostrophe',
  'ñandú ¿qué tal? 日本語 😀',
  `long ${'é'.repeat(100)}\t${'x'.repeat(100)}`,
  `${'a'.repeat(64)}\n`, // at the length where the short-text path ends
]

function row(eventId: string, text: string | null, fields: Record<string, unknown> = {}): EventRow {
  return { ...eventRow({ event_id: eventId, occurred_at: '2024-03-01T10:00:00.5-03:00', sender: 'agent', ...fields }), text }
}

describe('encoding event rows as TabSeparated', () => {
  it('writes one line per row, a tab between columns and \\N for NULL', () => {
    const encoded = encodeRows([row('e1', null), row('e2', 'hola')]).toString('utf8')
    const lines = encoded.split('\n')
    expect(lines).toHaveLength(3) // two rows, each ended by a newline
    expect(lines[2]).toBe('')
    expect(lines[0]!.split('\t')).toHaveLength(EVENT_COLUMNS.length)
    expect(lines[0]!.split('\t')[EVENT_COLUMNS.indexOf('text')]).toBe('\\N')
    expect(lines[1]!.split('\t')[EVENT_COLUMNS.indexOf('text')]).toBe('hola')
  })

  it('grows its buffer as rows come and starts empty after finish', () => {
    const encoder = new EventRowEncoder(16)
    for (let i = 0; i < 500; i++) encoder.add(row(`e${i}`, 'x'.repeat(i)))
    expect(encoder.rows).toBe(500)
    const encoded = encoder.finish()
    expect(encoded.toString('utf8').split('\n')).toHaveLength(501)
    expect(encoder.rows).toBe(0)
    expect(encoder.finish()).toHaveLength(0)
  })

  describe('read back from ClickHouse', () => {
    let pulso: TestPulso
    beforeAll(async () => {
      pulso = await openTestPulso()
    })
    afterAll(() => pulso.cleanup())

    it('stores every text, number, decimal, boolean and NULL exactly', async () => {
      const rows = [
        ...awkwardTexts.map((text, i) => row(`text-${i}`, text, { agent_id: text.slice(0, 128) || 'a' })),
        row('nulls', null),
        row('cost', null, { type: 'cost', amount: '12.345678', currency: 'MXN', component: 'llm' }),
        row('csat', null, { type: 'csat', score: 5, comment: 'tab\tcomment' }),
        row('handoff', null, {
          type: 'handoff',
          reason: 'policy',
          context: { transcript: true, customer_profile: false, intent: 'refund\\x' },
          confidence: 0.25,
        }),
        row('extra', null, { note: 'kept\traw', nested: { a: [1, 'b\n'] } }),
      ]
      await insertEventRows(pulso.warehouse, rows)
      const result = await pulso.warehouse.client.query({
        query: `SELECT event_id, text, agent_id, comment, toString(occurred_at) AS occurred_at, occurred_offset_minutes, toString(amount) AS amount, score,
                       context_transcript, context_customer_profile, context_intent, extra
                FROM ${pulso.warehouse.database}.events ORDER BY event_id`,
        format: 'JSONEachRow',
      })
      const stored = new Map((await result.json<Record<string, unknown>>()).map((r) => [r.event_id as string, r]))
      expect(stored.size).toBe(rows.length)
      awkwardTexts.forEach((text, i) => {
        expect(stored.get(`text-${i}`), JSON.stringify(text)).toMatchObject({ text, agent_id: text.slice(0, 128) || 'a' })
      })
      expect(stored.get('nulls')).toMatchObject({
        text: null,
        comment: null,
        amount: null,
        score: null,
        context_transcript: null,
        occurred_at: '2024-03-01 13:00:00.500',
        occurred_offset_minutes: -180,
      })
      expect(stored.get('cost')).toMatchObject({ amount: '12.345678' })
      expect(stored.get('csat')).toMatchObject({ score: 5, comment: 'tab\tcomment' })
      expect(stored.get('handoff')).toMatchObject({ context_transcript: true, context_customer_profile: false, context_intent: 'refund\\x' })
      expect(JSON.parse(stored.get('extra')!.extra as string)).toEqual({ note: 'kept\traw', nested: { a: [1, 'b\n'] } })
    })
  })
})
