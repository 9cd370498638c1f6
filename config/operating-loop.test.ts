import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { ConfigError, loadConfig } from './config.ts'

function withFile(content: unknown, env: Record<string, string> = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'pulso-oploop-'))
  const file = path.join(dir, 'pulso.config.yaml')
  writeFileSync(file, stringify(content))
  return () => loadConfig({ PULSO_CONFIG: file, PULSO_DATA_DIR: dir, PULSO_HASH_KEY: 'k', PULSO_DEMO: '0', ...env })
}

describe('goals, use cases, regressions and alerts in the config file', () => {
  it('goals get an id and a direction from their KPI', () => {
    const config = withFile({
      goals: {
        acme: [
          { kpi: 'frt_p50_s', target: 5 },
          { kpi: 'csat_score', target: 80, segment: { by: 'use_case', value: 'returns' }, period: 'month' },
        ],
      },
    })()
    expect(config.operatingLoop.goals.map((g) => [g.tenantId, g.id, g.direction, g.period, g.source])).toEqual([
      ['acme', 'frt_p50_s.week', 'at_most', 'week', 'config'],
      ['acme', 'csat_score.use_case-returns.month', 'at_least', 'month', 'config'],
    ])
  })

  it('an invalid entry names the field and the rule', () => {
    expect(withFile({ goals: { acme: [{ kpi: 'happiness', target: 1 }] } })).toThrow(ConfigError)
    expect(withFile({ goals: { acme: [{ kpi: 'happiness', target: 1 }] } })).toThrow(/goals\.acme\.0\.kpi: expected one of conversations, frt_p50_s/)
    expect(withFile({ use_cases: { acme: [{ name: 'returns', policy: 'maybe' }] } })).toThrow(
      /use_cases\.acme\.0\.policy: expected bot \(the bot handles it\) or human/,
    )
    expect(withFile({ alerts: { webhooks: [{ url: 'not a url' }] } })).toThrow(/alerts\.webhooks\.0\.url: expected an absolute http\(s\) URL/)
    expect(
      withFile({
        goals: {
          acme: [
            { id: 'x', kpi: 'csat_score', target: 1 },
            { id: 'x', kpi: 'fcr_rate', target: 1 },
          ],
        },
      }),
    ).toThrow(/goal id 'x' is used twice/)
  })

  it('a rate goal takes a fraction from 0 to 1: 80 (meant as 80 %) is refused with the fraction to send', () => {
    expect(withFile({ goals: { acme: [{ kpi: 'bot_resolution_rate', target: 80 }] } })).toThrow(
      'goals.acme.0.target: bot_resolution_rate is a rate: expected a fraction from 0 to 1, got 80; for 80 % send 0.8',
    )
    expect(withFile({ goals: { acme: [{ kpi: 'escalation_rate', target: -0.1 }] } })).toThrow(
      /escalation_rate is a rate: expected a fraction from 0 to 1, got -0\.1$/,
    )
    // the bounds are targets too, and a score 0–100 is not a rate
    expect(
      withFile({
        goals: {
          acme: [
            { kpi: 'fcr_rate', target: 1 },
            { kpi: 'escalation_rate', target: 0 },
            { kpi: 'csat_score', target: 80 },
          ],
        },
      })().operatingLoop.goals,
    ).toHaveLength(3)
  })

  it('the demo tenant gets default goals and use cases only when the demo is on', () => {
    const on = withFile({}, { PULSO_DEMO: '1' })()
    expect(on.operatingLoop.goals.filter((g) => g.tenantId === 'demo').map((g) => g.id)).toEqual([
      'csat',
      'bot-resolution',
      'escalation',
      'escalation-returns',
      'frt',
      'handoff-wait',
      'cost',
    ])
    expect(on.operatingLoop.useCases.map((u) => [u.name, u.policy])).toEqual([
      ['order_status', 'bot'],
      ['returns', 'bot'],
      ['rejected_payment', 'human'],
      ['faq', 'bot'],
    ])
    expect(withFile({})().operatingLoop.goals).toEqual([])
    // a file that defines the demo's goals replaces the defaults
    const own = withFile({ goals: { demo: [{ id: 'mine', kpi: 'csat_score', target: 90 }] } }, { PULSO_DEMO: '1' })()
    expect(own.operatingLoop.goals.map((g) => g.id)).toEqual(['mine'])
  })

  it('regression and alert settings have defaults', () => {
    const config = withFile({ regressions: { window_days: 14 } })()
    expect(config.operatingLoop.regressions).toMatchObject({ window_days: 14, trailing_weeks: 4, min_samples: 30, fdr: 0.01, min_relative_effect: 0.2 })
    expect(config.operatingLoop.alerts).toEqual({ dashboard_url: 'http://localhost:8080', interval_minutes: 15, webhooks: [] })
  })
})
