// What fits on the screen, measured in the page: shared by the browser tests that check a page at
// a phone's and a desktop's width.
import type { Page } from 'playwright-core'

/** What does not fit on the page as it is now; every field empty (or ≤ 0) when everything fits. */
export type LayoutProblems = {
  /** How much wider the page is than the window: above 0, the page scrolls sideways. */
  pageOverflow: number
  navLinksOutOfView: string[]
  clippedHeaders: string[]
  /** Tables wider than their own box (DataTable's `.table-wrap`), which must be scrolled to be read whole. */
  tablesScrollingInTheirBox: string[]
}

/** Measures the page; `wideScreen` (≥ 1024 px): a table must fit its box, which on a phone may scroll by design. */
export function measureLayout(page: Page, wideScreen: boolean): Promise<LayoutProblems> {
  return page.evaluate(measureInPage, wideScreen)
}

/**
 * Runs in the page. A table header cell is clipped when its text overflows the cell, when
 * something other than the table's own box (DataTable's `.table-wrap`) cuts it off, or — on a
 * wide screen — when it lies beyond that box's right edge, so that the box must be scrolled to
 * see it. On a phone, a wide table scrolls inside its own box by design (docs/dashboard.md).
 */
function measureInPage(wideScreen: boolean): LayoutProblems {
  const viewport = window.innerWidth
  const clipsSideways = (el: Element) => getComputedStyle(el).overflowX !== 'visible'
  const tableName = (table: Element | null) => table?.querySelector('caption')?.textContent?.trim() || table?.getAttribute('data-testid') || 'table'
  const clippedHeaders: string[] = []
  for (const table of document.querySelectorAll('main table')) {
    const name = tableName(table)
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
  const tablesScrollingInTheirBox = [...document.querySelectorAll('.table-wrap')]
    .filter((wrap) => wrap.scrollWidth > wrap.clientWidth + 1)
    .map((wrap) => `${tableName(wrap.querySelector('table'))}: ${wrap.scrollWidth}px in a ${wrap.clientWidth}px box`)
  return { pageOverflow: document.documentElement.scrollWidth - viewport, navLinksOutOfView, clippedHeaders, tablesScrollingInTheirBox }
}
