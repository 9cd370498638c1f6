// The dashboard in real Chromium against a real Pulso server on a small demo tenant: a `(none)`
// row of the segment breakdown links to its conversations like every other row, and a Spanish page
// speaks Spanish when the API refuses something (the error code translated, the server's English
// folded away) and in the model catalog's lineage.
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { pino } from 'pino'
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DASHBOARD_DIST } from '../../api/app.ts'
import { type RunningServer, startServer } from '../../api/server.ts'
import { loadConfig } from '../../config/config.ts'

const ROOT = path.resolve(import.meta.dirname, '../..')
const CHROMIUM = '/usr/bin/chromium'
const KEY = 'demo-read-key'
const TZ = 'America/Mexico_City'

let server: RunningServer
let browser: Browser
let dataDir: string

function todayIn(tz: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date())
}
function shift(day: string, days: number): string {
  const d = new Date(`${day}T12:00:00Z`)
  d.setUTCDate(d.getUTCDate() + days)
  return d.toISOString().slice(0, 10)
}
async function api<T = any>(pathAndQuery: string): Promise<T> {
  const response = await fetch(`${server.url}${pathAndQuery}`, { headers: { authorization: `Bearer ${KEY}` } })
  expect(response.status, pathAndQuery).toBe(200)
  return (await response.json()) as T
}
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 15_000 })

async function newPage(lang: 'en' | 'es'): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: lang === 'es' ? 'es-MX' : 'en-US' })
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  await page.goto(server.url)
  await page.locator(`[data-lang=${lang}]`).click()
  return { page, errors }
}
async function signIn(page: Page) {
  await page.fill('#api-key', KEY)
  await page.locator('form.sign-in button[type=submit]').click()
  await page.locator('article.tile [data-testid=kpi-value]').first().waitFor()
}

beforeAll(async () => {
  expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: run scripts/setup.sh (apt-get install chromium)`).toBe(true)
  if (!existsSync(path.join(DASHBOARD_DIST, 'index.html'))) {
    // not spawnSync: a blocked event loop times out vitest's RPC (tests/run-pulso.ts says why)
    const build = spawn('npm', ['run', 'build:dashboard'], { cwd: ROOT, stdio: 'inherit' })
    expect(await new Promise((resolve) => build.once('close', resolve)), 'npm run build:dashboard').toBe(0)
  }
  dataDir = mkdtempSync(path.join(tmpdir(), 'pulso-dashboard-i18n-'))
  const config = loadConfig({
    PULSO_DATA_DIR: dataDir,
    PULSO_DEMO: '1',
    PULSO_DEMO_DAYS: '14',
    PULSO_DEMO_PER_DAY: '40',
    PORT: '0',
    PULSO_HASH_KEY: 'dashboard-test',
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

describe('the (none) row of the segment breakdown', () => {
  it('links each of its numbers to the conversations behind it, as many as it counts', async () => {
    const to = todayIn(TZ)
    const from = shift(to, -29)
    // the demo's conversations outside every use case carry no use_case: the breakdown's null row
    const none = (await api(`/v1/kpis?from=${from}&to=${to}&grain=all&by=use_case`)).rows.find((r: { use_case: string | null }) => r.use_case === null)
    expect(none?.conversations).toBeGreaterThan(0)

    const { page, errors } = await newPage('en')
    await signIn(page)
    await page.goto(`${server.url}/#/operations`)
    const row = page.getByTestId('segment-table').locator('tr', { hasText: '(none)' })
    await row.waitFor()
    for (const kpi of ['conversations', 'escalation_rate', 'csat_score']) {
      if (none[kpi] === null) continue
      expect(await row.locator(`a[data-kpi=${kpi}]`).count(), kpi).toBe(1)
    }
    await row.locator('a[data-kpi=conversations]').click()
    await poll(() => page.getByTestId('conversation-total').innerText()).toContain(`of ${none.conversations}`)
    expect(await page.locator('ul.chips').innerText()).toContain('Use case: (none)')
    expect(errors).toEqual([])
  })
})

describe('a Spanish page', () => {
  it("tells the API's refusals in Spanish, with the server's own words folded away", async () => {
    const { page, errors } = await newPage('es')
    // an unknown key at sign-in
    await page.fill('#api-key', 'not-a-key-at-all')
    await page.locator('form.sign-in button[type=submit]').click()
    await poll(() => page.locator('form.sign-in [role=alert]').innerText()).toBe('La clave no fue aceptada: la clave de API no existe o no se envió')

    await signIn(page)
    // a drill-down address with a sort the API does not know: 400 bad_request from /v1/conversations
    const to = todayIn(TZ)
    await page.goto(`${server.url}/#/conversations?from=${shift(to, -6)}&to=${to}&sort=loudest`)
    const alert = page.locator('main [role=alert]')
    await poll(() => alert.innerText()).toContain('No se pudo cargar: la petición no es válida')
    expect(await alert.innerText()).not.toContain('expected one of') // folded under "Lo que dijo el servidor"
    await alert.locator('summary').click()
    expect(await alert.locator('code').innerText()).toBe('`sort`: expected one of started_at, frt, handoff_wait, cost, csat')

    // a statement the SQL console refuses: the headline in Spanish, the reason below it
    await page.goto(`${server.url}/#/data`)
    await page.fill('#sql-input', 'DROP TABLE fct_conversations')
    await page.locator('form button[type=submit]').click()
    const sqlAlert = page.locator('.sql-error[role=alert]')
    await poll(() => sqlAlert.locator('p').innerText()).toBe('esta consulta no está permitida')
    expect(errors).toEqual([])
  })

  it("names the model catalog's layers and materializations in Spanish", async () => {
    const { page } = await newPage('es')
    await signIn(page)
    await page.goto(`${server.url}/#/data`)
    const layers = page.getByTestId('lineage').locator('h5')
    await poll(() => layers.allTextContents()).toEqual(['fuentes', 'preparación', 'intermedios', 'marts (tablas finales)'])
    const summary = await page.locator('.models details summary').first().textContent()
    expect(summary).toMatch(/· (preparación|intermedios|marts \(tablas finales\)) · (vista|tabla|guardado, incremental|vista con parámetros)/)
  })
})
