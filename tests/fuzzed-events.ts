// Seeded batches of contract-v1 events with poison mixed in, for the intake's fuzz test: valid
// events of every type (at the contract's edges: largest amounts, 1900 and 2299, 32 levels of
// nesting, long text, emoji, `__proto__` kept in extra), repeats of earlier ones, and poison that
// breaks one rule each (amounts the columns cannot hold, deep nesting, days and hours that do not
// exist, `__proto__` hiding the fields, wrong types, overlong strings, lone UTF-16 surrogates, not
// JSON, another tenant). Each item says what the intake must make of it; every poison text is
// distinct, so each is one dead letter.
import { Random } from '../ingest/simulator/random.ts'

export type FuzzedItem =
  | { text: string; expect: 'stored'; identity: string }
  | { text: string; expect: 'duplicate'; identity: string }
  | { text: string; expect: 'rejected'; kind: string; reason: RegExp }

export type FuzzedBatch = { format: 'ndjson' | 'json-array'; gzip: boolean; items: FuzzedItem[] }

const TENANT = 'acme'
type Fields = Record<string, unknown>

export function fuzzedBatches(seed: number, total: number): FuzzedBatch[] {
  const rnd = new Random(seed)
  const stored: FuzzedItem[] = []
  const batches: FuzzedBatch[] = []
  let made = 0
  while (made < total) {
    const format = rnd.chance(0.2) ? 'json-array' : 'ndjson'
    const items: FuzzedItem[] = []
    const size = Math.min(total - made, rnd.int(1, 400))
    for (let i = 0; i < size; i++, made++) {
      const roll = rnd.next()
      if (roll < 0.6 || (roll < 0.7 && stored.length === 0)) {
        const fields = validEvent(rnd, `v-${made}`)
        const item: FuzzedItem = { text: eventText(rnd, fields), expect: 'stored', identity: identityOf(fields) }
        stored.push(item)
        items.push(item)
      } else if (roll < 0.7) {
        // an exact copy of an earlier event, in this batch or an earlier one
        const earlier = rnd.pick(stored)
        items.push({ text: earlier.text, expect: 'duplicate', identity: (earlier as { identity: string }).identity })
      } else {
        items.push(poison(rnd, made, format))
      }
    }
    batches.push({ format, gzip: rnd.chance(0.25), items })
  }
  return batches
}

/** The body of a batch: one event per line, or a JSON array of the same texts. */
export function batchBody(batch: FuzzedBatch): string {
  const texts = batch.items.map((item) => item.text)
  return batch.format === 'ndjson' ? texts.join('\n') : `[${texts.join(',')}]`
}

function identityOf(fields: Fields): string {
  return `${fields.conversation_id}\u0000${fields.event_id}`
}

/** JSON text of an event, sometimes with fields the contract does not name. */
function eventText(rnd: Random, fields: Fields): string {
  const roll = rnd.next()
  if (roll < 0.05) return withField(JSON.stringify(fields), '"__proto__":{"admin":true}') // kept in extra like any key
  if (roll < 0.1) return withField(JSON.stringify(fields), `"nested":${nested(32)}`) // the deepest extra kept
  if (roll < 0.2) return JSON.stringify({ ...fields, wa_message_id: `wamid.${rnd.int(1, 1e9)}`, labels: ['vip', 'ñ'] })
  return JSON.stringify(fields)
}

