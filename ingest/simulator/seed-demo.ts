// Fills the demo tenant once: a second start on the same data folder finds its events and skips.

import type { Warehouse } from '../../warehouse/client.ts'
import { countEvents } from '../../warehouse/repositories/events.ts'
import type { Intake } from '../intake.ts'
import { localDateOf } from './local-time.ts'
import { simulate } from './simulator.ts'

export const DEMO_TENANT = 'demo'

export type SeedResult = { seeded: boolean; accepted: number; duplicates: number; rejected: number }

export async function seedDemo(
  warehouse: Warehouse,
  intake: Intake,
  options: {
    days?: number
    conversationsPerDay?: number
    /** The demo tenant's time zone (its configured one): its days are filled whole, today up to `now`. */
    timeZone?: string
    /** The present (default: the clock): the demo ends here, so nothing in it occurs later or is received before it occurred. */
    now?: Date
    onProgress?: (done: number, total: number) => void
  } = {},
): Promise<SeedResult> {
  if ((await countEvents(warehouse, DEMO_TENANT)) > 0) return { seeded: false, accepted: 0, duplicates: 0, rejected: 0 }
  const now = options.now ?? new Date()
  const timeZone = options.timeZone ?? 'America/Mexico_City'
  const events = simulate({
    tenantId: DEMO_TENANT,
    // The days before today are whole; today holds what occurred until now.
    endDate: new Date(`${localDateOf(now.getTime(), timeZone)}T00:00:00Z`),
    now,
    timeZone,
    days: options.days ?? 60,
    conversationsPerDay: options.conversationsPerDay ?? 120,
  })
  const result: SeedResult = { seeded: true, accepted: 0, duplicates: 0, rejected: 0 }
  const batchSize = 10_000
  for (let i = 0; i < events.length; i += batchSize) {
    const batch = events.slice(i, i + batchSize).map((value) => ({ raw: JSON.stringify(value), value }))
    const r = await intake.ingest(batch, { source: 'demo', tenantId: DEMO_TENANT })
    result.accepted += r.accepted
    result.duplicates += r.duplicates
    result.rejected += r.rejected.length
    options.onProgress?.(Math.min(i + batchSize, events.length), events.length)
  }
  return result
}
