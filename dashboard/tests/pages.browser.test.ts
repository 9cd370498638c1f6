// Every page of the dashboard in real Chromium against a real server on the demo tenant: it fits a
// phone and a desktop screen in both languages (no sideways scrolling, no clipped table header,
// every navigation link in view), and it asks the API once for each thing it shows.
// The pages are read from the header's navigation, so a page added later is covered too.
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { demoDashboardForThisFile } from './demo-for-this-file.ts'
import { poll } from './expectations.ts'
import { type Lang, signIn, waitForPanels } from './harness.ts'
import { type LayoutProblems, measureLayout } from './layout.ts'

const demo = demoDashboardForThisFile()

const SCREENS = [
  { name: 'phone', width: 390, height: 844 },
  { name: 'desktop', width: 1440, height: 900 },
] as const

async function navPages(page: Page): Promise<{ name: string; href: string }[]> {
  return page.locator('header nav a').evaluateAll((links) => links.map((a) => ({ name: (a as HTMLElement).innerText, href: a.getAttribute('href')! })))
}

describe('every page fits its screen', () => {
  for (const screen of SCREENS) {
    for (const lang of ['en', 'es'] as Lang[]) {
      it(`${screen.name} (${screen.width}×${screen.height}), ${lang}: no sideways scrolling, no clipped table header, every nav link in view`, async () => {
        const { page, errors } = await demo.signedInPage({ width: screen.width, height: screen.height, lang })
        const pages = await navPages(page)
        expect(pages.length).toBeGreaterThanOrEqual(4)
        const problems: Record<string, LayoutProblems> = {}
        const visit = async (name: string) => {
          await waitForPanels(page)
          const found = await measureLayout(page, screen.width >= 1024)
          if (found.pageOverflow > 0 || found.navLinksOutOfView.length || found.clippedHeaders.length) problems[name] = found
        }
        for (const { name, href } of pages) {
          await page.goto(`${demo.server.url}/${href}`)
          await visit(name)
        }
        // the drill-down pages, reached from Operations' first number and the first conversation
        await page.goto(`${demo.server.url}/#/operations`)
        await waitForPanels(page)
        await page.getByTestId('segment-table').locator('tbody a').first().click()
        await page.getByTestId('conversation-table').waitFor()
        await visit('conversations')
        await page.getByTestId('conversation-table').locator('tbody a').first().click()
        await page.getByTestId('timeline').waitFor()
        await visit('conversation')
        expect(problems).toEqual({})
        expect(errors).toEqual([])
        await page.close()
      })
    }
  }
})

/** The API requests a page makes, as path and query, in the order it makes them. */
function recordApiRequests(page: Page): string[] {
  const seen: string[] = []
  page.on('request', (request) => {
    const url = new URL(request.url())
    if (url.pathname.startsWith('/v1/')) seen.push(url.pathname + url.search)
  })
  return seen
}

describe('pages ask the API once for each thing they show', () => {
  it('the Overview asks for the goals once, however often the period changes', async () => {
    const { page } = await demo.newPage({ width: 1440, height: 900 })
    const requests = recordApiRequests(page)
    await signIn(page, demo.server.url)
    await waitForPanels(page)
    // three period changes: each asks for its own KPIs and trend (day, week, day grain) …
    for (const preset of ['7', '90', '30']) {
      await page.locator(`[data-preset="${preset}"]`).click()
      await waitForPanels(page)
    }
    const trends = () => requests.filter((r) => r.startsWith('/v1/kpis?') && /grain=(day|week|month)/.test(r)).length
    await poll(trends).toBe(4)
    await waitForPanels(page)
    // … but the goals are evaluated for their own periods, not the page's: asked for once
    expect(requests.filter((r) => r.startsWith('/v1/goals'))).toEqual(['/v1/goals'])
    await page.close()
  })

  it('the Weekly review asks for its review once (the trend of each question comes with it)', async () => {
    const { page } = await demo.newPage({ width: 1440, height: 900 })
    const requests = recordApiRequests(page)
    await signIn(page, demo.server.url)
    await page.goto(`${demo.server.url}/#/review`)
    await page.getByTestId('questions-table').waitFor()
    await waitForPanels(page)
    // a later request (the CSV export) is seen after any the page made while loading
    await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()])
    const reviews = requests.filter((r) => r.startsWith('/v1/review?'))
    expect(reviews).toHaveLength(2)
    expect(reviews[0]).toMatch(/^\/v1\/review\?week=\d{4}-W\d{2}$/)
    expect(reviews[1]).toMatch(/format=csv/)
    await page.close()
  })
})

describe('what a page draws stays readable', () => {
  it('a period without data says so in each trend chart instead of drawing bare axes', async () => {
    const { page } = await demo.signedInPage({ width: 1440, height: 900 })
    // the demo covers the last 21 days; a week a year ago has no conversations (the API answers
    // its days with null KPIs)
    const start = new Date(Date.now() - 365 * 86_400_000).toISOString().slice(0, 10)
    const end = new Date(Date.now() - 359 * 86_400_000).toISOString().slice(0, 10)
    await page.locator('[data-preset="custom"]').click()
    await page.fill('input[name=from]', start)
    await page.fill('input[name=to]', end)
    await page.locator('form.custom button[type=submit]').click()
    // the seven trend charts first (before they render, none and no message count alike), then each says so
    const charts = page.locator('.trends [role=img]')
    await poll(() => charts.count()).toBeGreaterThanOrEqual(7)
    await poll(() => page.locator('.trends [data-testid=chart-no-data]').count()).toBe(await charts.count())
    expect(await page.locator('.trends canvas').count()).toBe(0)
    expect(await page.locator('.trends [data-testid=chart-no-data]').first().innerText()).toBe('No data for this period.')
    await page.close()
  })

  it('the selected lineage node keeps its text readable (not white on white)', async () => {
    const { page } = await demo.signedInPage({ width: 1440, height: 900, route: '#/data' })
    const node = page.getByTestId('lineage').locator('button.node', { hasText: /^fct_kpis$/ })
    await node.click()
    expect(await node.getAttribute('aria-pressed')).toBe('true')
    const { color, background } = await node.evaluate((el) => ({ color: getComputedStyle(el).color, background: getComputedStyle(el).backgroundColor }))
    expect(color).not.toBe(background)
    expect(background).not.toBe('rgb(255, 255, 255)')
    await page.close()
  })
})
