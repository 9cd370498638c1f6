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
// their shortest form, strings with their quotes and escapes). Absent: ''. Its first character
// tells the field's JSON type. Looked up only for the fields that are not always strings.
const raw = (key: string) => `raw_fields[${lit(key)}]`
const isString = (key: string) => `startsWith(${raw(key)}, '"')`
const present = (key: string) => `mapContains(raw_fields, ${lit(key)})`

/** Fields whose value may be a string (every field the contract names but these): all are decoded by one parse of the line (`strings`). */
const NOT_STRINGS = new Set(['context', 'score', 'confidence'])
const STRING_FIELDS = [...new Set([...Object.keys(baseEventSchema.shape), ...EVENT_TYPES.flatMap((type) => Object.keys(typeFieldSchemas[type].shape))])].filter(
  (field) => !NOT_STRINGS.has(field),
)
/**
 * Fields that are always strings: a line whose such field holds another JSON type is refused at
 * once (`strings_ok`), so for the rest of the checks such a field is a string when it is not NULL.
 */
const ALWAYS_STRINGS = STRING_FIELDS.filter((field) => field !== 'amount' && field !== 'value')

/** A string field's value, escapes decoded; NULL when absent (for a field of another JSON type: its text). */
const stringValue = (key: string) => `tupleElement(strings, ${lit(key)})`

/** An always-string field of `min`–`max` bytes (a UTF-16 length is never more than the UTF-8 byte length). */
const text = (key: string, min: number, max = Number.POSITIVE_INFINITY) =>
  `(length(${stringValue(key)}) >= ${min}${Number.isFinite(max) ? ` AND length(${stringValue(key)}) <= ${max}` : ''})`
const oneOf = (key: string, values: readonly string[]) => `${stringValue(key)} IN (${values.map(lit).join(', ')})`
/** `check` holds when the always-string field `key` is there. */
const optional = (key: string, check: string) => `(${stringValue(key)} IS NULL OR ${check})`
/** `check` holds when the field `key` (of any JSON type) is there. */
const optionalAny = (key: string, check: string) => `(NOT ${present(key)} OR ${check})`

// Amounts (decimal.ts): a JSON number of at most 15 significant digits, which a double holds
// exactly, or decimal text; at most 12 digits before the point and 6 after, no sign.
const DECIMAL = '^(0|[1-9][0-9]{0,11})(\\.[0-9]{1,6})?$'
const decimal = (key: 'amount' | 'value') =>
  `(if(${isString(key)}, match(${stringValue(key)}, ${lit(DECIMAL)}), match(${raw(key)}, ${lit(DECIMAL)}) AND length(replaceOne(${raw(key)}, '.', '')) <= 15))`
const decimalValue = (key: 'amount' | 'value') => `toDecimal64OrNull(if(${isString(key)}, ${stringValue(key)}, ${raw(key)}), 6)`
const currency = `match(${stringValue('currency')}, '^[A-Z]{3}$')`

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

/**
 * The customer id to store for the customer id `id` (an SQL expression of a String): a phone
 * number's keyed hash (query parameter hash_key), any other id as it is. A bulk load computes it
 * once per distinct customer: a keyed hash costs more than checking the rest of the line.
 */
export function pseudonymSql(id: string): string {
  const digits = `replaceRegexpAll(${id}, '[^0-9]', '')`
  return `if(match(${id}, ${lit(PHONE)}) AND length(${digits}) BETWEEN 7 AND 15,
        concat('ph_', lower(substring(hex(HMAC('SHA256', ${digits}, {hash_key:String})), 1, 32))),
        ${id})`
}

