// The dashboard in real Chromium against a real Pulso server on the (smaller) demo tenant:
// pages load, the numbers on the page equal the API's, period and language switches work.
// Screenshots go to test-artifacts/ (and to docs/screenshots/ with PULSO_UPDATE_SCREENSHOTS=1).
import { readFileSync } from 'node:fs'
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { demoDashboardForThisFile } from './demo-for-this-file.ts'
import { count, last30Days, money, percent, percentagePoints, poll, score, shift, today } from './expectations.ts'
import { FULL_DEMO, READ_KEY, SMALL_DEMO, screenshot, signIn, UPDATE_DOC_SCREENSHOTS } from './harness.ts'
import { measureLayout } from './layout.ts'

const OVERVIEW = ['frt_p50_s', 'bot_resolution_rate', 'escalation_rate', 'handoff_wait_p50_s', 'csat_score', 'cost_per_conversation', 'fcr_rate']

// a small demo keeps the test fast; the README screenshots use the full default demo
const demo = demoDashboardForThisFile(UPDATE_DOC_SCREENSHOTS ? FULL_DEMO : SMALL_DEMO)

/** The tenant-wide KPIs of a period, as the API computes them. */
async function kpisAll(from: string, to: string) {
  return (await demo.api(`/v1/kpis?from=${from}&to=${to}&grain=all`)).rows[0] as Record<string, number>
}

/**
 * Waits until the tile shows this API value (after a period switch the old one lingers briefly).
 * Equal to 12 significant digits: a sum of floats differs in its last bits with the order
 * ClickHouse's threads add in, from one query to the next.
 */
async function waitForTileValue(page: Page, kpi: string, value: number | null) {
  await page.waitForFunction(
    ([k, v]) => {
      const shown = document.querySelector(`article.tile[data-kpi=${k}]`)?.getAttribute('data-value')
      return shown === undefined || shown === null ? false : v === '' ? shown === '' : shown !== '' && Number(Number(shown).toPrecision(12)) === Number(v)
    },
    [kpi, value === null ? '' : String(Number(value.toPrecision(12)))] as const,
    { timeout: 15_000 },
  )
}
const tileText = (page: Page, kpi: string) => page.locator(`article.tile[data-kpi=${kpi}] [data-testid=kpi-value]`).innerText()

describe('sign-in', () => {
  it('refuses an unknown key and keeps a good one for the session', async () => {
    const { page, errors } = await demo.newPage()
    await page.goto(demo.server.url)
    await page.locator('[data-testid=sign-in-switch]').click()
    await page.fill('#api-key', 'not-a-key-at-all')
    await page.locator('form.sign-in button[type=submit]').click()
    await poll(() => page.locator('form.sign-in [role=alert]').innerText()).toMatch(/unknown API key/)
    await signIn(page, demo.server.url)
    expect(await page.getByTestId('tenant-info').innerText()).toBe('Demo Retail · time zone America/Mexico_City · MXN')
    expect(await page.evaluate(() => sessionStorage.getItem('pulso.readKey'))).toBe(READ_KEY)
    // a reload in the same session stays signed in
    await page.reload()
    await page.locator('article.tile').first().waitFor()
    expect(errors).toEqual([])
    await page.close()
  })
})

