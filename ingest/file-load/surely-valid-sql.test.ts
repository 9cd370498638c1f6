// The SQL version of the event contract (surely-valid-sql.ts) held to the contract itself: over
// a corpus of lines (the contract tests' examples, the demo simulator's and bench:scale's output,
// edge cases of every field, and seeded mutations of valid events), every line the SQL calls
// surely valid is one the intake accepts, and the row the SQL computes is the row the intake
// stores, column by column. Both rows are read back through tables of the events table's types,
// so they are compared as ClickHouse stores them.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { generate, TENANTS } from '../../scripts/bench-scale/generate.ts'
import { fuzzedBatches } from '../../tests/fuzzed-events.ts'
import { openWarehouse, queryRows, runStatement, type Warehouse } from '../../warehouse/client.ts'
import { EVENT_COLUMNS, type EventRow } from '../../warehouse/event-columns.ts'
import { encodeRows } from '../../warehouse/event-row-encoder.ts'
import { migrate } from '../../warehouse/migrations.ts'
import { sqlString } from '../../warehouse/sql-literals.ts'
import { EVENT_TYPES, type EventType } from '../contract/event-schema.ts'
import { BatchPreparer, parseNdjsonLines } from '../intake.ts'
import { Random } from '../simulator/random.ts'
import { simulate } from '../simulator/simulator.ts'
import { surelyValidSelect } from './surely-valid-sql.ts'

const HASH_KEY = `clé 'de' \\prueba {x}`
/** Tenants that keep free text; the others (borealis, cumbre, globex…) do not. */
const TEXT_TENANTS = ['acme', 'demo']
const RECEIVED_AT = '2026-11-30 08:15:00.250'
const config = {
  hashKey: HASH_KEY,
  tenants: new Map(TEXT_TENANTS.map((id) => [id, { id, name: id, timezone: 'UTC', currency: 'USD', storeText: true }])),
}

type Fields = Record<string, unknown>
/** One line of NDJSON (bytes where it must not be UTF-8), where it came from, and whether the fast path must take it. */
type Line = { text: string | Buffer; origin: string; common?: boolean }

// ---------------------------------------------------------------------------------------------
// Writing lines: JSON text as a producer may write it

/** JSON text written as given, for numbers JSON.stringify would write otherwise ('5.0', '1e-3'). */
class RawJson {
  constructor(readonly text: string) {}
}
const rawJson = (text: string) => new RawJson(text)

/**
 * How a line spells its JSON: as JSON.stringify does; with blanks between tokens; with every
 * character outside ASCII (and every '/') escaped; with every character of every string escaped.
 */
type Spelling = 'plain' | 'spaced' | 'escaped' | 'all-escaped'
const SPELLINGS: Spelling[] = ['plain', 'spaced', 'escaped', 'all-escaped']

const unicodeEscape = (unit: number) => `\\u${unit.toString(16).padStart(4, '0')}`

