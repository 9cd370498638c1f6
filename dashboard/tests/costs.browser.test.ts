// The Cost & proactive page in real Chromium against a real Pulso server on a small demo tenant:
// the numbers on the page equal GET /v1/costs, /v1/kpis and /v1/proactive, a cost part links to the
// conversations behind it, an unknown delivery reads as unknown, and the page fits 390 px (no
// sideways scrolling) and 1440 px (no clipped table) in English and Spanish.
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { pino } from 'pino'
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DASHBOARD_DIST } from '../../api/app.ts'
import { type RunningServer, startServer } from '../../api/server.ts'
import { loadConfig } from '../../config/config.ts'

const ROOT = path.resolve(import.meta.dirname, '../..')
const ARTIFACTS = path.join(ROOT, 'test-artifacts')
const CHROMIUM = '/usr/bin/chromium'
const KEY = 'demo-read-key'
const TZ = 'America/Mexico_City'

let server: RunningServer
let browser: Browser
let dataDir: string

// independent expectations: formatted here with Intl, not with the dashboard's code
const locales = { en: 'en-US', es: 'es-MX' } as const
type Lang = keyof typeof locales
const money = (lang: Lang, v: number) =>
  new Intl.NumberFormat(locales[lang], { style: 'currency', currency: 'MXN', minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(v)
const count = (lang: Lang, v: number) => new Intl.NumberFormat(locales[lang], { maximumFractionDigits: 0 }).format(v)
const percent = (lang: Lang, v: number) =>
  new Intl.NumberFormat(locales[lang], { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(v)

function todayIn(tz: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date())
}
function shift(day: string, days: number): string {
  const d = new Date(`${day}T12:00:00Z`)
  d.setUTCDate(d.getUTCDate() + days)
  return d.toISOString().slice(0, 10)
}
/** The page's default period: the last 30 local days. */
const period = () => ({ from: shift(todayIn(TZ), -29), to: todayIn(TZ) })

async function api<T = any>(pathAndQuery: string): Promise<T> {
  const response = await fetch(`${server.url}${pathAndQuery}`, { headers: { authorization: `Bearer ${KEY}` } })
  expect(response.status, pathAndQuery).toBe(200)
  return (await response.json()) as T
}
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 15_000 })

async function openCosts(lang: Lang, width: number, height: number): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width, height }, locale: 'en-US' })
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  await page.goto(server.url)
  await page.locator(`[data-lang=${lang}]`).click()
  await page.fill('#api-key', KEY)
  await page.locator('form.sign-in button[type=submit]').click()
  await page.locator('nav a[href="#/costs"]').click()
  await page.getByTestId('cost-table').waitFor()
  await page.getByTestId('proactive-row').first().waitFor()
  return { page, errors }
}

/** What a person sees: nothing wider than the window, and no table cut off inside its box. */
async function layout(page: Page) {
  return page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    clippedTables: [...document.querySelectorAll('.table-wrap')].filter((wrap) => wrap.scrollWidth > wrap.clientWidth + 1).length,
  }))
}