describe('overview', () => {
  it('shows every KPI tile with the API value of the last 30 days, formatted in en', async () => {
    const { page, errors } = await demo.signedInPage()
    const { from, to } = last30Days()
    const current = await kpisAll(from, to)
    const previous = (await demo.api(`/v1/kpis?from=${shift(from, -30)}&to=${shift(from, -1)}&grain=all`)).rows[0]
    for (const kpi of OVERVIEW) {
      await waitForTileValue(page, kpi, current[kpi] ?? null)
    }
    expect(await tileText(page, 'escalation_rate')).toBe(percent('en', current.escalation_rate!))
    expect(await tileText(page, 'bot_resolution_rate')).toBe(percent('en', current.bot_resolution_rate!))
    // the last 30 days end today: FCR can still change (customers have 7 days to come back), so
    // the tile marks it, says why and does not compare it
    expect(current.provisional).toEqual(['fcr_rate'])
    expect(await tileText(page, 'fcr_rate')).toBe(`${percent('en', current.fcr_rate!)}*`)
    expect(await page.locator('article.tile[data-kpi=fcr_rate] [data-testid=kpi-provisional]').innerText()).toContain('Provisional')
    expect(await page.locator('article.tile[data-kpi=fcr_rate] [data-testid=kpi-delta]').innerText()).toBe('not compared while provisional')
    expect(await tileText(page, 'cost_per_conversation')).toBe(money('en', current.cost_per_conversation!))
    expect(await tileText(page, 'csat_score')).toBe(score('en', current.csat_score!))
    expect(await page.getByTestId('overview-summary').innerText()).toContain(`${count('en', current.conversations!)} conversations`)
    // the change vs the 30 days before, in percentage points: (current − previous) × 100;
    // the small test demo has no data that far back (the API answers that period with 0
    // conversations and null KPIs), and the tile says so
    const delta = page.locator('article.tile[data-kpi=escalation_rate] [data-testid=kpi-delta]')
    if (previous && previous.escalation_rate !== null) {
      const pp = percentagePoints('en', current.escalation_rate!, previous.escalation_rate)
      await poll(() => delta.innerText()).toContain(`vs previous period: ${pp} pp`)
    } else {
      await poll(() => delta.innerText()).toBe('no previous period data')
    }
    // each tile with a tenant-wide goal shows the status the goals API evaluated
    const overall = (await demo.api<{ goals: { kpi: string; segment: unknown; status: string }[] }>('/v1/goals')).goals.filter((g) => !g.segment)
    expect(overall.length).toBeGreaterThan(0)
    for (const goal of overall.filter((g) => OVERVIEW.includes(g.kpi))) {
      const badge = () => page.locator(`article.tile[data-kpi=${goal.kpi}] [data-status]`).getAttribute('data-status')
      // a goal whose own period has no data yet (early on a Monday for a weekly goal) is judged
      // on the page's value instead, and the badge says "Goal met" or "Goal missed"
      if (goal.status === 'no_data') await poll(badge, { timeout: 15_000 }).toMatch(/^(met|missed)$/)
      else await poll(badge, { timeout: 15_000 }).toBe(goal.status)
    }
    // goals first: every goal off track or at risk in its current period, segmented ones included,
    // is listed above the tiles with its value (which goals depends on the day the test runs: early
    // in a week the weekly goals have no data yet)
    const all = (await demo.api<{ goals: { id: string; status: string; value: number | null; segment: unknown }[] }>('/v1/goals')).goals
    const attention = all.filter((g) => g.status === 'off_track' || g.status === 'at_risk')
    if (attention.length === 0) await page.getByTestId('goals-all-well').waitFor()
    const listed = page.getByTestId('goals-attention').locator('li[data-goal]')
    await poll(() => listed.evaluateAll((items) => items.map((li) => li.getAttribute('data-goal')).sort())).toEqual(attention.map((g) => g.id).sort())
    for (const goal of attention) {
      const value = page.locator(`[data-testid=goals-attention] li[data-goal="${goal.id}"] a.value`)
      expect(Number(await value.getAttribute('data-value'))).toBeCloseTo(goal.value!, 9)
    }
    // seven trend charts, each an image with a text description
    await page.locator('.trends [role=img] canvas').nth(6).waitFor()
    const labels = await page.locator('.trends [role=img]').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''))
    expect(labels).toHaveLength(7)
    for (const label of labels) expect(label).toMatch(/per day, .* Latest: /)
    await page.locator('article.tile [data-status]').first().waitFor()
    await screenshot(page, 'overview-en', { forDocs: true })
    expect(errors).toEqual([])
    await page.close()
  })

  // The < 1 s goal for the Overview is checked by a benchmark, not here: npm run bench:dashboard.

  it('switches the period: 7 days, 90 days and custom dates show the API values of that period', async () => {
    const { page } = await demo.signedInPage()
    const to = today()
    await page.locator('[data-preset="7"]').click()
    const week = await kpisAll(shift(to, -6), to)
    await waitForTileValue(page, 'escalation_rate', week.escalation_rate!)
    await waitForTileValue(page, 'cost_per_conversation', week.cost_per_conversation!)
    expect(await tileText(page, 'escalation_rate')).toBe(percent('en', week.escalation_rate!))
    // the change vs the 7 days before, in percentage points: (current − previous) × 100
    const before = await kpisAll(shift(to, -13), shift(to, -7))
    const deltaPp = percentagePoints('en', week.escalation_rate!, before.escalation_rate!)
    await poll(() => page.locator('article.tile[data-kpi=escalation_rate] [data-testid=kpi-delta]').innerText()).toContain(`vs previous period: ${deltaPp} pp`)
    expect(await page.getByTestId('overview-summary').innerText()).toContain(`${count('en', week.conversations!)} conversations`)

    await page.locator('[data-preset="90"]').click()
    const quarter = await kpisAll(shift(to, -89), to)
    await waitForTileValue(page, 'bot_resolution_rate', quarter.bot_resolution_rate!)
    // 90 days are drawn per week
    await poll(() => page.locator('.trends [role=img]').first().getAttribute('aria-label')).toMatch(/per week/)

    const from = shift(to, -13)
    const until = shift(to, -7)
    await page.locator('[data-preset="custom"]').click()
    await page.fill('input[name=from]', from)
    await page.fill('input[name=to]', until)
    await page.locator('form.custom button[type=submit]').click()
    const custom = await kpisAll(from, until)
    await waitForTileValue(page, 'fcr_rate', custom.fcr_rate ?? null)
    await waitForTileValue(page, 'frt_p50_s', custom.frt_p50_s ?? null)
    expect(await page.getByTestId('overview-summary').innerText()).toContain(`${count('en', custom.conversations!)} conversations`)
    await page.close()
  })

  it('switches the language: Spanish labels and es-MX numbers, and back', async () => {
    const { page } = await demo.signedInPage()
    const to = today()
    const current = await kpisAll(shift(to, -29), to)
    await waitForTileValue(page, 'cost_per_conversation', current.cost_per_conversation!)
    await page.locator('[data-lang=es]').click()
    await poll(() => page.locator('nav[aria-label] a').first().innerText()).toBe('Resumen')
    expect(await page.locator('article.tile[data-kpi=escalation_rate] h3').innerText()).toBe('Escalamiento')
    expect(await tileText(page, 'escalation_rate')).toBe(percent('es', current.escalation_rate!))
    expect(await tileText(page, 'cost_per_conversation')).toBe(money('es', current.cost_per_conversation!))
    expect(await page.getByTestId('overview-summary').innerText()).toContain(`${count('es', current.conversations!)} conversaciones`)
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('es')
    await page.locator('article.tile [data-status]').first().waitFor()
    await page.locator('.trends [role=img]').first().waitFor()
    await screenshot(page, 'overview-es', { forDocs: true })
    await page.locator('[data-lang=en]').click()
    await poll(() => page.locator('article.tile[data-kpi=escalation_rate] h3').innerText()).toBe('Escalation')
    await page.close()
  })

  it('fits a phone screen without sideways scrolling', async () => {
    const { page } = await demo.signedInPage({ width: 390, height: 844 })
    await page.locator('.trends [role=img]').first().waitFor()
    await page.locator('article.tile [data-status]').first().waitFor()
    expect((await measureLayout(page, false)).pageOverflow).toBeLessThanOrEqual(0)
    await screenshot(page, 'overview-phone', { forDocs: true, fullPage: false })
    await page.close()
  })
})

