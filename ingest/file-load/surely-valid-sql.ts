// The event contract as ClickHouse SQL over one line of NDJSON, for bulk loads: ClickHouse parses
// and checks a file's lines itself (many times faster than JSON.parse and zod in Node), and only
// the lines it cannot vouch for go through the contract's own code (validate.ts).
//
// The SQL is a one-sided check: `surely_valid` holds only for a line that validateEvent accepts
// and whose row it maps exactly as eventToRow does. It refuses more than the contract does
// wherever that keeps it simple: fields the contract does not name (kept as `extra`), a repeated
// key, escaped surrogates, customer ids outside printable ASCII, timestamps in any form but
// `YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)` of years 1901–2298, numbers beyond 15 significant digits,
// lengths counted in bytes (never fewer than the UTF-16 units zod counts). A line it refuses is
// not rejected: it goes to validateEvent, which accepts it or names its problem. So no valid event
// is lost, and every rejection reads exactly as the intake's. surely-valid-sql.test.ts holds the
// two to that: what the SQL accepts, Node accepts, and both give the same row.

import type { EVENT_COLUMNS } from '../../warehouse/event-columns.ts'
import { sqlString } from '../../warehouse/sql-literals.ts'
import { baseEventSchema, EVENT_TYPES, type EventType, typeFieldSchemas } from '../contract/event-schema.ts'

type EventColumn = (typeof EVENT_COLUMNS)[number]

/** A string literal of a JavaScript string, with RE2's backslashes kept. */
const lit = sqlString

// Each of a line's fields as ClickHouse gives it back: its JSON text (numbers written again in
// their shortest form, strings with their quotes and escapes). Absent: ''.
const raw = (key: string) => `raw_fields[${lit(key)}]`
const isString = (key: string) => `startsWith(${raw(key)}, '"')`
/** A string field's value: without escapes, the text between the quotes (no second parse). */
const stringValue = (key: string) => `if(position(${raw(key)}, '\\\\') = 0, substring(${raw(key)}, 2, length(${raw(key)}) - 2), JSONExtractString(${raw(key)}))`
const present = (key: string) => `mapContains(raw_fields, ${lit(key)})`

/** A string of `min`–`max` bytes (a UTF-16 length is never more than the UTF-8 byte length). */
const text = (key: string, min: number, max = Number.POSITIVE_INFINITY) =>
  `(${isString(key)} AND length(${stringValue(key)}) >= ${min}${Number.isFinite(max) ? ` AND length(${stringValue(key)}) <= ${max}` : ''})`
const oneOf = (key: string, values: readonly string[]) => `${raw(key)} IN (${values.map((v) => lit(JSON.stringify(v))).join(', ')})`
const optional = (key: string, check: string) => `(NOT ${present(key)} OR ${check})`

// Amounts (decimal.ts): a JSON number of at most 15 significant digits, which a double holds
// exactly, or decimal text; at most 12 digits before the point and 6 after, no sign.
const DECIMAL = '^(0|[1-9][0-9]{0,11})(\\.[0-9]{1,6})?$'
const decimal = (key: string) =>
  `(if(${isString(key)}, match(${stringValue(key)}, ${lit(DECIMAL)}), match(${raw(key)}, ${lit(DECIMAL)}) AND length(replaceOne(${raw(key)}, '.', '')) <= 15))`
const decimalValue = (key: string) => `toDecimal64OrNull(if(${isString(key)}, ${stringValue(key)}, ${raw(key)}), 6)`
const currency = (key: string) => `(${isString(key)} AND match(${stringValue(key)}, '^[A-Z]{3}$'))`

