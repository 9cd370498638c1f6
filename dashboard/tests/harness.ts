// What a browser test of the dashboard needs: a real Pulso server with the demo tenant, Debian's
// Chromium through playwright-core, signed-in pages, the API's own answers to compare with, and
// screenshots. dashboard/dist must be built first (fresh-build.ts: vitest's global setup does it).
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { pino } from 'pino'
import { type Browser, chromium, type Page } from 'playwright-core'
import { DASHBOARD_DIST } from '../../api/app.ts'
import { type RunningServer, startServer } from '../../api/server.ts'
import { loadConfig } from '../../config/config.ts'

const ROOT = path.resolve(import.meta.dirname, '../..')
const ARTIFACTS = path.join(ROOT, 'test-artifacts')
const DOC_SCREENSHOTS = path.join(ROOT, 'docs/screenshots')
export const CHROMIUM = '/usr/bin/chromium'
export const READ_KEY = 'demo-read-key'
export type Lang = 'en' | 'es'

/** `PULSO_UPDATE_SCREENSHOTS=1`: screenshots meant for the docs are copied to docs/screenshots. */
export const UPDATE_DOC_SCREENSHOTS = process.env.PULSO_UPDATE_SCREENSHOTS === '1'

/** How much the demo tenant simulates: days back from today, conversations a day. */
export type DemoSize = { days: number; perDay: number }
/** Small enough for a fast test, large enough that every panel has data. */
export const SMALL_DEMO: DemoSize = { days: 21, perDay: 40 }
/** The demo `npm start` serves (the configuration's default): the README's screenshots and the benchmark use it. */
export const FULL_DEMO: DemoSize = { days: 60, perDay: 120 }

/** A page and the uncaught errors it has thrown so far (a test expects none). */
export type OpenPage = { page: Page; errors: string[] }
export type PageOptions = { width?: number; height?: number; locale?: string }

type Running = { server: RunningServer; browser: Browser; dataDir: string }

/** A server on a demo tenant of this size (in a temporary data folder) and Chromium; `start` it, then `close` it. */
export class DemoDashboard {
  #running: Running | null = null

  /** `env`: more configuration for the server, e.g. the sign-in lock's limits. */
  constructor(
    readonly size: DemoSize = SMALL_DEMO,
    readonly env: Record<string, string> = {},
  ) {}

  async start(): Promise<void> {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/setup.sh (apt-get install chromium)`)
    if (!existsSync(path.join(DASHBOARD_DIST, 'index.html'))) {
      throw new Error('dashboard/dist is not built: run the browser tests through vitest (its global setup builds it) or npm run build:dashboard')
    }
    const dataDir = mkdtempSync(path.join(tmpdir(), 'pulso-dashboard-'))
    const demoEnv = { PULSO_DEMO: '1', PULSO_DEMO_DAYS: String(this.size.days), PULSO_DEMO_PER_DAY: String(this.size.perDay) }
    const server = await startServer(
      loadConfig({ ...demoEnv, PULSO_DATA_DIR: dataDir, PORT: '0', PULSO_HASH_KEY: 'dashboard-test', NODE_ENV: 'test', ...this.env }),
      pino({ level: 'silent' }),
    )
    const browser = await launchChromium().catch(async (error) => {
      await server.close()
      rmSync(dataDir, { recursive: true, force: true })
      throw error
    })
    this.#running = { server, browser, dataDir }
  }

  async close(): Promise<void> {
    const running = this.#running
    this.#running = null
    if (!running) return
    await running.browser.close()
    await running.server.close()
    rmSync(running.dataDir, { recursive: true, force: true })
  }

  get server(): RunningServer {
    return this.#started().server
  }

  get browser(): Browser {
    return this.#started().browser
  }

  /** Any request with the demo read key, the answer as it comes. */
  request(pathAndQuery: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers)
    headers.set('authorization', `Bearer ${READ_KEY}`)
    return fetch(`${this.server.url}${pathAndQuery}`, { ...init, headers })
  }

  /** GET with the demo read key; the parsed JSON of a 200 answer, else an error naming the request and the answer. */
  async api<T = any>(pathAndQuery: string): Promise<T> {
    const response = await this.request(pathAndQuery)
    if (response.status !== 200) throw new Error(`GET ${pathAndQuery} answered ${response.status}: ${await response.text()}`)
    return (await response.json()) as T
  }

  async newPage({ width = 1280, height = 900, locale = 'en-US' }: PageOptions = {}): Promise<OpenPage> {
    const page = await this.browser.newPage({ viewport: { width, height }, locale })
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    return { page, errors }
  }

  /** A new page signed in with the demo read key in this language, then at `route` (e.g. '#/operations') if given. */
  async signedInPage({ lang = 'en', route, ...pageOptions }: PageOptions & { lang?: Lang; route?: string } = {}): Promise<OpenPage> {
    const opened = await this.newPage(pageOptions)
    await signIn(opened.page, this.server.url, lang)
    if (route) await opened.page.goto(`${this.server.url}/${route}`)
    return opened
  }

  #started(): Running {
    if (!this.#running) throw new Error('the demo dashboard is not running: start() it first (demoDashboardForThisFile does, in beforeAll)')
    return this.#running
  }
}

function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}

/** Signs in with the demo read key (the sign-in page's API-key form) in this language and waits for the Overview's first tile. */
export async function signIn(page: Page, url: string, lang: Lang = 'en'): Promise<void> {
  await page.goto(url)
  await page.locator(`[data-lang=${lang}]`).click()
  await page.locator('[data-testid=sign-in-switch]').click()
  await page.fill('#api-key', READ_KEY)
  await page.locator('form.sign-in button[type=submit]').click()
  await page.locator('article.tile [data-testid=kpi-value]').first().waitFor()
}

/** Fills the sign-in page's email and password form and sends it (the caller waits for what follows). */
export async function submitPersonSignIn(page: Page, email: string, password: string): Promise<void> {
  await page.fill('#email', email)
  await page.fill('#password', password)
  await page.locator('form.sign-in button[type=submit]').click()
}

/** Waits until no panel of the page says it is loading (every LoadState has its data or error). */
export async function waitForPanels(page: Page): Promise<void> {
  await page.waitForFunction(
    () => document.querySelector('main [role=status]') === null && document.querySelector('main [aria-busy=true]') === null,
    undefined,
    {
      timeout: 30_000,
    },
  )
}

/**
 * Saves the page as test-artifacts/<name>.png (git-ignored); one meant for the docs is also copied
 * to docs/screenshots with PULSO_UPDATE_SCREENSHOTS=1.
 */
export async function screenshot(page: Page, name: string, { forDocs = false, fullPage = true } = {}): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true })
  const file = path.join(ARTIFACTS, `${name}.png`)
  await page.screenshot({ path: file, fullPage })
  if (forDocs && UPDATE_DOC_SCREENSHOTS) {
    mkdirSync(DOC_SCREENSHOTS, { recursive: true })
    copyFileSync(file, path.join(DOC_SCREENSHOTS, `${name}.png`))
  }
}