describe('operations and drill-down', () => {
  it('shows KPIs by segment equal to the API, and drills from a number to its conversations and one timeline', async () => {
    const { page, errors } = await demo.signedInPage({ route: '#/operations' })
    const { from, to } = last30Days()
    const byUseCase = (await demo.api(`/v1/kpis?from=${from}&to=${to}&grain=all&by=use_case`)).rows as Record<string, any>[]
    const table = page.getByTestId('segment-table')
    await table.waitFor()
    for (const row of byUseCase.filter((r) => r.use_case)) {
      const cell = table.locator('tr', { hasText: row.use_case }).first().locator('[data-kpi=escalation_rate]')
      expect(Number(await cell.getAttribute('data-value'))).toBe(row.escalation_rate)
      expect(await cell.innerText()).toBe(percent('en', row.escalation_rate))
    }
    // the last 30 days' FCR can still change: marked in the table, as the API marks it
    const provisional = byUseCase.find((r) => r.use_case && r.fcr_rate !== null)!
    expect(provisional.provisional).toEqual(['fcr_rate'])
    const fcr = table.locator('tr', { hasText: provisional.use_case }).first().locator('[data-kpi=fcr_rate]')
    expect(await fcr.innerText()).toBe(`${percent('en', provisional.fcr_rate)}*`)
    expect(await page.getByTestId('segment-provisional').innerText()).toContain('Provisional')
    // use-case scorecards: the registry's (a separate test below)
    await page.getByTestId('scorecard').first().waitFor()

    // handoff reasons equal /v1/handoffs
    const handoffs = await demo.api(`/v1/handoffs?from=${from}&to=${to}`)
    const reasonRows = page.getByTestId('reasons-table').locator('tbody tr')
    await poll(() => reasonRows.count()).toBe(handoffs.reasons.length)
    expect(await reasonRows.first().locator('td').nth(1).innerText()).toBe(count('en', handoffs.reasons[0].handoffs))
    // regressions as the API finds them, as of the period's last day
    const { regressions } = await demo.api<{ regressions: unknown[] }>(`/v1/regressions?as_of=${to}`)
    if (regressions.length) await poll(() => page.getByTestId('regressions-table').locator('tbody tr').count(), { timeout: 20_000 }).toBe(regressions.length)
    else await page.getByText('No regressions detected in this period.').waitFor({ timeout: 20_000 })
    await screenshot(page, 'operations-en', { forDocs: true })

    // segment switch: intent
    await page.getByTestId('segment-select').selectOption('intent')
    const byIntent = (await demo.api(`/v1/kpis?from=${from}&to=${to}&grain=all&by=intent`)).rows as Record<string, any>[]
    await poll(() => table.locator('tbody tr').count()).toBe(byIntent.length)

    // drill-down: the escalation rate of the busiest use case → its escalated conversations
    await page.getByTestId('segment-select').selectOption('use_case')
    const top = byUseCase.filter((r) => r.use_case).sort((a, b) => b.conversations - a.conversations)[0]!
    await table.locator('tr', { hasText: top.use_case }).first().locator('a[data-kpi=escalation_rate]').click()
    await page.getByTestId('conversation-table').waitFor()
    const listed = await demo.api(`/v1/conversations?from=${from}&to=${to}&use_case=${top.use_case}&flag=escalated&limit=1`)
    // conversations × escalation_rate = escalated conversations
    expect(listed.total).toBe(Math.round(top.conversations * top.escalation_rate))
    expect(await page.getByTestId('conversation-total').innerText()).toBe(`Showing 1–${Math.min(50, listed.total)} of ${count('en', listed.total)}`)
    await screenshot(page, 'conversations-en')

    await page.getByTestId('conversation-table').locator('tbody tr').first().locator('a').click()
    await page.getByTestId('timeline').waitFor()
    const id = decodeURIComponent(page.url().split('#/conversations/')[1]!)
    const detail = await demo.api(`/v1/conversations/${encodeURIComponent(id)}`)
    expect(await page.getByTestId('timeline').locator('li').count()).toBe(detail.events.length)
    expect(detail.conversation).toMatchObject({ use_case: top.use_case, escalated: true })
    await screenshot(page, 'conversation-en', { forDocs: true })
    expect(errors).toEqual([])
    await page.close()
  })
})