const withField = (objectText: string, field: string) => `${objectText.slice(0, -1)},${field}}`
const nested = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`

const TIMES = [
  '2024-03-01T10:00:00Z',
  '2024-02-29T23:59:59.999-06:00',
  '2024-12-31T18:30:00+05:30',
  '1900-01-01T00:00:00Z',
  '2299-12-31T23:59:59.999Z',
  '2024-06-15 08:00:00.123456Z',
]
const AMOUNTS: unknown[] = ['0', '0.000001', '12.50', 0.045, 12, '999999999999.999999', 999999999999.99, 123456789012.345]

function validEvent(rnd: Random, eventId: string): Fields {
  const base: Fields = {
    event_id: eventId,
    tenant_id: TENANT,
    conversation_id: `conv-${rnd.int(1, 300)}`,
    occurred_at: rnd.chance(0.9)
      ? `2024-03-${String(rnd.int(1, 31)).padStart(2, '0')}T${String(rnd.int(0, 23)).padStart(2, '0')}:${String(rnd.int(0, 59)).padStart(2, '0')}:00Z`
      : rnd.pick(TIMES),
  }
  if (rnd.chance(0.5)) base.customer_id = rnd.chance(0.5) ? `+52 55 ${rnd.int(1000, 9999)} ${rnd.int(1000, 9999)}` : `cust-${rnd.int(1, 500)}`
  if (rnd.chance(0.3)) Object.assign(base, { use_case: 'returns', intent: 'exchange_size', bot_version: 'v1.5.0', channel: 'web' })
  const type = rnd.pick([
    'message',
    'message',
    'message',
    'bot_fallback',
    'handoff',
    'resolved',
    'closed',
    'csat',
    'cost',
    'proactive_sent',
    'conversion',
  ] as const)
  switch (type) {
    case 'message': {
      const fields: Fields = { type, sender: rnd.pick(['customer', 'bot', 'agent']) }
      if (fields.sender === 'agent') fields.agent_id = `ag-${rnd.int(1, 9)}`
      if (rnd.chance(0.5)) fields.text = rnd.chance(0.02) ? 'ñ😀 '.repeat(5_000) : '¿Dónde está mi pedido? 😀'
      return { ...base, ...fields }
    }
    case 'bot_fallback':
      return { ...base, type, question: '¿tienen tienda en Monterrey?', confidence: rnd.pick([0, 0.42, 1]) }
    case 'handoff':
      return {
        ...base,
        type,
        reason: 'policy',
        context: { transcript: true, customer_profile: rnd.chance(0.5), intent: rnd.chance(0.5) ? null : 'refund' },
        queue: 'returns',
      }
    case 'resolved':
      return { ...base, type, resolved_by: rnd.pick(['bot', 'agent']) }
    case 'closed':
      return { ...base, type }
    case 'csat':
      return { ...base, type, score: rnd.int(1, 5), comment: 'bien' }
    case 'cost':
      return { ...base, type, amount: rnd.pick(AMOUNTS), currency: 'MXN', component: rnd.pick(['whatsapp', 'llm', 'agent', 'other']) }
    case 'proactive_sent':
      return { ...base, type, template: 'order_update', category: rnd.pick(['utility', 'marketing']), campaign: 'march' }
    case 'conversion':
      return { ...base, type, value: rnd.pick(AMOUNTS), currency: 'USD' }
  }
}

type Poison = { kind: string; reason: RegExp; text: (valid: Fields, n: number) => string }

const POISONS: Poison[] = [
  ...[1e12, '999999999999.9999999', '1234567890123.5', 123456789012.34567, -1, '12,5', '1e5'].map(
    (amount): Poison => ({
      kind: `amount ${amount}`,
      reason: /^`amount`: /,
      text: (v) => JSON.stringify({ ...v, type: 'cost', amount, currency: 'USD', component: 'llm' }),
    }),
  ),
  {
    kind: 'conversion value 1e15',
    reason: /^`value`: at most 12 digits/,
    text: (v) => JSON.stringify({ ...v, type: 'conversion', value: 1e15, currency: 'USD' }),
  },
  ...[33, 200, 5_000].map(
    (depth): Poison => ({
      kind: `extra nested ${depth} deep`,
      reason: /^`deep`: nested more than 32 levels deep/,
      text: (v) => withField(JSON.stringify(v), `"deep":${nested(depth)}`),
    }),
  ),
  ...[
    '2026-02-30T10:00:00Z',
    '2026-11-31T08:00:00-06:00',
    '2026-03-01T24:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-03-01T10:00:00',
    'yesterday',
    '1850-01-01T00:00:00Z',
    '2300-01-01T00:00:00Z',
    '2026-03-01T10:60:00Z',
    1709287200000,
  ].map((occurred_at): Poison => ({ kind: `occurred_at ${occurred_at}`, reason: /^`occurred_at`: /, text: (v) => JSON.stringify({ ...v, occurred_at }) })),
  // JSON.parse makes "__proto__" an own field: the event's fields behind it are not the event's
  { kind: '__proto__ holding the fields', reason: /^`event_id`: is required/, text: (v, n) => `{"__proto__":${JSON.stringify(v)},"n":${n}}` },
  {
    kind: '__proto__ holding the type',
    reason: /^`type`: expected one of/,
    text: (v) => withField(JSON.stringify({ ...v, type: undefined }), '"__proto__":{"type":"closed"}'),
  },
  { kind: 'score as text', reason: /^`score`: expected an integer 1–5/, text: (v) => JSON.stringify({ ...v, type: 'csat', score: '5' }) },
  { kind: 'sender as number', reason: /^`sender`: /, text: (v) => JSON.stringify({ ...v, type: 'message', sender: 7 }) },
  { kind: 'event_id as number', reason: /^`event_id`: /, text: (v, n) => JSON.stringify({ ...v, event_id: n }) },
  { kind: 'context as array', reason: /^`context`: /, text: (v) => JSON.stringify({ ...v, type: 'handoff', reason: 'policy', context: [] }) },
  { kind: 'confidence 2', reason: /^`confidence`: /, text: (v) => JSON.stringify({ ...v, type: 'bot_fallback', question: 'q', confidence: 2 }) },
  { kind: 'unknown type', reason: /^`type`: expected one of/, text: (v) => JSON.stringify({ ...v, type: 'chat' }) },
  { kind: 'missing conversation', reason: /^`conversation_id`: is required/, text: (v) => JSON.stringify({ ...v, conversation_id: undefined }) },
  { kind: 'an array', reason: /^event: expected a JSON object, got an array/, text: (v, n) => JSON.stringify([n, v]) },
  { kind: 'a string', reason: /^event: expected a JSON object/, text: (_, n) => JSON.stringify(`event ${n}`) },
  ...(['event_id', 'conversation_id', 'intent', 'agent_id', 'queue', 'campaign'] as const).map(
    (field): Poison => ({
      kind: `${field} too long`,
      reason: new RegExp(`^\`${field}\`: at most 128 characters`),
      text: (v, n) => {
        const typed =
          field === 'agent_id'
            ? { type: 'message', sender: 'agent' }
            : field === 'queue'
              ? { type: 'handoff', reason: 'policy', context: { transcript: true, customer_profile: true, intent: null } }
              : field === 'campaign'
                ? { type: 'proactive_sent', template: 't', category: 'utility' }
                : {}
        return JSON.stringify({ ...v, ...typed, [field]: `${n}-${'x'.repeat(200)}` })
      },
    }),
  ),
  {
    kind: 'customer_id too long',
    reason: /^`customer_id`: at most 256 characters/,
    text: (v, n) => JSON.stringify({ ...v, customer_id: `${n}${'9'.repeat(300)}` }),
  },
  ...(['event_id', 'conversation_id', 'customer_id', 'text', 'question'] as const).map(
    (field): Poison => ({
      kind: `lone surrogate in ${field}`,
      reason: new RegExp(`^\`${field}\`: holds a lone UTF-16 surrogate`),
      text: (v, n) => {
        const typed = field === 'text' ? { type: 'message', sender: 'bot' } : field === 'question' ? { type: 'bot_fallback' } : {}
        return JSON.stringify({ ...v, ...typed, [field]: `p-${n}-\ud800-${n % 2 ? '\udc00' : ''}` })
      },
    }),
  ),
  { kind: 'another tenant', reason: /^`tenant_id`: 'globex' is not the tenant of this API key/, text: (v) => JSON.stringify({ ...v, tenant_id: 'globex' }) },
  { kind: 'not JSON', reason: /^not JSON: /, text: (_, n) => `{"event_id": "p-${n}", broken` },
]

function poison(rnd: Random, n: number, format: FuzzedBatch['format']): FuzzedItem {
  // a JSON array with text that is not JSON is not JSON at all (the whole body is refused)
  const candidates = format === 'json-array' ? POISONS.filter((p) => p.kind !== 'not JSON') : POISONS
  const chosen = rnd.pick(candidates)
  const valid = validEvent(rnd, `p-${n}`)
  return { text: chosen.text(valid, n), expect: 'rejected', kind: chosen.kind, reason: chosen.reason }
}