function stringText(value: string, spelling: Spelling): string {
  if (spelling === 'all-escaped') return `"${Array.from({ length: value.length }, (_, at) => unicodeEscape(value.charCodeAt(at))).join('')}"`
  const text = JSON.stringify(value)
  if (spelling !== 'escaped') return text
  return text.replace(/[^ -~]|\//g, (c) => (c === '/' ? '\\/' : unicodeEscape(c.charCodeAt(0))))
}

/** A value as JSON text; fields set to undefined are left out. */
function jsonText(value: unknown, spelling: Spelling = 'plain'): string {
  if (value instanceof RawJson) return value.text
  if (typeof value === 'string') return stringText(value, spelling)
  const [comma, colon, open, close] = spelling === 'spaced' ? [' ,\t', ' : ', '{ ', '\t}'] : [',', ':', '{', '}']
  if (Array.isArray(value)) return `[${value.map((item) => jsonText(item, spelling)).join(comma)}]`
  if (value !== null && typeof value === 'object') {
    const fields = Object.entries(value).filter(([, field]) => field !== undefined)
    return `${open}${fields.map(([key, field]) => `${stringText(key, spelling)}${colon}${jsonText(field, spelling)}`).join(comma)}${close}`
  }
  return JSON.stringify(value)
}

/** An object's JSON text with one more field (raw JSON) at its end: a repeated key, say. */
const withField = (objectText: string, field: string) => `${objectText.slice(0, -1)},${field}}`

// ---------------------------------------------------------------------------------------------
// Events of every type

const BASE: Fields = { event_id: 'e1', tenant_id: 'acme', conversation_id: 'c1', occurred_at: '2024-03-01T10:00:00.123-06:00' }
const OPTIONAL_BASE: Fields = { channel: 'web', customer_id: '+52 55 1234 5678', use_case: 'orders', intent: 'where_is_my_order', bot_version: 'v1.4.0' }
const TYPE_FIELDS: Record<EventType, { required: Fields; optional: Fields }> = {
  message: { required: { sender: 'agent' }, optional: { agent_id: 'ag_1', text: '¿hola, qué tal?' } },
  bot_fallback: { required: { question: '¿horario?' }, optional: { confidence: 0.25 } },
  handoff: { required: { reason: 'policy', context: { transcript: true, customer_profile: false, intent: 'refund' } }, optional: { queue: 'pagos' } },
  resolved: { required: { resolved_by: 'bot' }, optional: {} },
  closed: { required: {}, optional: {} },
  csat: { required: { score: 4 }, optional: { comment: 'bien' } },
  cost: { required: { amount: '0.0125', currency: 'USD', component: 'whatsapp' }, optional: { category: 'utility' } },
  proactive_sent: { required: { template: 'order_shipped', category: 'utility' }, optional: { campaign: 'march' } },
  conversion: { required: { value: 120.5, currency: 'MXN' }, optional: { campaign: 'march' } },
}
/** Every field the contract names, of every type. */
const NAMED_FIELDS = [...new Set([...Object.keys(BASE), 'type', ...Object.keys(OPTIONAL_BASE), ...EVENT_TYPES.flatMap((t) => Object.keys(fullEvent(t)))])]

function fullEvent(type: EventType, fields: Fields = {}): Fields {
  return { ...BASE, ...OPTIONAL_BASE, type, ...TYPE_FIELDS[type].required, ...TYPE_FIELDS[type].optional, ...fields }
}
function minimalEvent(type: EventType, fields: Fields = {}): Fields {
  return { ...BASE, type, ...TYPE_FIELDS[type].required, ...fields }
}
/** The event of a type that holds `field` (a base field: a message). */
function eventWith(field: string, value: unknown): Fields {
  const type = EVENT_TYPES.find((t) => field in TYPE_FIELDS[t].required || field in TYPE_FIELDS[t].optional) ?? 'message'
  return fullEvent(type, { [field]: value })
}

// ---------------------------------------------------------------------------------------------
// The corpus

/** The examples of validate.test.ts, timestamp.test.ts and event-row.test.ts (amounts included), as lines. */
function contractTestExamples(): Line[] {
  const valid = { event_id: 'e1', tenant_id: 'acme', conversation_id: 'c1', occurred_at: '2024-03-01T10:00:00.123-06:00', type: 'message', sender: 'customer' }
  const typed: Fields[] = [
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
  const lines: Line[] = typed.map((fields) => ({
    text: JSON.stringify({ ...valid, sender: undefined, ...fields }),
    origin: 'validate.test valid',
    common: true,
  }))
  const examples: Fields[] = [
    { occurred_at: 'yesterday' },
    { occurred_at: '2024-03-01T10:00:00' },
    { event_id: undefined },
    { event_id: 'x'.repeat(129) },
    { tenant_id: 'Acme Corp' },
    { type: 'chat' },
    { sender: 'robot' },
    { type: 'csat', score: 6 },
    { type: 'csat', score: 4.5 },
    { type: 'cost', amount: -1, currency: 'USD', component: 'llm' },
    { type: 'cost', amount: 1, currency: 'usd', component: 'llm' },
    { occurred_at: '2026-02-30T10:00:00Z' },
    { occurred_at: '2026-03-01T24:00:00Z' },
    { event_id: 'a\ud800' },
    { text: 'hola \udc00' },
    { type: 'handoff', reason: 'policy', context: { transcript: true, customer_profile: true, intent: '\ud83d' } },
    { text: 'hola 😀' },
    { occurred_at: '1850-03-01T10:00:00Z' },
    { type: 'handoff', reason: 'policy' },
    { type: 'handoff', reason: 'policy', context: { transcript: 'yes', customer_profile: true, intent: null } },
    { type: 'resolved', resolved_by: 'nobody' },
    { type: 'proactive_sent', template: 't', category: 'service' },
    { type: 'cost', amount: 1e12, currency: 'USD', component: 'llm' },
    { type: 'cost', amount: '1234567890123.5', currency: 'USD', component: 'llm' },
    { type: 'cost', amount: '0.0000001', currency: 'USD', component: 'llm' },
    { type: 'cost', amount: 0.1 + 0.2, currency: 'USD', component: 'llm' },
    { type: 'cost', amount: 123456789012.34567, currency: 'USD', component: 'llm' },
    { type: 'cost', amount: '12,50', currency: 'USD', component: 'llm' },
    { type: 'conversion', value: 1e15, currency: 'USD' },
    { type: 'cost', amount: '999999999999.999999', currency: 'USD', component: 'llm', sender: undefined },
    { wa_message_id: 'wamid.1', nested: { a: 1 } },
    { note: 'a\ud800' },
    { deep: JSON.parse(`${'['.repeat(32)}${']'.repeat(32)}`) },
    { deep: JSON.parse(`${'['.repeat(33)}${']'.repeat(33)}`) },
    { type: 'closed', sender: undefined, meta: { a: { b: 1 } } },
  ]
  for (const fields of examples) lines.push({ text: JSON.stringify({ ...valid, ...fields }), origin: 'validate.test' })
  lines.push({
    text: '{"event_id":"e1","tenant_id":"acme","conversation_id":"c1","occurred_at":"2024-03-01T10:00:00Z","type":"closed","__proto__":{"admin":true},"note":"x"}',
    origin: 'validate.test __proto__',
  })
  for (const value of ['null', '3', '"x"', JSON.stringify([valid])]) lines.push({ text: value, origin: 'validate.test not an object' })

  const timestamps = [
    '2024-03-30T19:40:11.042-06:00',
    '2024-03-30 19:40:11+05:30',
    '2024-02-29T00:00:00Z',
    '2000-02-29T00:00:00Z',
    '2024-01-01T00:00:00.123456Z',
    '2024-01-01T00:00:00.9999Z',
    '2024-01-01T00:00:00.1Z',
    '2024-01-01T00:00:00.12+01:00',
    '2024-01-01 00:00:00Z',
    '2024-01-01t00:00:00z',
    '2024-01-01T00:00:00+23:59',
    '2024-01-01T00:00:00-00:00',
    '2024-12-31T23:59:59.999-23:59',
    '1970-01-01T00:00:00+00:01',
    '1900-03-01T12:00:00Z',
    '2026-02-30T10:00:00Z',
    '2026-02-29T10:00:00Z',
    '2100-02-29T10:00:00Z',
    '2026-04-31T10:00:00Z',
    '2026-06-31T00:00:00+02:00',
    '2026-11-31T23:59:59-06:00',
    '2026-01-31T10:00:00Z',
    '2026-04-30T10:00:00Z',
    '2026-12-31T23:59:59-06:00',
    '1900-01-01T00:00:00Z',
    '1899-12-31T23:30:00-01:00',
    '2026-03-01T10:00:00Z',
    '2299-12-31T23:59:59.999Z',
    '2300-01-01T00:30:00+01:00',
    '1899-12-31T23:59:59.999Z',
    '1900-01-01T00:30:00+01:00',
    '2300-01-01T00:00:00Z',
    '2299-12-31T23:30:00-01:00',
    '0050-06-15T08:30:00Z',
    '9999-12-31T23:59:59Z',
    '2024-01-01',
    '2024-13-01T00:00:00Z',
    '2024-01-01T24:00:00Z',
    '2024-02-29T24:00:00.000-06:00',
    '2024-01-01T25:00:00Z',
    '2024-01-01T00:00:00+24:00',
    '1/2/2024',
  ]
  for (const occurred_at of timestamps) lines.push({ text: JSON.stringify({ ...valid, occurred_at }), origin: 'timestamp.test' })

  const rowBase = { customer_id: '+54 9 11 5555-0001', use_case: 'orders', occurred_at: '2024-03-01T10:00:00.5-03:00' }
  for (const type of EVENT_TYPES) lines.push({ text: JSON.stringify(fullEvent(type, rowBase)), origin: 'event-row.test', common: true })
  for (const amount of ['999999999999.999999', '0.000001', '0012.50', 0.1, 1e-6, 123456789012.34]) {
    lines.push({ text: JSON.stringify(minimalEvent('cost', { ...rowBase, amount, currency: 'USD', component: 'llm' })), origin: 'event-row.test amounts' })
    lines.push({ text: JSON.stringify(minimalEvent('conversion', { ...rowBase, value: amount, currency: 'USD' })), origin: 'event-row.test amounts' })
  }
  return lines
}

/** The intake fuzz test's batches (tests/fuzzed-events.ts): valid events at the contract's edges and poison. */
function fuzzedLines(): Line[] {
  return fuzzedBatches(20260301, 3000).flatMap((batch) => batch.items.map((item) => ({ text: item.text, origin: `fuzzed ${item.expect}` })))
}

/** Every named field (and one the contract does not name) absent, null, and of every JSON type, in every type. */
function wrongTypes(): Line[] {
  const values: unknown[] = [undefined, null, true, false, 0, 1, 5, 0.5, -1, '', 'x', '5', 'true', 'null', {}, [], { a: 1 }, ['x']]
  const lines: Line[] = []
  for (const type of EVENT_TYPES)
    for (const field of [...NAMED_FIELDS, 'note'])
      for (const value of values)
        for (const make of [fullEvent, minimalEvent])
          lines.push({ text: JSON.stringify(make(type, { [field]: value })), origin: `wrong type ${type}.${field}` })
  return lines
}

/** A string of `units` UTF-16 units made of `unit` (an emoji counts two: an odd count starts with 'a'). */
function stringOf(unit: string, units: number): string {
  return unit.length === 2 ? 'a'.repeat(units % 2) + unit.repeat(Math.floor(units / 2)) : unit.repeat(units)
}

const STRING_FIELDS = ['event_id', 'tenant_id', 'conversation_id', 'channel', 'customer_id', 'use_case', 'intent', 'bot_version']
const TYPE_STRING_FIELDS = ['agent_id', 'text', 'question', 'queue', 'comment', 'template', 'campaign', 'sender', 'currency']
const LENGTHS = [0, 1, 2, 3, 63, 64, 65, 127, 128, 129, 255, 256, 257]
const UNITS = ['a', '7', 'é', '€', '😀', '"', '\\', '\n', '\t', '/', '\u0000', '\u001f', '\u007f', '\u2028', '\ufeff', '\uffff']

/** Strings of every length at the contract's limits, of one-, two-, three- and four-byte characters and of escapes. */
function lengths(): Line[] {
  const lines: Line[] = []
  for (const field of [...STRING_FIELDS, ...TYPE_STRING_FIELDS, 'context.intent'])
    for (const units of LENGTHS)
      for (const unit of UNITS) {
        const value = stringOf(unit, units)
        const event =
          field === 'context.intent' ? fullEvent('handoff', { context: { transcript: false, customer_profile: true, intent: value } }) : eventWith(field, value)
        for (const spelling of SPELLINGS)
          lines.push({ text: jsonText(event, spelling), origin: `length ${field} ${units}×${JSON.stringify(unit)} ${spelling}` })
      }
  // a template may not be empty; the campaign of a conversion
  for (const units of [0, 1, 128, 129]) {
    lines.push({ text: JSON.stringify(minimalEvent('proactive_sent', { template: 'x'.repeat(units) })), origin: 'length template' })
    lines.push({ text: JSON.stringify(fullEvent('conversion', { campaign: 'é'.repeat(units) })), origin: 'length conversion campaign' })
  }
  return lines
}

/** Escaped surrogates, alone and in pairs, and text that only looks like an escape. */
function surrogates(): Line[] {
  const values = ['a\ud800', '\udc00b', 'a\ud800\udc00', '😀', '\ud83d\ude00x', '\\ud800', 'x\\u00e9', '\\\\ud83d']
  const lines: Line[] = []
  for (const field of ['event_id', 'conversation_id', 'customer_id', 'intent', 'text', 'question', 'comment', 'context.intent', 'note'])
    for (const value of values)
      for (const spelling of SPELLINGS) {
        const event =
          field === 'context.intent'
            ? fullEvent('handoff', { context: { transcript: true, customer_profile: true, intent: value } })
            : field === 'note'
              ? fullEvent('closed', { note: value })
              : eventWith(field, value)
        lines.push({ text: jsonText(event, spelling), origin: `surrogate ${field} ${JSON.stringify(value)} ${spelling}` })
      }
  return lines
}

/** Lines whose bytes are not UTF-8, or that hold a BOM. */
function bytes(): Line[] {
  const line = JSON.stringify(fullEvent('message', { text: 'hola MARK' }))
  const [before, after] = line.split('MARK') as [string, string]
  const withBytes = (hex: string) => Buffer.concat([Buffer.from(before), Buffer.from(hex, 'hex'), Buffer.from(after)])
  const lines: Line[] = []
  // a lone byte, an overlong '/', a surrogate in UTF-8 (CESU-8), a cut emoji, past U+10FFFF, a valid emoji and é
  for (const hex of ['ff', 'c0af', 'eda080', 'edb080', 'f09f98', 'f4908080', '80', 'e282', 'f09f9880', 'c3a9', 'efbbbf'])
    lines.push({ text: withBytes(hex), origin: `bytes ${hex}` })
  lines.push({ text: Buffer.concat([Buffer.from('efbbbf', 'hex'), Buffer.from(line)]), origin: 'BOM first' })
  lines.push({
    text: Buffer.concat([Buffer.from(line.slice(0, -1)), Buffer.from(',"n":"', 'utf8'), Buffer.from('ff', 'hex'), Buffer.from('"}')]),
    origin: 'bytes in extra',
  })
  return lines
}

/** Lines that are not one JSON object, blank lines, line ends, repeated and unknown keys. */
function lineShapes(): Line[] {
  const valid = JSON.stringify(fullEvent('message'))
  const closed = JSON.stringify(minimalEvent('closed'))
  const texts: [string, string][] = [
    ['', 'blank'],
    [' ', 'blank'],
    ['\t', 'blank'],
    ['\r', 'blank'],
    [' \r', 'blank'],
    [`${valid}\r`, 'CR line end'],
    [`${valid} \r`, 'CR line end'],
    [`${valid}\r\r`, 'CR line end'],
    [` ${valid}`, 'leading blank'],
    [`\t${valid}`, 'leading tab'],
    [`\r${valid}`, 'leading CR'],
    [`${valid} `, 'trailing blank'],
    [`${valid}\t`, 'trailing tab'],
    [`\ufeff${valid}`, 'BOM'],
    [`${valid}\u00a0`, 'trailing NBSP'],
    [`${valid}\u000b`, 'trailing vertical tab'],
    [`${valid}\f`, 'trailing form feed'],
    [`${valid}\u0000`, 'trailing NUL'],
    [`${valid}\u0000{}`, 'NUL between objects'],
    [`\u0000${valid}`, 'leading NUL'],
    [`\u2028${valid}`, 'leading line separator'],
    [`${valid} x`, 'trailing text'],
    [`${valid}${valid}`, 'two objects'],
    [`${valid},`, 'trailing comma'],
    [`${valid}]`, 'trailing bracket'],
    [`[${valid}]`, 'array'],
    ['[]', 'array'],
    ['{}', 'empty object'],
    ['5', 'number'],
    ['"x"', 'string'],
    ['null', 'null'],
    ['"null"', 'string'],
    ['true', 'bool'],
    [valid.slice(0, -1), 'cut'],
    [valid.replace('"e1"', "'e1'"), 'single quotes'],
    [valid.replace(':"e1"', ':"e1",'), 'not JSON'],
    [withField(valid, '"event_id":"e1"'), 'repeated key, same value'],
    [withField(valid, '"event_id":"e2"'), 'repeated key'],
    [withField(valid, '"type":"message"'), 'repeated key'],
    [withField(valid, '"tenant_id":"globex"'), 'repeated key'],
    [withField(valid, '"sender":"bot"'), 'repeated key'],
    [withField(closed, '"type":"closed"'), 'repeated key'],
    [withField(closed, '"occurred_at":"2024-03-01T10:00:00Z"'), 'repeated key'],
    [valid.replace('"event_id"', '"event\\u005fid"'), 'escaped key'],
    [valid.replace('"type"', '"\\u0074ype"'), 'escaped key'],
    [withField(valid.replace('"event_id"', '"event\\u005fid"'), '"event_id":"e2"'), 'repeated escaped key'],
    [withField(valid, '"note":"x"'), 'unknown key'],
    [withField(valid, '"":1'), 'unknown key'],
    [withField(valid, '"Type":"closed"'), 'unknown key'],
    [withField(valid, '"__proto__":{"type":"closed"}'), 'unknown key'],
    [withField(valid, '"constructor":1'), 'unknown key'],
    [withField(closed, '"sender":"bot"'), "another type's key"],
    [withField(closed, '"context":{"transcript":true,"customer_profile":true,"intent":null}'), "another type's key"],
    [withField(closed, `"deep":${'['.repeat(40)}${']'.repeat(40)}`), 'deep extra'],
    [`{"type":"closed","event_id":"e1","tenant_id":"acme","conversation_id":"c1","occurred_at":"2024-03-01T10:00:00Z"}`, 'type first'],
    [valid.replace(/,/g, ', ').replace(/:/g, ': '), 'blanks'],
    [valid.replace(/,/g, '\t,\t'), 'tabs'],
    [valid.replace(/,/g, '\r,'), 'CR between tokens'],
  ]
  return texts.map(([text, origin]) => ({ text, origin: `line ${origin}` }))
}

/** The context of a handoff: extra keys, missing keys, and intent of every JSON type. */
function contexts(): Line[] {
  const contexts: unknown[] = [
    { transcript: true, customer_profile: false, intent: null },
    { transcript: false, customer_profile: true, intent: 'refund' },
    { transcript: true, customer_profile: true, intent: '' },
    { intent: null, customer_profile: false, transcript: true },
    { transcript: true, customer_profile: false, intent: null, extra: 1 },
    { transcript: true, customer_profile: false },
    { transcript: true, intent: null },
    { customer_profile: true, intent: 'x' },
    { transcript: true, customer_profile: false, intent: 5 },
    { transcript: true, customer_profile: false, intent: true },
    { transcript: true, customer_profile: false, intent: {} },
    { transcript: true, customer_profile: false, intent: ['x'] },
    { transcript: 'true', customer_profile: false, intent: null },
    { transcript: 1, customer_profile: false, intent: null },
    { transcript: true, customer_profile: null, intent: null },
    { transcript: true, customer_profile: false, intent: 'é😀' },
    { transcript: true, customer_profile: false, intent: 'a"b\\c\nd' },
    null,
    [],
    [true, false, null],
    'x',
    5,
    {},
  ]
  const lines: Line[] = []
  for (const context of contexts)
    for (const spelling of SPELLINGS) lines.push({ text: jsonText(fullEvent('handoff', { context }), spelling), origin: `context ${JSON.stringify(context)}` })
  const plain = JSON.stringify(fullEvent('handoff', { context: { transcript: true, customer_profile: false, intent: null } }))
  lines.push({ text: plain.replace('"transcript":true', '"transcript":true,"transcript":false'), origin: 'context repeated key' })
  lines.push({ text: plain.replace('"intent":null', '"intent":null,"intent":"x"'), origin: 'context repeated key' })
  lines.push({ text: plain.replace('"transcript"', '"tr\\u0061nscript"'), origin: 'context escaped key' })
  return lines
}

/** Timestamps: T, t or a space; Z, z or offsets; fractions of 0–9 digits; leap days; the years at the columns' ends. */
function timestamps(): Line[] {
  const values: string[] = []
  for (const separator of ['T', 't', ' '])
    for (const zone of ['Z', 'z', '+00:00', '-00:00', '+05:30', '-06:00', '+23:59', '-23:59', '+24:00', '-24:00', '+12:60', '+0530', ''])
      for (const fraction of ['', '.', '.1', '.12', '.123', '.1234', '.000000001', '.999999999', '.5'])
        values.push(`2024-03-01${separator}10:20:30${fraction}${zone}`)
  for (const date of [
    '2024-02-29',
    '2023-02-29',
    '2000-02-29',
    '1900-02-29',
    '2100-02-29',
    '2024-02-30',
    '2024-04-31',
    '2024-12-31',
    '2024-01-00',
    '2024-00-10',
    '2024-13-01',
  ])
    for (const time of ['00:00:00', '23:59:59', '24:00:00', '23:60:00', '23:59:60', '12:00:00.999'])
      for (const zone of ['Z', '+01:00', '-01:00']) values.push(`${date}T${time}${zone}`)
  for (const year of ['1899', '1900', '1901', '2298', '2299', '2300'])
    for (const [date, time] of [
      ['01-01', '00:00:00'],
      ['01-01', '00:30:00'],
      ['12-31', '23:59:59.999'],
      ['12-31', '23:30:00'],
      ['06-15', '12:00:00'],
    ])
      for (const zone of ['Z', '+01:00', '-01:00', '+23:59', '-23:59']) values.push(`${year}-${date}T${time}${zone}`)
  values.push('1969-12-31T23:59:59.999Z', '1969-12-31T23:59:59.001+00:01', '1955-05-05T05:05:05.005+05:05', '1901-12-13T20:45:52.1-02:30')
  values.push(
    '2024-03-01T10:20:30.123Z ',
    ' 2024-03-01T10:20:30Z',
    '2024-3-01T10:20:30Z',
    '2024-03-01T10:20Z',
    '+2024-03-01T10:20:30Z',
    '２024-03-01T10:20:30Z',
  )
  const lines: Line[] = []
  for (const occurred_at of values) {
    lines.push({ text: JSON.stringify(minimalEvent('closed', { occurred_at })), origin: `timestamp ${occurred_at}` })
    lines.push({ text: jsonText(fullEvent('message', { occurred_at }), 'all-escaped'), origin: `timestamp ${occurred_at} escaped` })
  }
  lines.push({ text: JSON.stringify(minimalEvent('closed', { occurred_at: 1709287200000 })), origin: 'timestamp as number' })
  // the form the SQL reads, over its whole range of years: the fast path takes them
  for (const occurred_at of [
    '1901-01-01T00:00:00+23:59',
    '1955-05-05T05:05:05.005+05:05',
    '1969-12-31T23:59:59.999Z',
    '2000-02-29T12:00:00+01:00',
    '2024-02-29T00:00:00Z',
    '2149-06-07T00:00:00Z',
    '2200-01-31T12:00:00.5-03:00',
    '2296-02-29T00:00:00Z',
    '2298-12-31T23:59:59.999-23:59',
  ])
    lines.push({ text: JSON.stringify(fullEvent('message', { occurred_at })), origin: `timestamp ${occurred_at}`, common: true })
  return lines
}

/** Scores, confidences and amounts as numbers and as text, written in every way JSON allows. */
function numbers(): Line[] {
  const scores: unknown[] = [
    ...[5, 1, 0, 6, 5.5, '5', -1, true, null, 1e300],
    ...['5.0', '5e0', '0.5e1', '4.999999999999999999', '5.000000000000001', '-0', '1e400', '18446744073709551621'].map(rawJson),
  ]
  const confidences: unknown[] = [
    0,
    1,
    0.5,
    0.25,
    0.1,
    0.123456789012345,
    0.1234567890123456,
    0.30000000000000004,
    0.8734124302864075,
    1e-7,
    2,
    -0.1,
    '0.5',
    null,
    true,
    ...['1.0', '1.0000001', '-0', '-0.0', '1e-3', '1E-3', '0.99999999999999999', '1e-20', '0.50', '5e-1', '0.0', '00', '1e0', '0.1e1'].map(rawJson),
  ]
  const amounts: unknown[] = [
    0,
    12.5,
    '12.50',
    0.1,
    1e21,
    '123456789012.123456',
    1234567890123,
    '1234567890123',
    -1,
    '-1',
    '-0',
    '0012.50',
    '.5',
    '5.',
    '1e5',
    999999999999.99,
    '999999999999.999999',
    '999999999999.9999999',
    123456789012.345,
    0.045,
    0.000001,
    '0.0000001',
    '+1',
    ' 1',
    '1 ',
    '',
    '١',
    '0',
    '0.000000',
    '00',
    '0.10',
    123456789012,
    100000000000.5,
    0.1 + 0.2,
    null,
    true,
    { amount: 1 },
    ...[
      '1e21',
      '123456789012.123456',
      '-0',
      '-0.0',
      '1e5',
      '1E5',
      '0.0000001',
      '0.1000000',
      '12.500000000000000001',
      '100000000000000000000000',
      '0.30000000000000004',
      '1e-6',
      '12.50',
      '5.0',
    ].map(rawJson),
  ]
  const lines: Line[] = []
  for (const score of scores) lines.push({ text: jsonText(fullEvent('csat', { score })), origin: `score ${jsonText(score)}` })
  for (const confidence of confidences) lines.push({ text: jsonText(fullEvent('bot_fallback', { confidence })), origin: `confidence ${jsonText(confidence)}` })
  for (const amount of amounts) {
    lines.push({ text: jsonText(fullEvent('cost', { amount })), origin: `amount ${jsonText(amount)}` })
    lines.push({ text: jsonText(fullEvent('conversion', { value: amount }), 'all-escaped'), origin: `value ${jsonText(amount)}` })
  }
  // decimals of 1–17 significant digits, as JSON numbers (read as doubles) and as text
  const rnd = new Random(42)
  for (let n = 0; n < 400; n++) {
    const digits = String(rnd.int(1, 99_999_999)) + String(rnd.int(0, 999_999_999))
    const significant = digits.slice(0, rnd.int(1, 17))
    const point = rnd.int(0, significant.length)
    const text = `${significant.slice(0, point) || '0'}${point < significant.length ? `.${significant.slice(point)}` : ''}`
    lines.push({ text: jsonText(fullEvent('cost', { amount: rawJson(text) })), origin: `amount ${text}` })
    lines.push({ text: jsonText(fullEvent('conversion', { value: text })), origin: `value "${text}"` })
    lines.push({ text: jsonText(fullEvent('bot_fallback', { confidence: rawJson(`0.${significant}`) })), origin: `confidence 0.${significant}` })
  }
  for (const currency of ['USD', 'usd', 'US', 'USDD', 'ÜSD', 'US1', '', 5])
    lines.push({ text: jsonText(fullEvent('cost', { currency })), origin: `currency ${currency}` })
  return lines
}

/** Customer ids: phone numbers in every shape (hashed), other ids (kept), and text around the rule's edges. */
function customerIds(): Line[] {
  const ids = [
    '+52 55 1234 5678',
    '5215512345678',
    '+1 (555) 010-0000',
    '555.010.0000',
    '(55) 1234 5678',
    '+52-55-1234-5678',
    ' 5215512345678 ',
    '123456',
    '1234567',
    '123456789012345',
    '1234567890123456',
    '+1234567',
    '+',
    '++5215512345678',
    '+52\t55 1234 5678',
    '+52 55 1234 5678\n',
    '+52\u00a055 1234 5678',
    '+52\u200355 1234 5678',
    '٥٥٥١٢٣٤٥٦٧',
    '１２３４５６７',
    '+52 55 1234 5678 ext. 9',
    '0000000',
    '.......1234567',
    '-1234567',
    '()1234567',
    '1234567+',
    'cust_42',
    'cust 42',
    '',
    ' ',
    'é',
    'José 1234567',
    '~!@#$%^&*',
    '\u0000',
    '\u007f1234567',
    'x'.repeat(256),
    'x'.repeat(257),
    '9'.repeat(300),
  ]
  const lines: Line[] = []
  for (const customer_id of ids)
    for (const spelling of ['plain', 'all-escaped'] as const)
      lines.push({ text: jsonText(fullEvent('message', { customer_id }), spelling), origin: `customer ${JSON.stringify(customer_id)}` })
  return lines
}

/** Tenant ids: case, blanks, length 64 and 65; with and without a tenant filter (tested by the caller). */
function tenantIds(): Line[] {
  const ids = ['acme', 'demo', 'globex', 'ACME', 'Acme', 'acme ', ' acme', 'a'.repeat(64), 'a'.repeat(65), '', 'é', 'acme\n', 'ac-me_1', '0', '-', '_', 'ac.me']
  return ids.flatMap((tenant_id) =>
    (['message', 'csat'] as const).map((type) => ({ text: JSON.stringify(fullEvent(type, { tenant_id })), origin: `tenant ${JSON.stringify(tenant_id)}` })),
  )
}

/** What the demo simulator produces: every line must take the fast path. */
function simulatorLines(): Line[] {
  const events = simulate({ tenantId: 'demo', endDate: new Date('2026-03-01T00:00:00Z'), days: 15, conversationsPerDay: 30, seed: 7 })
  return events.map((event) => ({ text: JSON.stringify(event), origin: 'simulator', common: true }))
}

/** What bench:scale's generator writes (three tenants, one that keeps text): every line must take the fast path. */
async function benchScaleLines(folder: string): Promise<Line[]> {
  const file = path.join(folder, 'bench-scale.ndjson')
  await generate({ file, tenants: TENANTS, endDate: '2026-03-01', fromDaysBack: 93, toDaysBack: 90, conversationsPerDay: 60 })
  const { readFileSync } = await import('node:fs')
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((text) => ({ text, origin: 'bench-scale', common: true }))
}

// ---------------------------------------------------------------------------------------------
// Seeded mutations of valid events

/** Values a mutation sets a field to: of every JSON type, at the rules' edges, and other fields' values. */
const MUTATION_VALUES: unknown[] = [
  null,
  true,
  false,
  0,
  1,
  4,
  -1,
  0.5,
  1.5,
  1e21,
  '',
  ' ',
  'x',
  'é',
  '😀',
  'a\nb',
  'a"b',
  'a\\b',
  '\u0000',
  'x'.repeat(64),
  'x'.repeat(65),
  'é'.repeat(64),
  '😀'.repeat(32),
  'x'.repeat(128),
  'x'.repeat(129),
  'é'.repeat(128),
  'x'.repeat(257),
  {},
  [],
  { transcript: true, customer_profile: false, intent: null },
  ...EVENT_TYPES,
  'customer',
  'bot',
  'agent',
  'policy',
  'other',
  'whatsapp',
  'llm',
  'service',
  'utility',
  'marketing',
  'USD',
  'usd',
  '12.50',
  '0012.5',
  '-0',
  '1e5',
  123456789012.345,
  0.1 + 0.2,
  '2024-03-01T10:00:00Z',
  '2024-02-29T23:59:59.999+05:30',
  '2024-01-01 00:00:00.123456z',
  '2023-02-29T00:00:00Z',
  '1900-01-01T00:00:00Z',
  '2299-12-31T23:59:59.999Z',
  '+52 55 1234 5678',
  '123456',
  'acme',
  'ACME',
  'globex',
  ...['5.0', '1.0', '-0', '1e-3', '12.500'].map(rawJson),
]

/** Characters of every kind: ASCII, controls, two-, three- and four-byte ones, now and then a lone surrogate. */
const TEXT_UNITS = ['a', 'Z', '0', ' ', '+', '-', '(', '.', '"', '\\', '/', '\n', '\t', '\u0000', '\u007f', 'é', 'ß', '€', '中', '\u2028', '\ufeff', '😀', '𐀀']

function randomText(rnd: Random): string {
  let text = ''
  const length = rnd.chance(0.8) ? rnd.int(0, 20) : rnd.int(60, 300)
  for (let n = 0; n < length; n++) text += rnd.chance(0.002) ? '\ud800' : rnd.chance(0.3) ? String(rnd.int(0, 9)) : rnd.pick(TEXT_UNITS)
  return text
}

function mutatedLines(seed: number, count: number): Line[] {
  const rnd = new Random(seed)
  const lines: Line[] = []
  for (let n = 0; n < count; n++) {
    const type = rnd.pick(EVENT_TYPES)
    const event = rnd.chance(0.5) ? fullEvent(type, { event_id: `m${n}` }) : minimalEvent(type, { event_id: `m${n}` })
    const mutations = rnd.int(0, 2)
    const changed: string[] = []
    for (let m = 0; m < mutations; m++) {
      const field = rnd.chance(0.9) ? rnd.pick(NAMED_FIELDS) : rnd.pick(['note', '__proto__', 'context.intent', 'context.transcript', 'context.extra'])
      const roll = rnd.next()
      const value = roll < 0.15 ? undefined : roll < 0.3 ? randomText(rnd) : rnd.pick(MUTATION_VALUES)
      if (field.startsWith('context.')) {
        const context = typeof event.context === 'object' && event.context !== null ? { ...(event.context as Fields) } : {}
        context[field.slice('context.'.length)] = value
        event.context = context
      } else {
        // an own field even when named __proto__, as JSON.parse makes it
        Object.defineProperty(event, field, { value, enumerable: true, writable: true, configurable: true })
      }
      changed.push(`${field}=${jsonText(value ?? null).slice(0, 20)}`)
    }
    const spelling = rnd.pick(SPELLINGS)
    let text = jsonText(event, spelling)
    if (rnd.chance(0.03)) text = withField(text, `${JSON.stringify(rnd.pick(Object.keys(event)))}:${jsonText(rnd.pick(MUTATION_VALUES))}`)
    lines.push({ text, origin: `mutation ${type} ${spelling} ${changed.join(' ')}` })
  }
  return lines
}

// ---------------------------------------------------------------------------------------------
// Both paths over the same lines

let warehouse: Warehouse
const folder = mkdtempSync(path.join(tmpdir(), 'pulso-surely-valid-'))
const db = 'surely_valid'
let linesFiles = 0
/** The columns of node_rows, as the structure of the file the intake's rows are read from. */
let nodeRowsStructure: string

beforeAll(async () => {
  warehouse = await openWarehouse({ dataDir: path.join(folder, 'data'), database: db })
  await migrate(warehouse)
  // the rows of each path, typed as the events table types them, keyed by line
  for (const table of ['sql_rows', 'node_rows'])
    await runStatement(
      warehouse,
      `CREATE TABLE ${db}.${table} ENGINE = Memory AS SELECT toUInt64(0) AS line_number, ${EVENT_COLUMNS.join(', ')} FROM ${db}.events WHERE 0`,
    )
  const columns = await queryRows<{ name: string; type: string }>(
    warehouse,
    `SELECT name, type FROM system.columns WHERE database = {db:String} AND table = 'node_rows' ORDER BY position`,
    { db },
  )
  nodeRowsStructure = columns.map(({ name, type }) => `${name} ${type}`).join(', ')
})

afterAll(async () => {
  await warehouse?.close()
  rmSync(folder, { recursive: true, force: true })
})

const preview = (line: Line) => {
  const text = typeof line.text === 'string' ? JSON.stringify(line.text) : `bytes ${line.text.toString('hex')}`
  return text.length > 300 ? `${text.slice(0, 300)}…` : text
}

type Comparison = {
  /** Lines the SQL calls surely valid. */
  surelyValid: number
  /** Lines the intake accepts. */
  accepted: number
  /** Lines the SQL calls surely valid that the intake refuses, and rows that differ: must be none. */
  problems: string[]
  /** Lines that must take the fast path (common: true) and do not. */
  commonRefused: string[]
}

/** The SQL's verdict and row for every line, through the file-load query, stored in sql_rows. */
async function storeSqlRows(file: string, onlyTenant: string): Promise<void> {
  const { aliases, surelyValid, columns } = surelyValidSelect()
  const select = `SELECT _row_number AS line_number, ${surelyValid} AS surely_valid, ${EVENT_COLUMNS.map((column) => `${columns[column]} AS ${column}`).join(',\n')}, ${aliases}
    FROM file(${sqlString(file)}, 'LineAsString')`
  await runStatement(
    warehouse,
    `INSERT INTO ${db}.sql_rows SELECT line_number, ${EVENT_COLUMNS.join(', ')} FROM (${select}) WHERE surely_valid
     SETTINGS short_circuit_function_evaluation = 'disable'`,
    { hash_key: HASH_KEY, text_tenants: TEXT_TENANTS, only_tenant: onlyTenant, received_at: RECEIVED_AT },
  )
}

/**
 * The intake's verdict and row for every line, as a file load's Node path makes them: the line
 * parsed as NDJSON, then validated and mapped by a BatchPreparer (one per line, so that repeated
 * event ids are judged alike), stored in node_rows through the events' own encoder.
 */
async function storeNodeRows(lines: Line[], onlyTenant: string): Promise<Map<number, string>> {
  const refusals = new Map<number, string>()
  const rows: { line: number; row: EventRow }[] = []
  const pseudonyms = new Map<string, string>()
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true })
  vi.useFakeTimers({ toFake: ['Date'], now: new Date(`${RECEIVED_AT.replace(' ', 'T')}Z`) })
  try {
    lines.forEach((line, index) => {
      const text = typeof line.text === 'string' ? line.text : decoder.decode(line.text)
      const item = parseNdjsonLines([text])[0]
      const outcome = item && new BatchPreparer(config, { source: 'file', tenantId: onlyTenant || undefined }, pseudonyms).prepare(item)
      if (outcome?.kind === 'row') rows.push({ line: index, row: outcome.row })
      else refusals.set(index, outcome === undefined ? 'a blank line' : outcome.kind === 'rejected' ? outcome.reason : outcome.kind)
    })
  } finally {
    vi.useRealTimers()
  }
  // each encoded row is one line of TabSeparated (its values escape line ends): the line number goes in front
  const encoded = encodeRows(rows.map(({ row }) => row))
    .toString('utf8')
    .split('\n')
    .slice(0, rows.length)
    .map((row, at) => `${rows[at]!.line}\t${row}\n`)
    .join('')
  const file = path.join(folder, `node-rows-${++linesFiles}.tsv`)
  writeFileSync(file, encoded)
  await runStatement(warehouse, `INSERT INTO ${db}.node_rows SELECT * FROM file(${sqlString(file)}, 'TabSeparated', ${sqlString(nodeRowsStructure)})`)
  return refusals
}

