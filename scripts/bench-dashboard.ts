// `npm run bench:dashboard`: how fast the Overview is usable on the full demo tenant, measured
// by Chromium itself (from the start of navigation to the tiles showing their numbers).
// Goal: < 1 s. Results are recorded in BENCHMARKS.md with the command that reproduces them.

import os from 'node:os'
import { ensureFreshBuild } from '../dashboard/tests/fresh-build.ts'
import { DemoDashboard, FULL_DEMO, signIn } from '../dashboard/tests/harness.ts'

await ensureFreshBuild()
const demo = new DemoDashboard(FULL_DEMO)
try {
  await demo.start()
  const { page } = await demo.newPage({ width: 1280, height: 900 })
  await signIn(page, demo.server.url)
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
    `\nDashboard bench — full demo tenant (60 days × 120 conversations/day), Chromium ${demo.browser.version()}, load average ${os.loadavg()[0]!.toFixed(1)}\n`,
  )
  console.log('| measure | median of 7 | best | worst |\n|---|---|---|---|')
  console.log(`| Overview usable after a reload | ${median(usable).toFixed(0)} ms | ${usable[0]!.toFixed(0)} ms | ${usable.at(-1)!.toFixed(0)} ms |`)
  console.log(`| its KPI query (GET /v1/kpis, grain=all) | ${median(query).toFixed(0)} ms | ${query[0]!.toFixed(0)} ms | ${query.at(-1)!.toFixed(0)} ms |`)
} finally {
  await demo.close()
}
