// The README's API examples say what the API does: each is sent as written, and the answer
// checked against what the README shows.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ndjson, openTestPulso, postEvents, type TestPulso } from '../tests/helpers.ts'

const README = readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'README.md'), 'utf8')

let pulso: TestPulso

beforeAll(async () => {
  pulso = await openTestPulso({ PULSO_DEMO: '1' })
  // one FAQ conversation on Sunday 1 November 2026, the first day of the README's /v1/kpis example
  const stored = await postEvents(
    pulso,
    'demo-ingest-key',
    ndjson([
      {
        event_id: 'e1',
        tenant_id: 'demo',
        conversation_id: 'c1',
        occurred_at: '2026-11-01T10:00:00-06:00',
        type: 'message',
        sender: 'customer',
        use_case: 'faq',
      },
    ]),
  )
  expect(stored.body.accepted).toBe(1)
})
afterAll(async () => pulso?.cleanup())

const get = (url: string) => pulso.app.request(url, { headers: { authorization: 'Bearer demo-read-key' } })

describe('the README', () => {
  it("shows /v1/kpis's first weekly period as the API gives it: the Monday of the week", async () => {
    const example = /curl -s '(localhost:8080\/v1\/kpis\?[^']*grain=week[^']*)'[\s\S]*?"rows":\[\{"period":"(\d{4}-\d{2}-\d{2})"/.exec(README)
    expect(example, 'the README has a weekly /v1/kpis example').not.toBeNull()
    const [, url, period] = example!
    const answer = (await (await get(url!.replace('localhost:8080', ''))).json()) as { rows: { period: string }[] }
    expect(answer.rows[0]!.period).toBe(period)
    // 1 November 2026 is a Sunday: its week began on Monday 26 October
    expect(period).toBe('2026-10-26')
  })

  it('names only formats of /v1/review that the API accepts', async () => {
    const listed = /`GET \/v1\/review\?week=YYYY-Www\[&format=([^\]]+)\]`/.exec(README)
    expect(listed, 'the README lists the review formats').not.toBeNull()
    const formats = listed![1]!.split('\\|')
    expect(formats.length).toBeGreaterThan(1)
    for (const format of formats) expect((await get(`/v1/review?week=2026-W45&format=${format}`)).status, format).toBe(200)
  })
})