async function compare(lines: Line[], onlyTenant = ''): Promise<Comparison> {
  for (const line of lines) expect(line.text.includes('\n'), preview(line)).toBe(false)
  const file = path.join(folder, `lines-${++linesFiles}.ndjson`)
  writeFileSync(file, Buffer.concat(lines.flatMap((line) => [typeof line.text === 'string' ? Buffer.from(line.text) : line.text, Buffer.from('\n')])))
  for (const table of ['sql_rows', 'node_rows']) await runStatement(warehouse, `TRUNCATE TABLE ${db}.${table}`)
  const [{ lines: read }] = (await queryRows<{ lines: number }>(warehouse, `SELECT count() AS lines FROM file(${sqlString(file)}, 'LineAsString')`)) as [
    { lines: number },
  ]
  expect(read).toBe(lines.length)

  await storeSqlRows(file, onlyTenant)
  const refusals = await storeNodeRows(lines, onlyTenant)

  // every value as ClickHouse writes it as text (NULL as null), so nothing is compared through a float
  const rowsOf = (table: string) =>
    queryRows<Record<string, string | null>>(
      warehouse,
      `SELECT line_number, ${EVENT_COLUMNS.map((column) => `toString(${column}) AS ${column}`).join(', ')} FROM ${db}.${table} ORDER BY line_number`,
    )
  const sqlRows = await rowsOf('sql_rows')
  const nodeRows = new Map((await rowsOf('node_rows')).map((row) => [Number(row.line_number), row]))
  const problems: string[] = []
  for (const sqlRow of sqlRows) {
    const index = Number(sqlRow.line_number)
    const line = lines[index]!
    const nodeRow = nodeRows.get(index)
    if (!nodeRow) {
      problems.push(`line ${index} (${line.origin}): the SQL calls it surely valid, the intake refuses it: ${refusals.get(index)}\n    ${preview(line)}`)
      continue
    }
    for (const column of EVENT_COLUMNS) {
      if (sqlRow[column] !== nodeRow[column])
        problems.push(
          `line ${index} (${line.origin}): ${column} is ${JSON.stringify(sqlRow[column])} by SQL, ${JSON.stringify(nodeRow[column])} by the intake\n    ${preview(line)}`,
        )
    }
  }
  const surely = new Set(sqlRows.map((row) => Number(row.line_number)))
  const commonRefused = lines.flatMap((line, index) => (line.common && !surely.has(index) ? [`line ${index} (${line.origin}): ${preview(line)}`] : []))
  return { surelyValid: surely.size, accepted: nodeRows.size, problems, commonRefused }
}