beforeAll(async () => {
  expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: run scripts/setup.sh (apt-get install chromium)`).toBe(true)
  if (!existsSync(path.join(DASHBOARD_DIST, 'index.html'))) {
    // not spawnSync: a blocked event loop times out vitest's RPC (tests/run-pulso.ts says why)
    const build = spawn('npm', ['run', 'build:dashboard'], { cwd: ROOT, stdio: 'inherit' })
    expect(await new Promise((resolve) => build.once('close', resolve)), 'npm run build:dashboard').toBe(0)
  }
  dataDir = mkdtempSync(path.join(tmpdir(), 'pulso-costs-page-'))
  const config = loadConfig({
    PULSO_DATA_DIR: dataDir,
    PULSO_DEMO: '1',
    PULSO_DEMO_DAYS: '21',
    PULSO_DEMO_PER_DAY: '40',
    PORT: '0',
    PULSO_HASH_KEY: 'costs-page-test',
    NODE_ENV: 'test',
  })
  server = await startServer(config, pino({ level: 'silent' }))
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  })
}, 180_000)

afterAll(async () => {
  await browser?.close()
  await server?.close()
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
})

describe('Cost & proactive page', () => {
  it('shows the API’s cost composition, each part linked to its conversations, at 1440 px', async () => {
    const { page, errors } = await openCosts('en', 1440, 900)
    const { from, to } = period()
    const costs = await api(`/v1/costs?from=${from}&to=${to}&grain=all&by=component`)
    const kpis = (await api(`/v1/kpis?from=${from}&to=${to}&grain=all`)).rows[0]
    expect(costs.rows.map((r: any) => r.component)).toEqual(['agent', 'llm', 'other', 'whatsapp'])
    for (const row of costs.rows) {
      const cell = page.locator(`[data-testid=cost-table] [data-part=${row.component}][data-field=cost_per_conversation]`)
      await poll(async () => Math.abs(Number(await cell.getAttribute('data-value')) - row.cost_per_conversation) < 1e-9).toBe(true)
      expect(await cell.innerText()).toBe(money('en', row.cost_per_conversation))
    }
    // the parts add up to the Overview's cost per conversation, shown as the total
    const total = page.locator('[data-testid=cost-totals] a').first()
    // (a sum of doubles: ClickHouse may add them in another order on each call, so the last digits vary)
    expect(Number(await total.getAttribute('data-value'))).toBeCloseTo(kpis.cost_per_conversation, 9)
    expect(await total.innerText()).toContain(money('en', kpis.cost_per_conversation))
    const sum = costs.rows.reduce((s: number, r: any) => s + r.cost_per_conversation, 0)
    expect(sum).toBeCloseTo(kpis.cost_per_conversation, 9)

    expect(await layout(page)).toMatchObject({ clippedTables: 0 })
    mkdirSync(ARTIFACTS, { recursive: true })
    await page.screenshot({ path: path.join(ARTIFACTS, 'costs-en.png'), fullPage: true })

    // LLM's cost per conversation → the conversations with an LLM cost, as the API lists them
    const listed = await api(`/v1/conversations?from=${from}&to=${to}&flag=with_cost_llm&limit=1`)
    await page.locator('[data-testid=cost-table] a[data-part=llm][data-field=cost_per_conversation]').click()
    await poll(() => page.locator('main').innerText()).toContain(`of ${count('en', listed.total)}`)
    expect(page.url()).toContain('flag=with_cost_llm')
    expect(await page.locator('main').innerText()).toContain('with LLM costs')
    expect(errors).toEqual([])
    await page.close()
  })

  it('splits by WhatsApp pricing category, costs without one named as such', async () => {
    const { page, errors } = await openCosts('en', 1440, 900)
    const { from, to } = period()
    await page.getByTestId('cost-split').selectOption('category')
    const costs = await api(`/v1/costs?from=${from}&to=${to}&grain=all&by=category`)
    for (const row of costs.rows) {
      const part = row.category ?? 'uncategorized'
      const share = page.locator(`[data-testid=cost-table] [data-part=${part}][data-field=cost_share]`)
      await poll(async () => {
        const shown = await share.getAttribute('data-value')
        return row.cost_share === null ? shown === '' : Math.abs(Number(shown) - row.cost_share) < 1e-9
      }).toBe(true)
      expect(await share.innerText()).toBe(row.cost_share === null ? '–' : percent('en', row.cost_share))
    }
    expect(await page.locator('[data-testid=cost-table] a[data-part=uncategorized]').first().innerText()).toBe('No category (LLM, agents…)')
    expect(errors).toEqual([])
    await page.close()
  })

  it('shows proactive templates with the API’s numbers, and unknown delivery as unknown, in Spanish at 390 px', async () => {
    const { page, errors } = await openCosts('es', 390, 844)
    const { from, to } = period()
    const proactive = await api(`/v1/proactive?from=${from}&to=${to}`)
    expect(proactive.rows.length).toBeGreaterThan(0)
    for (const row of proactive.rows) {
      const card = page.locator(`[data-testid=proactive-row][data-template="${row.template}"][data-campaign="${row.campaign ?? ''}"]`)
      const field = (name: string) => card.locator(`dd[data-field=${name}]`)
      await poll(() => field('sent').getAttribute('data-value')).toBe(String(row.sent))
      expect(await field('sent').innerText()).toBe(count('es', row.sent))
      expect(await field('conversions').getAttribute('data-value')).toBe(String(row.conversions))
      expect(await field('conversion_value').innerText()).toBe(money('es', row.conversion_value))
      expect(await field('cost').innerText()).toBe(money('es', row.cost))
      for (const name of ['delivered', 'read', 'failed']) {
        // the demo's producer reports no wamids, so WhatsApp's statuses are never known: unknown, not 0
        if (row[name] === null) expect(await field(name).innerText()).toBe('— desconocido')
        else expect(await field(name).innerText()).toContain(count('es', row[name]))
      }
    }
    expect(await page.locator('nav a[href="#/costs"]').innerText()).toBe('Costo y proactivos')
    await page.screenshot({ path: path.join(ARTIFACTS, 'costs-es-390.png'), fullPage: true })
    const fit = await layout(page)
    expect(fit.scrollWidth, 'no sideways scrolling at 390 px').toBeLessThanOrEqual(fit.innerWidth)
    // on a phone a wide table scrolls inside its own box (docs/dashboard.md, "Screen widths";
    // pages.browser.test.ts checks that no header cell is cut off by anything else)

    // a template's sent count → the conversations that got it, as the API lists them
    const first = proactive.rows[0]
    const campaign = first.campaign === null ? '&campaign=' : `&campaign=${encodeURIComponent(first.campaign)}`
    const listed = await api(`/v1/conversations?from=${from}&to=${to}&template=${encodeURIComponent(first.template)}${campaign}&limit=1`)
    expect(listed.total).toBeGreaterThan(0)
    await page.locator(`[data-testid=proactive-row][data-template="${first.template}"][data-campaign="${first.campaign ?? ''}"] dd[data-field=sent] a`).click()
    await poll(() => page.locator('main').innerText()).toContain(`de ${count('es', listed.total)}`)
    expect(await page.locator('.chips').innerText()).toContain(`Plantilla: ${first.template}`)
    expect(errors).toEqual([])
    await page.close()
  })
})
