// What a browser test of the dashboard needs: a real Pulso server with the (smaller) demo tenant,
// Debian's Chromium through playwright-core, and a signed-in page.
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { pino } from 'pino'
import { type Browser, chromium, type Page } from 'playwright-core'
import { DASHBOARD_DIST } from '../../api/app.ts'
import { type RunningServer, startServer } from '../../api/server.ts'
import { loadConfig } from '../../config/config.ts'

const ROOT = path.resolve(import.meta.dirname, '../..')
export const CHROMIUM = '/usr/bin/chromium'
export const READ_KEY = 'demo-read-key'
export type Lang = 'en' | 'es'

export type DemoDashboard = { server: RunningServer; browser: Browser; close: () => Promise<void> }

/** Builds the dashboard if it was never built, starts a server on a small demo and launches Chromium. */
export async function startDemoDashboard(): Promise<DemoDashboard> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/setup.sh (apt-get install chromium)`)
  if (!existsSync(path.join(DASHBOARD_DIST, 'index.html'))) {
    // not spawnSync: a blocked event loop times out vitest's RPC (tests/run-pulso.ts says why)
    const build = spawn('npm', ['run', 'build:dashboard'], { cwd: ROOT, stdio: 'inherit' })
    const code = await new Promise((resolve) => build.once('close', resolve))
    if (code !== 0) throw new Error(`npm run build:dashboard exited with ${code}`)
  }
  const dataDir = mkdtempSync(path.join(tmpdir(), 'pulso-dashboard-'))
  const config = loadConfig({
    PULSO_DATA_DIR: dataDir,
    PULSO_DEMO: '1',
    PULSO_DEMO_DAYS: '21',
    PULSO_DEMO_PER_DAY: '40',
    PORT: '0',
    PULSO_HASH_KEY: 'dashboard-test',
    NODE_ENV: 'test',
  })
  const server = await startServer(config, pino({ level: 'silent' }))
  const browser = await chromium.launch({
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
  return {
    server,
    browser,
    close: async () => {
      await browser.close()
      await server.close()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** Signs in with the demo read key in this language and waits for the Overview's first tile. */
export async function signIn(page: Page, url: string, lang: Lang = 'en'): Promise<void> {
  await page.goto(url)
  await page.locator(`[data-lang=${lang}]`).click()
  await page.fill('#api-key', READ_KEY)
  await page.locator('form.sign-in button[type=submit]').click()
  await page.locator('article.tile [data-testid=kpi-value]').first().waitFor()
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
