// `npm run bench:dashboard`: how fast the Overview is usable on the full demo tenant, measured
// by Chromium itself (from the start of navigation to the tiles showing their numbers).
// Goal: < 1 s. Results are recorded in BENCHMARKS.md with the command that reproduces them.

import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import os, { tmpdir } from 'node:os'
import path from 'node:path'
import { pino } from 'pino'
import { chromium } from 'playwright-core'
import { DASHBOARD_DIST } from '../api/app.ts'
import { startServer } from '../api/server.ts'
import { loadConfig } from '../config/config.ts'

if (!existsSync(path.join(DASHBOARD_DIST, 'index.html'))) {
  spawnSync('npm', ['run', 'build:dashboard'], { stdio: 'inherit' })
}
const dataDir = mkdtempSync(path.join(tmpdir(), 'pulso-bench-dashboard-'))
const config = loadConfig({ PULSO_DATA_DIR: dataDir, PORT: '0', PULSO_LOG_LEVEL: 'silent' })
const server = await startServer(config, pino({ level: 'silent' }))
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
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
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
  await page.goto(server.url)
  await page.fill('#api-key', 'demo-read-key')
  await page.locator('form.sign-in button[type=submit]').click()
  await page.locator('article.tile[data-kpi=escalation_rate] [data-testid=kpi-value]').waitFor()
  const runs: { usable: number; query: number }[] = []
  for (let i = 0; i < 7; i++) {
    // let the previous visit's later requests (goals, trend) finish, so each visit starts alone
    await page.waitForLoadState('networkidle')
    await page.reload()
    await page.locator('article.tile[data-kpi=escalation_rate][data-value]:not([data-value=""])').waitFor()
    runs.push(
      await page.evaluate(() => ({
        usable: performance.getEntriesByName('pulso:overview-usable')[0]!.startTime,
        query: performance.getEntriesByType('resource').find((e) => e.name.includes('grain=all'))!.duration,
      })),
    )
  }
  const usable = runs.map((r) => r.usable).sort((a, b) => a - b)
  const query = runs.map((r) => r.query).sort((a, b) => a - b)
  const median = (values: number[]) => values[Math.floor(values.length / 2)]!
  console.log(
    `\nDashboard bench — full demo tenant (60 days × 120 conversations/day), Chromium ${browser.version()}, load average ${os.loadavg()[0]!.toFixed(1)}\n`,
  )
  console.log('| measure | median of 7 | best | worst |\n|---|---|---|---|')
  console.log(`| Overview usable after a reload | ${median(usable).toFixed(0)} ms | ${usable[0]!.toFixed(0)} ms | ${usable.at(-1)!.toFixed(0)} ms |`)
  console.log(`| its KPI query (GET /v1/kpis, grain=all) | ${median(query).toFixed(0)} ms | ${query[0]!.toFixed(0)} ms | ${query.at(-1)!.toFixed(0)} ms |`)
} finally {
  await browser.close()
  await server.close()
  rmSync(dataDir, { recursive: true, force: true })
}
