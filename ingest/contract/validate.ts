// Turns an unknown JSON value into a valid v1 event, or a reason that names the field and the rule.
import type { z } from 'zod'
import { baseEventSchema, typeFieldSchemas, type PulsoEvent } from './event-schema.ts'

export type Validation =
  | { ok: true; event: PulsoEvent; extra: Record<string, unknown> }
  | { ok: false; reason: string; eventId?: string; tenantId?: string }

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

  // Fields the contract does not name are kept raw rather than rejected.
  const extra: Record<string, unknown> = {}
  const typeFields = TYPE_FIELDS[base.data.type]
  for (const key in input) {
    if (!BASE_FIELDS.has(key) && !typeFields.has(key)) extra[key] = (input as Record<string, unknown>)[key]
  }
  // Both parses return fresh objects, so the base one can take the type's fields in place.
  return { ok: true, event: Object.assign(base.data, own.data) as PulsoEvent, extra }
}
