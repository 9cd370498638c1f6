// Provisional values end to end: events resolved days ago and weeks ago, relative to today's
// real date (acme's zone is UTC), and what /v1/kpis, /v1/goals and /v1/review say about fcr_rate.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { addDays, isoWeekOf, mondayOf, todayIn } from '../../domain/dates.ts'
import { event, ndjson, openTestPulso, postEvents, TEST_KEYS, type TestPulso } from '../../tests/helpers.ts'

let pulso: TestPulso
const today = todayIn('UTC')

/** A conversation on `day`: the customer asks at 10:00, the bot answers and resolves it. */
const resolvedOn = (id: string, day: string) => [
  event({ event_id: `${id}-1`, conversation_id: id, customer_id: `+52 55 0000 ${id}`, occurred_at: `${day}T10:00:00Z`, sender: 'customer' }),
  event({ event_id: `${id}-2`, conversation_id: id, occurred_at: `${day}T10:00:02Z`, sender: 'bot' }),
  event({ event_id: `${id}-3`, conversation_id: id, occurred_at: `${day}T10:01:00Z`, type: 'resolved', resolved_by: 'bot' }),
]

async function get(url: string) {
  const response = await pulso.app.request(url, { headers: { authorization: `Bearer ${TEST_KEYS.acmeRead}` } })
  expect(response.status).toBe(200)
  return response.json()
}

beforeAll(async () => {
  const config = path.join(mkdtempSync(path.join(tmpdir(), 'pulso-provisional-')), 'pulso.config.yaml')
  writeFileSync(config, stringify({ goals: { acme: [{ id: 'fcr', kpi: 'fcr_rate', target: 0.5, period: 'week' }] } }))
  pulso = await openTestPulso({ PULSO_CONFIG: config })
  const days = [30, 8, 7, 2].map((n) => addDays(today, -n))
  const response = await postEvents(pulso, TEST_KEYS.acmeIngest, ndjson(days.flatMap((day, i) => resolvedOn(`100${i}`, day))))
  expect(response.status).toBe(200)
})
afterAll(async () => pulso?.cleanup())

describe('provisional values', () => {
  it('/v1/kpis marks fcr_rate provisional for a period until 7 days after it, and nothing else', async () => {
    const body = await get(`/v1/kpis?from=${addDays(today, -30)}&to=${today}&grain=day`)
    const marks = Object.fromEntries(body.rows.map((r: { period: string; provisional: string[] }) => [r.period, r.provisional]))
    expect(marks[addDays(today, -30)]).toEqual([])
    expect(marks[addDays(today, -8)]).toEqual([])
    expect(marks[addDays(today, -7)]).toEqual(['fcr_rate'])
    expect(marks[addDays(today, -2)]).toEqual(['fcr_rate'])
    // a day without conversations is marked too: its null can still become a value
    expect(marks[today]).toEqual(['fcr_rate'])
    // the value itself is still given
    expect(body.rows.find((r: { period: string }) => r.period === addDays(today, -2)).fcr_rate).toBe(1)
    const all = await get(`/v1/kpis?from=${addDays(today, -40)}&to=${addDays(today, -20)}&grain=all`)
    expect(all.rows[0].provisional).toEqual([])
  })

  it('/v1/goals does not judge a period whose fcr_rate can still change', async () => {
    const { goals } = await get('/v1/goals')
    const fcr = goals.find((g: { id: string }) => g.id === 'fcr')
    const week = (daysAgo: number) => fcr.history.find((h: { period_start: string }) => h.period_start === mondayOf(addDays(today, -daysAgo)))
    expect(week(2).status).toBe('provisional')
    expect(week(2).value).toBe(1)
    expect(week(30).status).toBe('on_track')
  })

  it('/v1/review leaves a provisional KPI out of the week-on-week deltas', async () => {
    const recent = await get(`/v1/review?week=${isoWeekOf(addDays(today, -2))}`)
    const fcr = recent.kpi_deltas.find((d: { kpi: string }) => d.kpi === 'fcr_rate')
    expect(fcr).toMatchObject({ provisional: true, delta: null, relative: null, trend: null })
    expect(recent.kpi_deltas.find((d: { kpi: string }) => d.kpi === 'conversations').provisional).toBe(false)
    const old = await get(`/v1/review?week=${isoWeekOf(addDays(today, -30))}`)
    expect(old.kpi_deltas.find((d: { kpi: string }) => d.kpi === 'fcr_rate').provisional).toBe(false)
  })
})