// Timestamps (timestamp.ts), in one form only; years 1901–2298 so that any offset stays within
// what DateTime64(3, 'UTC') stores.
const TIMESTAMP = '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,3})?(Z|[+-][0-9]{2}:[0-9]{2})$'
const TIME_PARTS = `
    stringValue_occurred_at AS ts,
    toUInt16OrZero(substring(ts, 1, 4)) AS ts_year,
    toUInt8OrZero(substring(ts, 6, 2)) AS ts_month,
    toUInt8OrZero(substring(ts, 9, 2)) AS ts_day,
    toUInt8OrZero(substring(ts, 12, 2)) AS ts_hour,
    toUInt8OrZero(substring(ts, 15, 2)) AS ts_minute,
    toUInt8OrZero(substring(ts, 18, 2)) AS ts_second,
    endsWith(ts, 'Z') AS ts_utc,
    if(ts_utc, 0, toUInt8OrZero(substring(ts, length(ts) - 4, 2)) * 60 + toUInt8OrZero(substring(ts, length(ts) - 1, 2))) AS ts_offset_abs,
    if(substring(ts, length(ts) - 5, 1) = '-', -1, 1) * toInt16(ts_offset_abs) AS ts_offset_minutes,
    -- the fraction's digits, as milliseconds ('.2' is 200)
    toUInt16OrZero(rightPad(substring(ts, 21, length(ts) - 20 - if(ts_utc, 1, 6)), 3, '0')) AS ts_millis,
    -- counted here: toLastDayOfMonth answers a Date (1970 to 2149), whatever the year it is given
    arrayElement([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], ts_month)
        + (ts_month = 2 AND ts_year % 4 = 0 AND (ts_year % 100 != 0 OR ts_year % 400 = 0)) AS ts_days_in_month,
    match(ts, ${lit(TIMESTAMP)}) AND ts_year BETWEEN 1901 AND 2298 AND ts_month BETWEEN 1 AND 12
        AND ts_day BETWEEN 1 AND ts_days_in_month
        AND ts_hour <= 23 AND ts_minute <= 59 AND ts_second <= 59
        AND (ts_utc OR (toUInt8OrZero(substring(ts, length(ts) - 4, 2)) <= 23 AND toUInt8OrZero(substring(ts, length(ts) - 1, 2)) <= 59)) AS ts_ok,
    fromUnixTimestamp64Milli(toUnixTimestamp64Milli(makeDateTime64(ts_year, ts_month, ts_day, ts_hour, ts_minute, ts_second, ts_millis, 3, 'UTC'))
        - 60000 * ts_offset_minutes, 'UTC') AS ts_utc_time`

// Customer ids (pseudonymize.ts): printable ASCII only, where JavaScript's \s is the space alone;
// a phone number (7–15 digits) is stored as its keyed hash.
const PHONE = '^\\+?[0-9 ().-]+$'
const customerValue = `if(match(customer, ${lit(PHONE)}) AND length(customer_digits) BETWEEN 7 AND 15,
        concat('ph_', lower(substring(hex(HMAC('SHA256', customer_digits, {hash_key:String})), 1, 32))),
        customer)`

const BASE_FIELDS = Object.keys(baseEventSchema.shape)
const TYPE_FIELDS = Object.fromEntries(EVENT_TYPES.map((type) => [type, Object.keys(typeFieldSchemas[type].shape)])) as Record<EventType, string[]>

/** The rule each type's own fields must meet (event-schema.ts). */
const TYPE_RULES: Record<EventType, string[]> = {
  message: [oneOf('sender', ['customer', 'bot', 'agent']), optional('agent_id', text('agent_id', 0, 128)), optional('text', text('text', 0))],
  bot_fallback: [text('question', 0), optional('confidence', `(match(${raw('confidence')}, '^(0(\\.[0-9]{1,15})?|1)$'))`)],
  handoff: [
    oneOf('reason', ['customer_request', 'bot_fallback', 'policy', 'sentiment', 'other']),
    `(startsWith(${raw('context')}, '{') AND arraySort(JSONExtractKeys(${raw('context')})) = ['customer_profile', 'intent', 'transcript']
      AND JSONExtractRaw(${raw('context')}, 'transcript') IN ('true', 'false')
      AND JSONExtractRaw(${raw('context')}, 'customer_profile') IN ('true', 'false')
      AND (JSONExtractRaw(${raw('context')}, 'intent') = 'null' OR JSONType(${raw('context')}, 'intent') = 'String'))`,
    optional('queue', text('queue', 0, 128)),
  ],
  resolved: [oneOf('resolved_by', ['bot', 'agent'])],
  closed: [],
  csat: [`match(${raw('score')}, '^[1-5]$')`, optional('comment', text('comment', 0))],
  cost: [
    decimal('amount'),
    currency('currency'),
    oneOf('component', ['whatsapp', 'llm', 'agent', 'other']),
    optional('category', oneOf('category', ['service', 'utility', 'marketing', 'authentication'])),
  ],
  proactive_sent: [text('template', 1), oneOf('category', ['utility', 'marketing']), optional('campaign', text('campaign', 0, 128))],
  conversion: [decimal('value'), currency('currency'), optional('campaign', text('campaign', 0, 128))],
}

/** Per type: only fields the contract names for it, and every rule of its own fields. */
const typeChecks = EVENT_TYPES.map((type) => {
  const allowed = [...BASE_FIELDS, ...TYPE_FIELDS[type]]
  const checks = [`hasAll([${allowed.map(lit).join(', ')}], line_keys)`, ...TYPE_RULES[type]]
  return `${raw('type')} = ${lit(JSON.stringify(type))}, ${checks.join('\n        AND ')}`
})

/** An optional field's value, NULL when absent. */
const optionalText = (key: string) => `if(${present(key)}, ${stringValue(key)}, NULL)`

/**
 * The parts of the SELECT that reads `line` (with `line_index`): WITH-style aliases computed per
 * line, `surely_valid`, and each events column's value. Query parameters: hash_key (String),
 * text_tenants (Array(String): tenants that keep free text), only_tenant (String, '' for any),
 * received_at (String, ClickHouse's DateTime64(3) text).
 */
