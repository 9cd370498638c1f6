// Every page of the dashboard in real Chromium against a real server on the demo tenant: it fits a
// phone and a desktop screen in both languages (no sideways scrolling, no clipped table header,
// every navigation link in view), and it asks the API once for each thing it shows.
// The pages are read from the header's navigation, so a page added later is covered too.
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type DemoDashboard, type Lang, signIn, startDemoDashboard, waitForPanels } from './harness.ts'

let demo: DemoDashboard

beforeAll(async () => {
  demo = await startDemoDashboard()
}, 180_000)

afterAll(async () => {
  await demo?.close()
})

const SCREENS = [
  { name: 'phone', width: 390, height: 844 },
  { name: 'desktop', width: 1440, height: 900 },
] as const

/** What does not fit on the page as it is now; empty when everything fits. */
type LayoutProblems = {
  pageOverflow: number
  navLinksOutOfView: string[]
  clippedHeaders: string[]
}

/**
 * Measured in the page. A table header cell is clipped when its text overflows the cell, when
 * something other than the table's own box (DataTable's `.table-wrap`) cuts it off, or — on a
 * wide screen — when it lies beyond that box's right edge, so that the box must be scrolled to
 * see it. On a phone, a wide table scrolls inside its own box by design (docs/dashboard.md).
 */
function measureLayout(wideScreen: boolean): LayoutProblems {
  const viewport = window.innerWidth
  const clipsSideways = (el: Element) => getComputedStyle(el).overflowX !== 'visible'
  const clippedHeaders: string[] = []
  for (const table of document.querySelectorAll('main table')) {
    const name = table.querySelector('caption')?.textContent?.trim() || table.getAttribute('data-testid') || 'table'
    const ownBox = table.parentElement?.classList.contains('table-wrap') ? table.parentElement : null
    for (const th of table.querySelectorAll('thead th')) {
      const cell = th as HTMLElement
      const label = `${name} › ${cell.innerText.trim()}`
      if (cell.scrollWidth > cell.clientWidth + 1) clippedHeaders.push(`${label}: text ${cell.scrollWidth}px in a ${cell.clientWidth}px cell`)
      const right = cell.getBoundingClientRect().right
      for (let box = table.parentElement; box && box !== document.documentElement; box = box.parentElement) {
        if (!clipsSideways(box)) continue
        const edge = box.getBoundingClientRect().right
        if (right <= edge + 1) continue
        if (box !== ownBox) clippedHeaders.push(`${label}: cut off at ${Math.round(edge)}px by ${box.tagName.toLowerCase()}.${[...box.classList].join('.')}`)
        else if (wideScreen) clippedHeaders.push(`${label}: ends at ${Math.round(right)}px, past its table's box (${Math.round(edge)}px)`)
      }
      if (!ownBox && right > viewport + 1) clippedHeaders.push(`${label}: ends at ${Math.round(right)}px, past the screen (${viewport}px)`)
    }
  }
  const navLinksOutOfView = [...document.querySelectorAll('header nav a')]
    .filter((a) => {
      const rect = a.getBoundingClientRect()
      const nav = a.closest('nav')!.getBoundingClientRect()
      return rect.left < Math.max(0, nav.left) - 1 || rect.right > Math.min(viewport, nav.right) + 1
    })
    .map((a) => (a as HTMLElement).innerText)
  return { pageOverflow: document.documentElement.scrollWidth - viewport, navLinksOutOfView, clippedHeaders }
}

async function navPages(page: Page): Promise<{ name: string; href: string }[]> {
  return page.locator('header nav a').evaluateAll((links) => links.map((a) => ({ name: (a as HTMLElement).innerText, href: a.getAttribute('href')! })))
}

describe('every page fits its screen', () => {
  for (const screen of SCREENS) {
    for (const lang of ['en', 'es'] as Lang[]) {
      it(`${screen.name} (${screen.width}×${screen.height}), ${lang}: no sideways scrolling, no clipped table header, every nav link in view`, async () => {
        const page = await demo.browser.newPage({ viewport: { width: screen.width, height: screen.height }, locale: 'en-US' })
        const errors: string[] = []
        page.on('pageerror', (e) => errors.push(e.message))
        await signIn(page, demo.server.url, lang)
        const pages = await navPages(page)
        expect(pages.length).toBeGreaterThanOrEqual(4)
        const problems: Record<string, LayoutProblems> = {}
        const visit = async (name: string) => {
          await waitForPanels(page)
          const found = await page.evaluate(measureLayout, screen.width >= 1024)
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
    const page = await demo.browser.newPage({ viewport: { width: 1440, height: 900 } })
    const requests = recordApiRequests(page)
    await signIn(page, demo.server.url)
    await waitForPanels(page)
    // three period changes: each asks for its own KPIs and trend (day, week, day grain) …
    for (const preset of ['7', '90', '30']) {
      await page.locator(`[data-preset="${preset}"]`).click()
      await waitForPanels(page)
    }
    const trends = () => requests.filter((r) => r.startsWith('/v1/kpis?') && /grain=(day|week|month)/.test(r)).length
    await expect.poll(trends, { timeout: 15_000 }).toBe(4)
    await waitForPanels(page)
    // … but the goals are evaluated for their own periods, not the page's: asked for once
    expect(requests.filter((r) => r.startsWith('/v1/goals'))).toEqual(['/v1/goals'])
    await page.close()
  })

  it('the Weekly review asks for its review once (the trend of each question comes with it)', async () => {
    const page = await demo.browser.newPage({ viewport: { width: 1440, height: 900 } })
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
    const page = await demo.browser.newPage({ viewport: { width: 1440, height: 900 } })
    await signIn(page, demo.server.url)
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
    await expect.poll(() => charts.count(), { timeout: 15_000 }).toBeGreaterThanOrEqual(7)
    await expect.poll(() => page.locator('.trends [data-testid=chart-no-data]').count(), { timeout: 15_000 }).toBe(await charts.count())
    expect(await page.locator('.trends canvas').count()).toBe(0)
    expect(await page.locator('.trends [data-testid=chart-no-data]').first().innerText()).toBe('No data for this period.')
    await page.close()
  })

  it('the selected lineage node keeps its text readable (not white on white)', async () => {
    const page = await demo.browser.newPage({ viewport: { width: 1440, height: 900 } })
    await signIn(page, demo.server.url)
    await page.goto(`${demo.server.url}/#/data`)
    const node = page.getByTestId('lineage').locator('button.node', { hasText: /^fct_kpis$/ })
    await node.click()
    expect(await node.getAttribute('aria-pressed')).toBe('true')
    const { color, background } = await node.evaluate((el) => ({ color: getComputedStyle(el).color, background: getComputedStyle(el).backgroundColor }))
    expect(color).not.toBe(background)
    expect(background).not.toBe('rgb(255, 255, 255)')
    await page.close()
  })
})