describe('use-case scorecards', () => {
  it("shows the registry's scorecard with policies and the outside share, and drills from 'bot kept human-only' to those conversations", async () => {
    const { page, errors } = await demo.signedInPage({ route: '#/operations' })
    const { from, to } = last30Days()
    type Row = {
      use_case: string
      policy: string | null
      in_registry: boolean
      conversations: number
      bot_kept_human_only: number
      escalation_rate: number | null
    }
    const card = await demo.api<{ outside_share: number; bot_kept_human_only: number; rows: Row[] }>(`/v1/use-cases/scorecard?from=${from}&to=${to}`)
    // every registered use case (even without conversations), then the rows outside the registry that have some
    const outsideRows = ['(outside)', '(no customer message)'].flatMap((name) => card.rows.filter((r) => r.use_case === name && r.conversations > 0))
    const shown = [...card.rows.filter((r) => r.in_registry), ...outsideRows]
    expect(shown.map((r) => r.use_case)).toContain('(outside)')
    const cards = page.getByTestId('scorecard')
    await poll(() => cards.evaluateAll((els) => els.map((e) => e.getAttribute('data-use-case')))).toEqual(shown.map((r) => r.use_case))
    for (const row of shown) {
      const one = page.locator(`[data-testid=scorecard][data-use-case="${row.use_case}"]`)
      if (row.policy) expect(await one.locator('[data-policy]').getAttribute('data-policy')).toBe(row.policy)
      if (row.escalation_rate !== null) expect(await one.locator('a[data-kpi=escalation_rate]').innerText()).toBe(percent('en', row.escalation_rate))
    }
    expect(await page.locator('[data-use-case="(outside)"] h4').innerText()).toBe('(outside every use case)')
    expect(await page.getByTestId('outside-share').innerText()).toContain(`${percent('en', card.outside_share)} of conversations`)
    // the demo's rejected_payment is human-only, and the bot keeps some of it
    expect(card.bot_kept_human_only).toBeGreaterThan(0)
    const kept = page.getByTestId('bot-kept').locator('a')
    expect(await kept.innerText()).toBe(count('en', card.bot_kept_human_only))
    await kept.click()
    await page.getByTestId('conversation-table').waitFor()
    const listed = await demo.api(`/v1/conversations?from=${from}&to=${to}&flag=bot_kept_human_only&limit=500`)
    expect(listed.total).toBe(card.bot_kept_human_only)
    expect(await page.getByTestId('conversation-total').innerText()).toBe(`Showing 1–${Math.min(50, listed.total)} of ${count('en', listed.total)}`)
    expect(await page.locator('ul.chips').innerText()).toContain('human-only, kept by the bot')
    // every one of them belongs to a human-only use case and never reached a person
    const humanOnly = new Set(card.rows.filter((r) => r.policy === 'human').map((r) => r.use_case))
    for (const row of listed.rows as { escalated: boolean }[]) expect(row.escalated).toBe(false)
    const perUseCase = card.rows.filter((r) => r.bot_kept_human_only > 0)
    for (const row of perUseCase) expect(humanOnly.has(row.use_case)).toBe(true)
    // the (outside) card's volume drills to as many conversations
    await page.goBack()
    const outside = card.rows.find((r) => r.use_case === '(outside)')!
    await page.locator('[data-use-case="(outside)"] a[data-kpi=conversations]').click()
    await poll(() => page.getByTestId('conversation-total').innerText()).toBe(
      outside.conversations === 0 ? 'No data for this period.' : `Showing 1–${Math.min(50, outside.conversations)} of ${count('en', outside.conversations)}`,
    )
    expect(errors).toEqual([])
    await page.close()
  })
})