const BASE_FIELDS = Object.keys(baseEventSchema.shape)
const TYPE_FIELDS = Object.fromEntries(EVENT_TYPES.map((type) => [type, Object.keys(typeFieldSchemas[type].shape)])) as Record<EventType, string[]>
/** The fields each type must have besides the common ones (event-schema.ts: not optional). */
const REQUIRED_FIELDS: Record<EventType, string[]> = {
  message: ['sender'],
  bot_fallback: ['question'],
  handoff: ['reason', 'context'],
  resolved: ['resolved_by'],
  closed: [],
  csat: ['score'],
  cost: ['amount', 'currency', 'component'],
  proactive_sent: ['template', 'category'],
  conversion: ['value', 'currency'],
}

/** An array of arrays of field names, in EVENT_TYPES order. */
const perType = (fields: (type: EventType) => string[]) => `[${EVENT_TYPES.map((type) => `[${fields(type).map(lit).join(', ')}]::Array(String)`).join(', ')}]`

/**
 * Each field's own rule (event-schema.ts), checked when the field is there. A line holds only the
 * fields its type names (checked first), so a rule needs to know the type only where two types
 * name one field differently (category).
 */
const FIELD_RULES = [
  optional('sender', oneOf('sender', ['customer', 'bot', 'agent'])),
  optional('agent_id', text('agent_id', 0, 128)),
  optional('text', text('text', 0)),
  optional('question', text('question', 0)),
  optionalAny('confidence', `match(${raw('confidence')}, '^(0(\\.[0-9]{1,15})?|1)$')`),
  optional('reason', oneOf('reason', ['customer_request', 'bot_fallback', 'policy', 'sentiment', 'other'])),
  optionalAny(
    'context',
    `(startsWith(${raw('context')}, '{') AND arraySort(JSONExtractKeys(${raw('context')})) = ['customer_profile', 'intent', 'transcript']
      AND JSONExtractRaw(${raw('context')}, 'transcript') IN ('true', 'false')
      AND JSONExtractRaw(${raw('context')}, 'customer_profile') IN ('true', 'false')
      AND (JSONExtractRaw(${raw('context')}, 'intent') = 'null' OR JSONType(${raw('context')}, 'intent') = 'String'))`,
  ),
  optional('queue', text('queue', 0, 128)),
  optional('resolved_by', oneOf('resolved_by', ['bot', 'agent'])),
  optionalAny('score', `match(${raw('score')}, '^[1-5]$')`),
  optional('comment', text('comment', 0)),
  optionalAny('amount', decimal('amount')),
  optionalAny('value', decimal('value')),
  optional('currency', currency),
  optional('component', oneOf('component', ['whatsapp', 'llm', 'agent', 'other'])),
  optional(
    'category',
    `if(${stringValue('type')} = 'cost', ${oneOf('category', ['service', 'utility', 'marketing', 'authentication'])}, ${oneOf('category', ['utility', 'marketing'])})`,
  ),
  optional('template', text('template', 1)),
  optional('campaign', text('campaign', 0, 128)),
]

/**
 * The parts of the SELECT that reads `line`: WITH-style aliases computed per line,
 * `surely_valid`, and each events column's value. Query parameters: hash_key (String),
 * text_tenants (Array(String): tenants that keep free text), only_tenant (String, '' for any),
 * received_at (String, ClickHouse's DateTime64(3) text). Run it with
 * short_circuit_function_evaluation = 'disable' (see sql-file-load.ts). `rawCustomerId` is the
 * customer id as written, for a caller that stores pseudonymSql of it itself.
 */