describe('the SQL version of the event contract', () => {
  const handWritten = () => [
    ...contractTestExamples(),
    ...wrongTypes(),
    ...lengths(),
    ...surrogates(),
    ...bytes(),
    ...lineShapes(),
    ...contexts(),
    ...timestamps(),
    ...numbers(),
    ...customerIds(),
    ...tenantIds(),
  ]

  it('accepts only what the intake accepts, with its row, over the contract tests and edge cases of every field', async () => {
    const lines = [...handWritten(), ...fuzzedLines()]
    const outcome = await compare(lines)
    expect(outcome.problems).toEqual([])
    expect(outcome.commonRefused).toEqual([])
    // the corpus holds both: lines the SQL vouches for, and valid lines it leaves to the intake
    expect(outcome.surelyValid).toBeGreaterThan(1000)
    expect(outcome.accepted).toBeGreaterThan(outcome.surelyValid)
  })

  it('keeps to the one tenant a load is for', async () => {
    const outcome = await compare([...tenantIds(), ...contractTestExamples(), ...lineShapes()], 'acme')
    expect(outcome.problems).toEqual([])
    expect(outcome.surelyValid).toBeGreaterThan(10)
  })

  it("vouches for every event of the demo simulator and of bench:scale's generator, with the intake's rows", async () => {
    const lines = [...simulatorLines(), ...(await benchScaleLines(folder))]
    expect(lines.length).toBeGreaterThan(5000)
    const outcome = await compare(lines)
    expect(outcome.problems).toEqual([])
    expect(outcome.commonRefused).toEqual([])
    expect(outcome.surelyValid).toBe(lines.length)
  })

  it('accepts only what the intake accepts, with its row, over seeded mutations of valid events', async () => {
    const lines = mutatedLines(15, 30_000)
    const outcome = await compare(lines)
    expect(outcome.problems).toEqual([])
    expect(outcome.surelyValid).toBeGreaterThan(1000)
  })
})
