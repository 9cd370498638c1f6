// Alerts reach a real local HTTP server once: deduplicated across runs and restarts, retried
// after a failed delivery.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { tenantSettings } from '../../config/config.ts'
import { event, ndjson, openTestPulso, postEvents, TEST_KEYS, type TestPulso } from '../../tests/helpers.ts'
import { regressionAlert, runAlerts } from './evaluate.ts'
import { startAlertScheduler } from './scheduler.ts'

type Received = { path: string; body: { text: string; blocks: { type: string; text?: { text: string }; elements?: { url: string }[] }[] } }
let server: Server
const received: Received[] = []
let failuresLeft = 1 // /flaky answers 500 once, then 200

let pulso: TestPulso
let dataDir: string
let configPath: string
const NOW = new Date('2026-03-04T12:00:00Z') // Wednesday of ISO week 2026-W10

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk) => (body += chunk))
    req.on('end', () => {
      if (req.url === '/flaky' && failuresLeft-- > 0) {
        res.writeHead(500).end('try later')
        return
      }
      received.push({ path: req.url ?? '', body: JSON.parse(body) })
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  configPath = path.join(mkdtempSync(path.join(tmpdir(), 'pulso-alerts-')), 'pulso.config.yaml')
  writeFileSync(
    configPath,
    stringify({
      goals: { acme: [{ id: 'escalation', kpi: 'escalation_rate', target: 0.1, period: 'week', owner: 'ops@acme.test' }] },
      alerts: {
        dashboard_url: 'https://pulso.acme.test',
        webhooks: [
          { url: `${base}/slack`, tenant: 'acme' },
          { url: `${base}/flaky`, tenant: 'acme' },
        ],
      },
    }),
  )
  dataDir = mkdtempSync(path.join(tmpdir(), 'pulso-alerts-data-'))
  pulso = await openTestPulso({ PULSO_CONFIG: configPath }, dataDir)
  // 4 conversations on Tuesday 2026-03-03, 2 escalated → 0.5 > 0.1 + 10%: off track
  const events = ['a', 'b', 'c', 'd'].flatMap((id, i) => [
    event({ conversation_id: id, event_id: `${id}-1`, occurred_at: '2026-03-03T10:00:00Z' }),
    ...(i < 2
      ? [
          event({
            conversation_id: id,
            event_id: `${id}-2`,
            type: 'handoff',
            occurred_at: '2026-03-03T10:01:00Z',
            reason: 'policy',
            context: { transcript: true, customer_profile: true, intent: 'x' },
          }),
        ]
      : []),
  ])
  expect((await postEvents(pulso, TEST_KEYS.acmeIngest, ndjson(events))).status).toBe(200)
})

afterAll(async () => {
  await pulso?.cleanup()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  // the data folder was given to openTestPulso, which then leaves it: both folders are this file's
  rmSync(dataDir, { recursive: true, force: true })
  rmSync(path.dirname(configPath), { recursive: true, force: true })
})

