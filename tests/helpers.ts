// Test helpers: a real Pulso runtime on embedded chDB in a fresh temporary data folder.
// chDB allows one data folder per process; vitest runs each test file in its own process,
// so open one runtime per test file (in beforeAll) and close it in afterAll.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createApp } from '../api/app.ts'
import { loadConfig, type PulsoConfig } from '../config/config.ts'
import { validateEvent } from '../ingest/contract/validate.ts'
import { eventToRow } from '../ingest/event-row.ts'
import { openRuntime, type Runtime } from '../runtime/runtime.ts'
import type { EventRow } from '../warehouse/event-columns.ts'

export const TEST_KEYS = {
  acmeIngest: 'acme-ingest-key-1',
  acmeRead: 'acme-read-key-12',
  acmeAdmin: 'acme-admin-key-1',
  globexIngest: 'globex-ingest-k1',
  globexRead: 'globex-read-key1',
}

/** PULSO_API_KEYS for two tenants, acme and globex. */
export const TEST_API_KEYS = [
  `acme:ingest:${TEST_KEYS.acmeIngest}`,
  `acme:read:${TEST_KEYS.acmeRead}`,
  `acme:admin:${TEST_KEYS.acmeAdmin}`,
  `globex:ingest:${TEST_KEYS.globexIngest}`,
  `globex:read:${TEST_KEYS.globexRead}`,
].join(',')

export type TestPulso = Runtime & { dataDir: string; app: ReturnType<typeof createApp>; config: PulsoConfig; cleanup(): Promise<void> }

export function makeTestConfig(env: Record<string, string> = {}, dataDir?: string): PulsoConfig {
  const dir = dataDir ?? mkdtempSync(path.join(tmpdir(), 'pulso-test-'))
  return loadConfig({ PULSO_DATA_DIR: dir, PULSO_DEMO: '0', PULSO_API_KEYS: TEST_API_KEYS, PULSO_HASH_KEY: 'test-hash-key', NODE_ENV: 'test', ...env })
}

export async function openTestPulso(env: Record<string, string> = {}, dataDir?: string): Promise<TestPulso> {
  const config = makeTestConfig(env, dataDir)
  const runtime = await openRuntime(config)
  const app = createApp({ config, warehouse: runtime.warehouse, intake: runtime.intake, bulkLoads: runtime.bulkLoads })
  return {
    ...runtime,
    config,
    dataDir: config.dataDir,
    app,
    cleanup: async () => {
      await runtime.close()
      if (!dataDir) rmSync(config.dataDir, { recursive: true, force: true })
    },
  }
}

/** A v1 event with sensible defaults for tests. */
export function event(fields: Record<string, unknown>): Record<string, unknown> {
  return { tenant_id: 'acme', conversation_id: 'c1', occurred_at: '2024-03-01T10:00:00Z', type: 'message', sender: 'customer', ...fields }
}

/**
 * A test event (defaults from event()) validated and mapped to a row of the events table, as an
 * intake stores it, with text kept and customer ids as they are. For tests that insert rows directly.
 */
export function eventRow(fields: Record<string, unknown>, source = 'test'): EventRow {
  const validation = validateEvent(event(fields))
  if (!validation.ok) throw new Error(validation.reason)
  return eventToRow(validation.event, validation.extra, { pseudonymize: (id) => id, storeText: true, source, receivedAt: '2024-03-01 10:00:01.000' })
}

export function ndjson(events: object[]): string {
  return events.map((e) => JSON.stringify(e)).join('\n')
}

export async function postEvents(pulso: TestPulso, key: string, body: string, contentType = 'application/x-ndjson') {
  const response = await pulso.app.request('/v1/events', { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': contentType }, body })
  return { status: response.status, body: (await response.json()) as any }
}

export async function getKpis(pulso: TestPulso, key: string, query: string) {
  const response = await pulso.app.request(`/v1/kpis?${query}`, { headers: { authorization: `Bearer ${key}` } })
  return { status: response.status, body: (await response.json()) as any }
}

/** GET `url` with a bearer key (acme's read key unless told), answering the status and the JSON body. */
export async function getJson(pulso: TestPulso, url: string, key: string = TEST_KEYS.acmeRead) {
  const response = await pulso.app.request(url, { headers: { authorization: `Bearer ${key}` } })
  return { status: response.status, body: (await response.json()) as any }
}

/** Writes `yaml` as pulso.config.yaml in a new temporary folder and answers its path, for PULSO_CONFIG. */
export function writeTestConfig(yaml: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'pulso-config-')), 'pulso.config.yaml')
  writeFileSync(file, yaml)
  return file
}
