// Turns an unknown JSON value into a valid v1 event, or a reason that names the field and the rule.
import type { z } from 'zod'
import { baseEventSchema, type PulsoEvent, typeFieldSchemas } from './event-schema.ts'
import { MAX_EXTRA_DEPTH, nestsDeeperThan } from './nesting.ts'

export type Validation = { ok: true; event: PulsoEvent; extra: Record<string, unknown> } | { ok: false; reason: string; eventId?: string; tenantId?: string }

const BASE_FIELDS = new Set(Object.keys(baseEventSchema.shape))
// The fields each type names, computed once: validation runs for every event of every block.
const TYPE_FIELDS = Object.fromEntries(Object.entries(typeFieldSchemas).map(([type, schema]) => [type, new Set(Object.keys(schema.shape))])) as Record<
  keyof typeof typeFieldSchemas,
  Set<string>
>

/** The value at `path` inside `input` (zod 4 issues do not carry the input). */
function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let value = input
  for (const key of path) value = value && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined
  return value
}

function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  const field = issue.path.map(String).join('.')
  if (issue.code === 'invalid_type' && valueAt(input, issue.path) === undefined) return `\`${field}\`: is required`
  return `\`${field}\`: ${issue.message}`
}

function stringField(value: unknown, name: string): string | undefined {
  if (value && typeof value === 'object' && typeof (value as Record<string, unknown>)[name] === 'string') {
    return (value as Record<string, string>)[name]
  }
  return undefined
}

/** Fields the contract does not name, kept raw rather than rejected; one shared empty object when none. */
const NO_EXTRA: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>

/**
 * The fields of `input` the contract does not name. They are collected in an object without a
 * prototype, so a field named `__proto__` (an ordinary key to JSON.parse) is kept like any other
 * instead of being swallowed as the object's prototype; Pulso only ever stores this object as
 * JSON text.
 */
function extraFields(input: Record<string, unknown>, type: keyof typeof typeFieldSchemas): Record<string, unknown> {
  let extra: Record<string, unknown> | undefined
  const typeFields = TYPE_FIELDS[type]
  for (const key in input) {
    if (!BASE_FIELDS.has(key) && !typeFields.has(key)) (extra ??= Object.create(null) as Record<string, unknown>)[key] = input[key]
  }
  return extra ?? NO_EXTRA
}

/** Why an extra field cannot be stored as JSON, or undefined when all can. */
function extraProblem(extra: Record<string, unknown>): string | undefined {
  for (const key in extra) {
    if (nestsDeeperThan(extra[key], MAX_EXTRA_DEPTH)) {
      return `\`${key}\`: nested more than ${MAX_EXTRA_DEPTH} levels deep; fields the contract does not name are kept as JSON up to ${MAX_EXTRA_DEPTH} levels`
    }
  }
  return undefined
}

export function validateEvent(input: unknown): Validation {
  const eventId = stringField(input, 'event_id')
  const tenantId = stringField(input, 'tenant_id')
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return { ok: false, reason: `event: expected a JSON object, got ${Array.isArray(input) ? 'an array' : JSON.stringify(input)}` }
  }
  const base = baseEventSchema.safeParse(input)
  if (!base.success) return { ok: false, reason: describeIssue(base.error.issues[0]!, input), eventId, tenantId }

  const typeSchema = typeFieldSchemas[base.data.type]
  const own = typeSchema.safeParse(input)
  if (!own.success) return { ok: false, reason: describeIssue(own.error.issues[0]!, input), eventId, tenantId }

  const extra = extraFields(input as Record<string, unknown>, base.data.type)
  const problem = extraProblem(extra)
  if (problem !== undefined) return { ok: false, reason: problem, eventId, tenantId }
  // Both parses return fresh objects, so the base one can take the type's fields in place.
  return { ok: true, event: Object.assign(base.data, own.data) as PulsoEvent, extra }
}
