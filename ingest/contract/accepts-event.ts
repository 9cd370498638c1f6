// A fast yes for the event contract, for the ingest hot path (every event of every Kafka block).
// The contract itself is the zod schema in event-schema.ts, and zod explains every rejection:
// an event this check does not accept goes through zod, which names the field and the rule.
// So this check may only accept what zod accepts; accepts-event.test.ts compares the two on
// every field of every type with valid, boundary and wrong values.
import { decimalProblem } from '../../definitions/decimal.ts'
import { baseEventSchema, CURRENCY_PATTERN, TENANT_ID_PATTERN, typeFieldSchemas, type EventType } from './event-schema.ts'
import { isWellFormedText } from '../../definitions/text.ts'
import { isRfc3339Timestamp, isStorableTimestamp } from './timestamp.ts'

type Fields = Record<string, unknown>

// The allowed values of each enum come from the schema itself.
const values = (schema: { options: readonly string[] }) => new Set<string>(schema.options)
const TYPES = values(baseEventSchema.shape.type)
const SENDERS = values(typeFieldSchemas.message.shape.sender)
const HANDOFF_REASONS = values(typeFieldSchemas.handoff.shape.reason)
const RESOLVERS = values(typeFieldSchemas.resolved.shape.resolved_by)
const COST_COMPONENTS = values(typeFieldSchemas.cost.shape.component)
const COST_CATEGORIES = values(typeFieldSchemas.cost.shape.category.unwrap())
const TEMPLATE_CATEGORIES = values(typeFieldSchemas.proactive_sent.shape.category)

const isText = (value: unknown, min: number, max: number) => typeof value === 'string' && value.length >= min && value.length <= max && isWellFormedText(value)
const isOptionalText = (value: unknown, max = Infinity) => value === undefined || isText(value, 0, max)
const isNumberIn = (value: unknown, min: number, max: number) => typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max
const isOneOf = (value: unknown, allowed: Set<string>) => typeof value === 'string' && allowed.has(value)

/** A non-negative decimal that Decimal(18, 6) holds, as a JSON number or as decimal text ("12.50"). */
const isDecimal = (value: unknown) => (typeof value === 'number' || typeof value === 'string') && decimalProblem(value) === undefined

function acceptsBase(e: Fields): boolean {
  return (
    isText(e.event_id, 1, 128) &&
    typeof e.tenant_id === 'string' &&
    TENANT_ID_PATTERN.test(e.tenant_id) &&
    isText(e.conversation_id, 1, 128) &&
    typeof e.occurred_at === 'string' &&
    isRfc3339Timestamp(e.occurred_at) &&
    isStorableTimestamp(e.occurred_at) &&
    isOneOf(e.type, TYPES) &&
    (e.channel === undefined || isText(e.channel, 1, 64)) &&
    isOptionalText(e.customer_id, 256) &&
    isOptionalText(e.use_case, 128) &&
    isOptionalText(e.intent, 128) &&
    isOptionalText(e.bot_version, 128)
  )
}

function acceptsHandoffContext(context: unknown): boolean {
  if (context === null || typeof context !== 'object' || Array.isArray(context)) return false
  const c = context as Fields
  return typeof c.transcript === 'boolean' && typeof c.customer_profile === 'boolean' && (c.intent === null || isText(c.intent, 0, Infinity))
}

function acceptsTypeFields(type: EventType, e: Fields): boolean {
  switch (type) {
    case 'message':
      return isOneOf(e.sender, SENDERS) && isOptionalText(e.agent_id, 128) && isOptionalText(e.text)
    case 'bot_fallback':
      return isText(e.question, 0, Infinity) && (e.confidence === undefined || isNumberIn(e.confidence, 0, 1))
    case 'handoff':
      return isOneOf(e.reason, HANDOFF_REASONS) && acceptsHandoffContext(e.context) && isOptionalText(e.queue, 128)
    case 'resolved':
      return isOneOf(e.resolved_by, RESOLVERS)
    case 'closed':
      return true
    case 'csat':
      return Number.isSafeInteger(e.score) && isNumberIn(e.score, 1, 5) && isOptionalText(e.comment)
    case 'cost':
      return (
        isDecimal(e.amount) &&
        typeof e.currency === 'string' &&
        CURRENCY_PATTERN.test(e.currency) &&
        isOneOf(e.component, COST_COMPONENTS) &&
        (e.category === undefined || isOneOf(e.category, COST_CATEGORIES))
      )
    case 'proactive_sent':
      return isText(e.template, 1, Infinity) && isOneOf(e.category, TEMPLATE_CATEGORIES) && isOptionalText(e.campaign, 128)
    case 'conversion':
      return isDecimal(e.value) && typeof e.currency === 'string' && CURRENCY_PATTERN.test(e.currency) && isOptionalText(e.campaign, 128)
  }
}

/** True when the value is an event the contract accepts. False says nothing of why: ask zod. */
export function acceptsEvent(input: unknown): input is Fields {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return false
  const e = input as Fields
  return acceptsBase(e) && acceptsTypeFields(e.type as EventType, e)
}