export function surelyValidSelect(): { aliases: string; surelyValid: string; columns: Record<EventColumn, string>; rawCustomerId: string } {
  const aliases = `
    JSONExtractKeysAndValuesRaw(line) AS line_fields,
    arrayMap(field -> field.1, line_fields) AS line_keys,
    arrayMap(field -> field.2, line_fields) AS line_values,
    mapFromArrays(line_keys, line_values) AS raw_fields,
    arrayAll((key, value) -> key NOT IN (${ALWAYS_STRINGS.map(lit).join(', ')}) OR startsWith(value, '"'), line_keys, line_values) AS strings_ok,
    JSONExtract(line, ${lit(`Tuple(${STRING_FIELDS.map((field) => `${field} Nullable(String)`).join(', ')})`)}) AS strings,
    indexOf([${EVENT_TYPES.map(lit).join(', ')}], ifNull(${stringValue('type')}, '')) AS type_number,
    ${stringValue('occurred_at')} AS stringValue_occurred_at,${TIME_PARTS},
    ifNull(${stringValue('customer_id')}, '') AS customer,
    ifNull(${stringValue('tenant_id')}, '') AS tenant`
  const base = [
    `isValidUTF8(line)`,
    // an escaped surrogate (\ud800–\udfff): validateEvent decides
    `NOT multiSearchAnyCaseInsensitive(line, [${['8', '9', 'a', 'b', 'c', 'd', 'e', 'f'].map((digit) => lit(`\\ud${digit}`)).join(', ')}])`,
    `startsWith(trimLeft(line), '{')`,
    `length(line_keys) = length(arrayDistinct(line_keys))`,
    // every field the contract types as a string is one
    `strings_ok`,
    // a type of the contract, only fields it names, and every field it requires
    `type_number > 0`,
    `hasAll(arrayElement(${perType((type) => [...BASE_FIELDS, ...TYPE_FIELDS[type]])}, type_number), line_keys)`,
    `hasAll(line_keys, arrayElement(${perType((type) => REQUIRED_FIELDS[type])}, type_number))`,
    `length(${stringValue('event_id')}) BETWEEN 1 AND 128`,
    `match(tenant, '^[a-z0-9_-]{1,64}$') AND ({only_tenant:String} = '' OR tenant = {only_tenant:String})`,
    `length(${stringValue('conversation_id')}) BETWEEN 1 AND 128`,
    `ts_ok`,
    optional('channel', text('channel', 1, 64)),
    optional('customer_id', `length(customer) <= 256 AND match(customer, '^[ -~]*$')`),
    optional('use_case', text('use_case', 0, 128)),
    optional('intent', text('intent', 0, 128)),
    optional('bot_version', text('bot_version', 0, 128)),
    ...FIELD_RULES,
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
    channel: `ifNull(${stringValue('channel')}, 'whatsapp')`,
    customer_id: `if(${stringValue('customer_id')} IS NULL, NULL, ${pseudonymSql('customer')})`,
    use_case: stringValue('use_case'),
    intent: stringValue('intent'),
    bot_version: stringValue('bot_version'),
    sender: stringValue('sender'),
    agent_id: stringValue('agent_id'),
    text: `if(${keepsText}, ${stringValue('text')}, NULL)`,
    question: stringValue('question'),
    confidence: `toFloat64OrNull(${raw('confidence')})`,
    handoff_reason: stringValue('reason'),
    context_transcript: `if(${present('context')}, JSONExtractRaw(${raw('context')}, 'transcript') = 'true', NULL)`,
    context_customer_profile: `if(${present('context')}, JSONExtractRaw(${raw('context')}, 'customer_profile') = 'true', NULL)`,
    context_intent: `if(${present('context')}, JSONExtract(${raw('context')}, 'intent', 'Nullable(String)'), NULL)`,
    queue: stringValue('queue'),
    resolved_by: stringValue('resolved_by'),
    score: `toUInt8OrNull(${raw('score')})`,
    comment: `if(${keepsText}, ${stringValue('comment')}, NULL)`,
    amount: `if(${present('amount')}, ${decimalValue('amount')}, NULL)`,
    value: `if(${present('value')}, ${decimalValue('value')}, NULL)`,
    currency: stringValue('currency'),
    component: stringValue('component'),
    category: stringValue('category'),
    template: stringValue('template'),
    campaign: stringValue('campaign'),
    source: `'file'`,
    extra: `'{}'`,
  }
  const rawCustomerId = stringValue('customer_id')
  return { aliases, surelyValid: base.map((check) => `ifNull(${check}, false)`).join('\n    AND '), columns, rawCustomerId }
}
