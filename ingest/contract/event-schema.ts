// Event contract v1 (DESIGN.md), as zod schemas. Validation runs in two steps so that every
// rejection names one field and one rule: the fields every event has, then the fields of its type.
import { z } from 'zod'
import { decimalProblem, toDecimalText } from '../../definitions/decimal.ts'
import { isWellFormedText, LONE_SURROGATE_REASON } from '../../definitions/text.ts'
import { isRfc3339Timestamp, isStorableTimestamp, timestampRejection } from './timestamp.ts'

export const EVENT_TYPES = ['message', 'bot_fallback', 'handoff', 'resolved', 'closed', 'csat', 'cost', 'proactive_sent', 'conversion'] as const
export type EventType = (typeof EVENT_TYPES)[number]

const timestamp = z
  .string()
  .refine(isRfc3339Timestamp, { error: (issue) => timestampRejection(issue.input), abort: true })
  .refine(isStorableTimestamp, { error: (issue) => `expected a time from 1900-01-01 to 2299-12-31 (UTC), got ${JSON.stringify(issue.input)}` })

/** A string stored in a column: well-formed Unicode (text.ts). */
const text = (schema = z.string()) => schema.refine(isWellFormedText, { error: LONE_SURROGATE_REASON })
const optionalText = (max: number) => text(z.string().max(max, `at most ${max} characters`)).optional()
const currency = z.string().regex(/^[A-Z]{3}$/, 'expected an ISO 4217 currency code such as USD')
/** An amount the Decimal(18, 6) columns hold exactly, as a JSON number or decimal text; handed on as decimal text. */
const nonNegativeDecimal = z.union([z.number(), z.string()], { error: 'expected a decimal number' }).transform((value, context) => {
  const problem = decimalProblem(value)
  if (problem === undefined) return toDecimalText(value)!
  context.issues.push({ code: 'custom', message: problem, input: value })
  return z.NEVER
})

export const baseEventSchema = z.object({
  event_id: text(z.string().min(1, 'must not be empty').max(128, 'at most 128 characters')),
  tenant_id: z.string().regex(/^[a-z0-9_-]{1,64}$/, 'expected 1–64 characters of [a-z0-9_-]'),
  conversation_id: text(z.string().min(1, 'must not be empty').max(128, 'at most 128 characters')),
  occurred_at: timestamp,
  type: z.enum(EVENT_TYPES, { error: `expected one of ${EVENT_TYPES.join(', ')}` }),
  channel: text(z.string().min(1).max(64)).optional(),
  customer_id: optionalText(256),
  use_case: optionalText(128),
  intent: optionalText(128),
  bot_version: optionalText(128),
})

export const typeFieldSchemas = {
  message: z.object({
    sender: z.enum(['customer', 'bot', 'agent'], { error: 'expected customer, bot or agent' }),
    agent_id: optionalText(128),
    text: text().optional(),
  }),
  bot_fallback: z.object({
    question: text(z.string({ error: 'expected the question text' })),
    confidence: z.number().min(0).max(1).optional(),
  }),
  handoff: z.object({
    reason: z.enum(['customer_request', 'bot_fallback', 'policy', 'sentiment', 'other'], {
      error: 'expected customer_request, bot_fallback, policy, sentiment or other',
    }),
    context: z.object(
      {
        transcript: z.boolean({ error: 'expected true or false' }),
        customer_profile: z.boolean({ error: 'expected true or false' }),
        intent: text().nullable(),
      },
      { error: 'expected an object { transcript, customer_profile, intent }' },
    ),
    queue: optionalText(128),
  }),
  resolved: z.object({ resolved_by: z.enum(['bot', 'agent'], { error: 'expected bot or agent' }) }),
  closed: z.object({}),
  csat: z.object({
    score: z.number({ error: 'expected an integer 1–5' }).int('expected an integer 1–5').min(1, 'expected an integer 1–5').max(5, 'expected an integer 1–5'),
    comment: text().optional(),
  }),
  cost: z.object({
    amount: nonNegativeDecimal,
    currency,
    component: z.enum(['whatsapp', 'llm', 'agent', 'other'], { error: 'expected whatsapp, llm, agent or other' }),
    category: z.enum(['service', 'utility', 'marketing', 'authentication']).optional(),
  }),
  proactive_sent: z.object({
    template: text(z.string().min(1, 'must not be empty')),
    category: z.enum(['utility', 'marketing'], { error: 'expected utility or marketing' }),
    campaign: optionalText(128),
  }),
  conversion: z.object({ value: nonNegativeDecimal, currency, campaign: optionalText(128) }),
} satisfies Record<EventType, z.ZodObject>

export type BaseEvent = z.infer<typeof baseEventSchema>
export type TypeFields<T extends EventType> = z.infer<(typeof typeFieldSchemas)[T]>
/** A valid v1 event: the common fields plus the fields of its type. */
export type PulsoEvent = { [T in EventType]: BaseEvent & { type: T } & TypeFields<T> }[EventType]
