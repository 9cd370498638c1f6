// `pulso review`, `pulso goals` and `pulso regressions` as a user runs them, on a small demo
// tenant filled by `pulso demo` in the same data folder (each command is its own process).
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const dataDir = mkdtempSync(path.join(tmpdir(), 'pulso-review-cli-'))
const bin = path.resolve(import.meta.dirname, '../../bin/pulso.js')
const env = { ...process.env, PULSO_DATA_DIR: dataDir, PULSO_LOG_LEVEL: 'silent', PULSO_HASH_KEY: 'k', PULSO_API_KEYS: '' }
const pulso = async (...args: string[]) => (await run(process.execPath, [bin, ...args], { env, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 })).stdout

beforeAll(async () => {
  expect(await pulso('demo', '--days', '35', '--per-day', '80')).toMatch(/demo tenant filled: \d+ events accepted/)
}, 180_000)
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

describe('pulso review', () => {
  it('prints the last complete week as Markdown with every section', async () => {
    const markdown = await pulso('review')
    for (const heading of [
      '## Goals',
      '## KPIs vs last week',
      '## Unanswered questions',
      '## Top escalation reasons',
      '## Intents with the worst CSAT',
      '## Use cases',
    ]) {
      expect(markdown).toContain(heading)
    }
    // the simulator's near-duplicate questions are merged into one group with its variants as examples
    expect(markdown).toMatch(/efectivo/i)
  })

  it('agrees with its own JSON, and exports CSV', async () => {
    const review = JSON.parse(await pulso('review', '--format', 'json'))
    expect(review.unanswered_questions.total_fallbacks).toBeGreaterThan(0)
    const merged = review.unanswered_questions.groups.reduce((sum: number, g: { fallbacks: number }) => sum + g.fallbacks, 0)
    expect(merged).toBe(review.unanswered_questions.total_fallbacks)
    const csv = await pulso('review', '--week', review.week, '--format', 'csv')
    expect(csv.split('\n')[0]).toBe('week,section,item,metric,value,detail')
    expect(csv).toContain('unanswered_question')
  }, 60_000)

  it('names a bad week', async () => {
    await expect(pulso('review', '--week', '2026-W99')).rejects.toMatchObject({ stderr: expect.stringMatching(/week/) })
  })
})

describe('pulso goals and pulso regressions', () => {
  it('print the demo goals with a status each, and the regression the simulator injected', async () => {
    const goals = await pulso('goals')
    expect(goals).toMatch(/^goal\s+kpi\s+segment\s+period\s+target\s+value\s+status/)
    expect(goals).toMatch(/on_track|at_risk|off_track/)
    const regressions = JSON.parse(await pulso('regressions', '--json'))
    const onReturns = regressions.regressions.find((r: any) => r.kpi === 'escalation_rate' && r.segment?.by === 'use_case' && r.segment?.value === 'returns')
    expect(onReturns).toMatchObject({ release: { bot_version: 'v1.5.0' } })
    expect(onReturns.current.value).toBeGreaterThan(onReturns.baseline.value)
  }, 60_000)
})
