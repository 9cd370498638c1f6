// The demo tenant ends at the present of its own time zone: nothing in it occurs later (no
// conversations on a local date that has not begun, no event received before it occurred), and
// its first day is whole, from local midnight, as every day but today.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getKpis, openTestPulso, type TestPulso } from '../../tests/helpers.ts'
import { queryRows } from '../../warehouse/client.ts'
import { DEMO_TENANT, seedDemo } from './seed-demo.ts'

const READ_KEY = 'demo-read-key'

async function eventTimes(pulso: TestPulso) {
  const [row] = await queryRows<{ last_occurred: string; received_before_occurred: string }>(
    pulso.warehouse,
    `SELECT toString(max(occurred_at)) AS last_occurred, toString(countIf(received_at < occurred_at)) AS received_before_occurred
     FROM ${pulso.warehouse.database}.events WHERE tenant_id = {tenant:String}`,
    { tenant: DEMO_TENANT },
  )
  return row!
}

async function conversationsByDay(pulso: TestPulso, from: string, to: string): Promise<Record<string, number>> {
  const { status, body } = await getKpis(pulso, READ_KEY, `from=${from}&to=${to}&grain=day`)
  expect(status).toBe(200)
  return Object.fromEntries(body.rows.map((row: { period: string; conversations: number }) => [row.period, row.conversations]))
}

describe('the demo seeded on a Sunday evening in Mexico City (already Monday in UTC)', () => {
  // 20:00 on Sunday 29 November in Mexico City (UTC−06:00) is 02:00 on Monday 30 November in UTC:
  // the demo that cut its days in UTC put a whole Monday of conversations here, hours ahead.
  const now = new Date('2026-11-29T20:00:00-06:00')
  let pulso: TestPulso

  beforeAll(async () => {
    pulso = await openTestPulso({ PULSO_DEMO: '1' })
    // 8 days: 22 November (the first, whole) to 29 November (today, until 20:00).
    const seeded = await seedDemo(pulso.warehouse, pulso.intake, { days: 8, conversationsPerDay: 40, timeZone: 'America/Mexico_City', now })
    expect(seeded.rejected).toBe(0)
  })
  afterAll(async () => pulso.cleanup())

  it('has no event at or after the present', async () => {
    const { last_occurred } = await eventTimes(pulso)
    expect(Date.parse(`${last_occurred.replace(' ', 'T')}Z`)).toBeLessThan(now.getTime())
  })

  it('has conversations on every local day from the first to today, and none before or after', async () => {
    const days = await conversationsByDay(pulso, '2026-11-21', '2026-11-30')
    expect(days['2026-11-21']).toBe(0)
    for (const day of ['2026-11-22', '2026-11-23', '2026-11-24', '2026-11-25', '2026-11-26', '2026-11-27', '2026-11-28', '2026-11-29'])
      expect(days[day], day).toBeGreaterThan(0)
    expect(days['2026-11-30']).toBe(0)
  })

  it('fills the first day from its local midnight: its night conversations are there', async () => {
    // A first day cut in UTC began at 18:00 local; a whole one has its early hours (00:00–09:00).
    const [first] = await queryRows<{ started: string }>(
      pulso.warehouse,
      `SELECT toString(toTimeZone(min(occurred_at), 'America/Mexico_City')) AS started FROM ${pulso.warehouse.database}.events WHERE tenant_id = {tenant:String}`,
      { tenant: DEMO_TENANT },
    )
    expect(first!.started >= '2026-11-22 00:00:00').toBe(true)
    expect(first!.started < '2026-11-22 09:00:00').toBe(true)
  })
})

describe('the demo seeded now', () => {
  let pulso: TestPulso
  let seededBy = 0

  beforeAll(async () => {
    pulso = await openTestPulso({ PULSO_DEMO: '1' })
    await seedDemo(pulso.warehouse, pulso.intake, { days: 3, conversationsPerDay: 40, timeZone: 'America/Mexico_City' })
    seededBy = Date.now()
  })
  afterAll(async () => pulso.cleanup())

  it('has no event received before it occurred, and none later than the clock', async () => {
    const { last_occurred, received_before_occurred } = await eventTimes(pulso)
    expect(received_before_occurred).toBe('0')
    expect(Date.parse(`${last_occurred.replace(' ', 'T')}Z`)).toBeLessThan(seededBy)
  })
})
