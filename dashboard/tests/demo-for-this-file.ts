// The demo dashboard a browser test file shares between its tests: started before the first,
// closed after the last. Each test opens its own page, so the tests run in any order.
import { afterAll, beforeAll } from 'vitest'
import { DemoDashboard, type DemoSize, SMALL_DEMO } from './harness.ts'

export function demoDashboardForThisFile(size: DemoSize = SMALL_DEMO, env: Record<string, string> = {}): DemoDashboard {
  const demo = new DemoDashboard(size, env)
  beforeAll(() => demo.start(), 180_000)
  afterAll(() => demo.close())
  return demo
}