describe('alerts', () => {
  it('a goal off track is posted once as Slack-compatible JSON with a link into the dashboard', async () => {
    const first = await runAlerts(pulso.warehouse, pulso.config, { now: NOW })
    // 1 alert × 2 webhooks: /slack accepts, /flaky fails once
    expect([first.alerts, first.sent, first.duplicates, first.failed.length]).toEqual([1, 1, 0, 1])
    expect(received.map((r) => r.path)).toEqual(['/slack'])
    const message = received[0]!.body
    expect(message.text).toContain('goal “escalation” is off track')
    expect(message.text).toContain('https://pulso.acme.test/goals?tenant=acme&goal=escalation')
    expect(message.blocks[0]!.text!.text).toContain('escalation_rate (all conversations) is 50.0% for the week of 2026-03-02; target ≤ 10.0%')
    expect(message.blocks[1]!.elements![0]!.url).toBe('https://pulso.acme.test/goals?tenant=acme&goal=escalation')
  })

  it('the next run sends nothing twice and retries only the failed delivery', async () => {
    const second = await runAlerts(pulso.warehouse, pulso.config, { now: NOW })
    expect([second.alerts, second.sent, second.duplicates, second.failed.length]).toEqual([1, 1, 1, 0])
    expect(received.map((r) => r.path)).toEqual(['/slack', '/flaky'])
    const third = await runAlerts(pulso.warehouse, pulso.config, { now: NOW })
    expect([third.sent, third.duplicates]).toEqual([0, 2])
    expect(received).toHaveLength(2)
  })

  it('the dedup memory survives a restart on the same data folder', async () => {
    await pulso.close()
    pulso = await openTestPulso({ PULSO_CONFIG: configPath }, dataDir)
    const afterRestart = await runAlerts(pulso.warehouse, pulso.config, { now: NOW })
    expect([afterRestart.sent, afterRestart.duplicates]).toEqual([0, 2])
    expect(received).toHaveLength(2)
  })

  it('a new period off track is a new alert', async () => {
    // the next week has no conversations yet: no data, no alert
    const nextWeek = await runAlerts(pulso.warehouse, pulso.config, { now: new Date('2026-03-10T12:00:00Z') })
    expect(nextWeek.alerts).toBe(0)
    await postEvents(
      pulso,
      TEST_KEYS.acmeIngest,
      ndjson([
        event({ conversation_id: 'e', event_id: 'e-1', occurred_at: '2026-03-10T10:00:00Z' }),
        event({
          conversation_id: 'e',
          event_id: 'e-2',
          type: 'handoff',
          occurred_at: '2026-03-10T10:01:00Z',
          reason: 'policy',
          context: { transcript: true, customer_profile: true, intent: 'x' },
        }),
      ]),
    )
    const offAgain = await runAlerts(pulso.warehouse, pulso.config, { now: new Date('2026-03-10T12:00:00Z') })
    expect([offAgain.alerts, offAgain.sent]).toEqual([1, 2])
    expect(received.slice(2).map((r) => [r.path, r.body.blocks[0]!.text!.text.includes('is 100.0% for the week of 2026-03-09')])).toEqual([
      ['/slack', true],
      ['/flaky', true],
    ])
  })

  it('the server schedule runs the same job: sends the new alert once', async () => {
    // an escalated conversation now (real clock): the goal is off track for the current week
    const now = new Date().toISOString()
    await postEvents(
      pulso,
      TEST_KEYS.acmeIngest,
      ndjson([
        event({ conversation_id: 'now', event_id: 'now-1', occurred_at: now }),
        event({
          conversation_id: 'now',
          event_id: 'now-2',
          type: 'handoff',
          occurred_at: now,
          reason: 'policy',
          context: { transcript: true, customer_profile: true, intent: 'x' },
        }),
      ]),
    )
    const scheduler = startAlertScheduler(pulso.warehouse, pulso.config)!
    try {
      await scheduler.runNow()
      await scheduler.runNow()
    } finally {
      scheduler.stop()
    }
    expect(received.slice(4).map((r) => r.path)).toEqual(['/slack', '/flaky'])
  })

  it('a regression alert names the KPI, segment, change, p-value and release, and links to it', () => {
    const alert = regressionAlert(
      tenantSettings(pulso.config, 'acme'),
      {
        kpi: 'escalation_rate',
        segment: { by: 'use_case', value: 'returns' },
        worse_when: 'higher',
        test: 'two_proportion_z',
        baseline: { kind: 'trailing_weeks', from: '2026-02-15', to: '2026-03-14', value: 0.12, samples: 600 },
        current: { from: '2026-03-15', to: '2026-03-21', value: 0.33, samples: 150 },
        effect: { absolute: 0.21, relative: 1.75 },
        p_value: 1e-9,
        p_adjusted: 2e-8,
        first_seen: '2026-03-20',
        last_seen: '2026-03-31',
        days_flagged: 12,
        active: true,
        release: { bot_version: 'v1.5.0', first_seen_at: '2026-03-18 00:01:00.000' },
      },
      'https://pulso.acme.test/',
    )
    expect(alert.key).toBe('regression:escalation_rate:use_case=returns:v1.5.0')
    expect(alert.message.text).toBe(
      'Pulso · acme: escalation_rate regressed on use_case=returns after release v1.5.0 — https://pulso.acme.test/regressions?tenant=acme&kpi=escalation_rate&by=use_case&value=returns',
    )
    expect((alert.message.blocks[0] as { text: { text: string } }).text.text).toContain(
      'went from 12.0% (trailing weeks, n=600) to 33.0% (2026-03-15…2026-03-21, n=150); p = 2.0e-8 (BH). First seen 2026-03-20 after release v1.5.0.',
    )
  })
})