export function surelyValidSelect(): { aliases: string; surelyValid: string; columns: Record<EventColumn, string> } {
  const aliases = `
    JSONExtractKeysAndValuesRaw(line) AS line_fields,
    arrayMap(field -> field.1, line_fields) AS line_keys,
    mapFromArrays(line_keys, arrayMap(field -> field.2, line_fields)) AS raw_fields,
    ${stringValue('occurred_at')} AS stringValue_occurred_at,${TIME_PARTS},
    ${stringValue('customer_id')} AS customer,
    replaceRegexpAll(customer, '[^0-9]', '') AS customer_digits,
    ${stringValue('tenant_id')} AS tenant`
  const base = [
    `isValidUTF8(line)`,
    `NOT match(line, '\\\\\\\\u[dD][89a-fA-F]')`, // an escaped surrogate: validateEvent decides
    `startsWith(trimLeft(line), '{')`,
    `length(line_keys) = length(arrayDistinct(line_keys))`,
    `${isString('event_id')} AND length(${stringValue('event_id')}) BETWEEN 1 AND 128`,
    `${isString('tenant_id')} AND match(tenant, '^[a-z0-9_-]{1,64}$') AND ({only_tenant:String} = '' OR tenant = {only_tenant:String})`,
    `${isString('conversation_id')} AND length(${stringValue('conversation_id')}) BETWEEN 1 AND 128`,
    `${isString('occurred_at')} AND ts_ok`,
    optional('channel', text('channel', 1, 64)),
    optional('customer_id', `${isString('customer_id')} AND length(customer) <= 256 AND match(customer, '^[ -~]*$')`),
    optional('use_case', text('use_case', 0, 128)),
    optional('intent', text('intent', 0, 128)),
    optional('bot_version', text('bot_version', 0, 128)),
    `multiIf(\n        ${typeChecks.join(',\n        ')},\n        false)`,
  ]
  const keepsText = `has({text_tenants:Array(String)}, tenant)`
  const columns: Record<EventColumn, string> = {
    tenant_id: 'tenant',
    event_id: stringValue('event_id'),
    conversation_id: stringValue('conversation_id'),
    type: stringValue('type'),
    occurred_at: 'ts_utc_time',
    occurred_offset_minutes: 'ts_offset_minutes',
    received_at: `toDateTime64({received_at:String}, 3, 'UTC')`,
    channel: `if(${present('channel')}, ${stringValue('channel')}, 'whatsapp')`,
    customer_id: `if(${present('customer_id')}, ${customerValue}, NULL)`,
    use_case: optionalText('use_case'),
    intent: optionalText('intent'),
    bot_version: optionalText('bot_version'),
    sender: `if(${present('sender')}, ${stringValue('sender')}, NULL)`,
    agent_id: optionalText('agent_id'),
    text: `if(${present('text')} AND ${keepsText}, ${stringValue('text')}, NULL)`,
    question: `if(${present('question')}, ${stringValue('question')}, NULL)`,
    confidence: `if(${present('confidence')}, toFloat64OrNull(${raw('confidence')}), NULL)`,
    handoff_reason: `if(${raw('type')} = '"handoff"', ${stringValue('reason')}, NULL)`,
    context_transcript: `if(${present('context')}, JSONExtractRaw(${raw('context')}, 'transcript') = 'true', NULL)`,
    context_customer_profile: `if(${present('context')}, JSONExtractRaw(${raw('context')}, 'customer_profile') = 'true', NULL)`,
    context_intent: `if(${present('context')}, JSONExtract(${raw('context')}, 'intent', 'Nullable(String)'), NULL)`,
    queue: optionalText('queue'),
    resolved_by: `if(${present('resolved_by')}, ${stringValue('resolved_by')}, NULL)`,
    score: `if(${present('score')}, toUInt8OrNull(${raw('score')}), NULL)`,
    comment: `if(${present('comment')} AND ${keepsText}, ${stringValue('comment')}, NULL)`,
    amount: `if(${present('amount')}, ${decimalValue('amount')}, NULL)`,
    value: `if(${present('value')}, ${decimalValue('value')}, NULL)`,
    currency: `if(${present('currency')}, ${stringValue('currency')}, NULL)`,
    component: `if(${present('component')}, ${stringValue('component')}, NULL)`,
    category: `if(${present('category')}, ${stringValue('category')}, NULL)`,
    template: `if(${present('template')}, ${stringValue('template')}, NULL)`,
    campaign: optionalText('campaign'),
    source: `'file'`,
    extra: `'{}'`,
  }
  return { aliases, surelyValid: base.map((check) => `(${check})`).join('\n    AND '), columns }
}