describe('weekly review and data', () => {
  it('shows the weekly review with the API numbers and exports it as CSV', async () => {
    const { page, errors } = await demo.signedInPage({ route: '#/review' })
    const review = await demo.api<{
      week: string
      conversations: number
      unanswered_questions: { groups: { question: string; fallbacks: number }[] }
      worst_csat_intents: unknown[]
    }>('/v1/review')
    await page.getByTestId('review-summary').waitFor()
    expect(await page.getByTestId('review-summary').innerText()).toContain(`Week ${review.week}`)
    expect(await page.getByTestId('review-summary').innerText()).toContain(`${count('en', review.conversations)} conversations`)
    const questions = page.getByTestId('questions-table').locator('tbody tr')
    expect(await questions.count()).toBe(review.unanswered_questions.groups.length)
    if (review.unanswered_questions.groups.length) {
      const first = review.unanswered_questions.groups[0]!
      expect(await questions.first().locator('td').nth(0).innerText()).toContain(first.question)
      expect(await questions.first().locator('td').nth(1).innerText()).toBe(count('en', first.fallbacks))
    }
    expect(await page.getByTestId('worst-intents-table').locator('tbody tr').count()).toBe(review.worst_csat_intents.length)
    // the CSV download is the API's own CSV export of the same week
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()])
    const csv = await (await demo.request(`/v1/review?week=${review.week}&format=csv`)).text()
    const file = await download.path()
    expect(readFileSync(file, 'utf8')).toBe(csv)
    expect(download.suggestedFilename()).toBe(`pulso-review-demo-${review.week}.csv`)
    await screenshot(page, 'review-en', { forDocs: true })
    expect(errors).toEqual([])
    await page.close()
  })

  it('runs SQL with the same rows as the API and shows the model catalog with lineage', async () => {
    const { page, errors } = await demo.signedInPage({ route: '#/data' })
    const sql = 'SELECT use_case, count() AS conversations FROM fct_conversations GROUP BY use_case ORDER BY conversations DESC, use_case'
    await page.fill('#sql-input', sql)
    await page.locator('form button[type=submit]').click()
    const response = await demo.request('/v1/sql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sql, format: 'json' }),
    })
    expect(response.status, 'POST /v1/sql').toBe(200)
    const result = (await response.json()) as { data: Record<string, unknown>[] }
    await page.getByTestId('sql-result').waitFor()
    expect(await page.getByTestId('sql-result').locator('tbody tr').count()).toBe(result.data.length)
    expect(await page.getByTestId('sql-result').locator('tbody tr').first().locator('td').nth(1).innerText()).toBe(
      count('en', Number(result.data[0]!.conversations)),
    )
    const catalog = await demo.api<{ models: { name: string }[] }>('/v1/models')
    await page.getByTestId('lineage').waitFor()
    expect(await page.getByTestId('lineage').locator('button.node').count()).toBe(catalog.models.length)
    await page
      .getByTestId('lineage')
      .locator('button.node', { hasText: /^fct_kpis$/ })
      .click()
    // its upstream stays lit, unrelated models dim
    expect(
      await page
        .getByTestId('lineage')
        .locator('button.node', { hasText: /^int_conversations$/ })
        .getAttribute('class'),
    ).not.toMatch(/dim/)
    await screenshot(page, 'data-en', { forDocs: true })
    expect(errors).toEqual([])
    await page.close()
  })
})
