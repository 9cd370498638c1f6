// The after-the-handoff sections of Pulso's configuration, per tenant: how agents are shown
// (`agents`: optional display names; without one an agent is shown by the pseudonymous id its
// producer sent) and the SLA policies per queue (`sla`: first agent reply and resolution targets,
// counted in business hours of the tenant's time zone). Parsed once, by loadConfig.
import { z } from 'zod'

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const
export type Weekday = (typeof WEEKDAYS)[number]

/** Open hours on the listed weekdays, local times 'HH:MM' (`to` may be '24:00'); null: always open (24/7). */
export type BusinessHours = { days: Weekday[]; from: string; to: string } | null

/** One SLA policy: its queue (null: every queue without a policy of its own), targets in minutes (null: none). */
export type SlaPolicy = { queue: string | null; firstReplyMinutes: number | null; resolutionMinutes: number | null; businessHours: BusinessHours }

export type AfterHandoffConfig = {
  /** Display names per tenant and agent id. */
  agentNames: Map<string, Map<string, string>>
  /** SLA policies per tenant. */
  sla: Map<string, SlaPolicy[]>
}

const clockTime = z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, "expected a local time 'HH:MM' from 00:00 to 24:00")

const businessHoursSchema = z
  .object({
    days: z.array(z.enum(WEEKDAYS, { error: `expected one of ${WEEKDAYS.join(', ')}` })).min(1, 'name at least one weekday'),
    from: clockTime,
    to: clockTime,
  })
  .refine((hours) => hours.from < hours.to, { message: '`from` must be before `to` (hours that cross midnight: two days)', path: ['to'] })

const minutes = z.number({ error: 'expected a number of minutes' }).positive('must be more than 0')

const slaPolicySchema = z
  .object({
    queue: z.string().min(1, 'must not be empty').optional(),
    first_reply_minutes: minutes.optional(),
    resolution_minutes: minutes.optional(),
    /** This policy's own hours; default: the tenant's `business_hours`. */
    business_hours: businessHoursSchema.nullable().optional(),
  })
  .refine((policy) => policy.first_reply_minutes !== undefined || policy.resolution_minutes !== undefined, {
    message: 'a policy needs first_reply_minutes, resolution_minutes or both',
  })

const tenantSlaSchema = z.object({
  /** Omitted or null: the clock always runs (24/7). */
  business_hours: businessHoursSchema.nullable().default(null),
  policies: z.array(slaPolicySchema).min(1, 'list at least one policy'),
})

const afterHandoffFileSchema = z.object({
  agents: z.record(z.string(), z.record(z.string(), z.string().min(1, 'must not be empty').max(200))).default({}),
  sla: z.record(z.string(), tenantSlaSchema).default({}),
})

/**
 * The demo tenant's, when the demo is on and the file sets none: open Monday to Saturday 08:00–20:00
 * in its time zone; payments (queue pagos) answered within 5 minutes and resolved within 4 hours,
 * the rest within 10 minutes and 8 hours. One agent has a display name; the others show their ids.
 */
export const DEMO_AFTER_HANDOFF = {
  agents: { ag_ana: 'Ana G.' },
  sla: {
    business_hours: { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat'], from: '08:00', to: '20:00' },
    policies: [
      { queue: 'pagos', first_reply_minutes: 5, resolution_minutes: 240 },
      { first_reply_minutes: 10, resolution_minutes: 480 },
    ],
  },
}

/** The `agents` and `sla` sections of the config file, or the first problem, naming where it is. */
export function loadAfterHandoffConfig(file: Record<string, unknown>, fail: (message: string) => never, demo = false): AfterHandoffConfig {
  const parsed = afterHandoffFileSchema.safeParse(file)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    return fail(`${issue.path.join('.')}: ${issue.message}`)
  }
  if (demo) {
    parsed.data.agents.demo ??= DEMO_AFTER_HANDOFF.agents
    parsed.data.sla.demo ??= tenantSlaSchema.parse(DEMO_AFTER_HANDOFF.sla)
  }
  const sla = new Map<string, SlaPolicy[]>()
  for (const [tenant, settings] of Object.entries(parsed.data.sla)) {
    const queues = settings.policies.map((p) => p.queue ?? null)
    const repeated = queues.find((queue, i) => queues.indexOf(queue) !== i)
    if (repeated !== undefined) fail(`sla.${tenant}.policies: two policies for ${repeated === null ? 'every other queue (no queue)' : `queue '${repeated}'`}`)
    sla.set(
      tenant,
      settings.policies.map((policy) => ({
        queue: policy.queue ?? null,
        firstReplyMinutes: policy.first_reply_minutes ?? null,
        resolutionMinutes: policy.resolution_minutes ?? null,
        businessHours: policy.business_hours === undefined ? settings.business_hours : policy.business_hours,
      })),
    )
  }
  return {
    agentNames: new Map(Object.entries(parsed.data.agents).map(([tenant, names]) => [tenant, new Map(Object.entries(names))])),
    sla,
  }
}

/** The policy that applies to a conversation of `queue`: the queue's own, else the policy without a queue, else none. */
export function slaPolicyFor(policies: SlaPolicy[], queue: string | null): SlaPolicy | null {
  return policies.find((p) => p.queue !== null && p.queue === queue) ?? policies.find((p) => p.queue === null) ?? null
}
