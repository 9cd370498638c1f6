// Configuration is read once and validated: bad values are refused with a message naming them.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadConfig, parseApiKeys } from './config.ts'

const dataDir = mkdtempSync(path.join(tmpdir(), 'pulso-config-'))
const base = { PULSO_DATA_DIR: dataDir, PULSO_DEMO: '0', PULSO_HASH_KEY: 'k' }

describe('configuration', () => {
  it('loads the example config file shipped in the repository', () => {
    const config = loadConfig({ ...base, PULSO_CONFIG: path.resolve(import.meta.dirname, '../pulso.config.example.yaml') })
    expect(config.tenants.get('acme')).toEqual({ id: 'acme', name: 'Acme Retail', timezone: 'America/Bogota', currency: 'COP', storeText: false })
    expect(config.apiKeys.filter((k) => k.tenant === 'acme').map((k) => k.role)).toEqual(['ingest', 'read', 'admin'])
    expect(config.whatsapp.tenants.get('acme')?.verifyToken).toBe('replace-me-verify-token')
    expect(config.chatwoot.tenants.has('acme')).toBe(true)
    expect(config.sso.tenants.get('acme')).toMatchObject({ clientId: 'pulso', allowedDomains: ['acme.example'], defaultRole: 'viewer', label: 'Acme login' })
  })

  it('has sane defaults', () => {
    const config = loadConfig(base)
    expect(config).toMatchObject({ database: 'pulso', port: 8080, demo: false, maxBodyBytes: 10 * 1024 * 1024 })
    expect(config.clickhouse).toBeUndefined()
    expect(config.kafka).toBeUndefined()
  })

  it("data teams' SQL: statements at once per tenant and in all, a line, and a cap that leaves libuv's threads to Pulso", () => {
    const config = loadConfig(base)
    expect(config.sqlConcurrency).toEqual({ perTenant: 2, queuedPerTenant: 4, total: 2 })
    expect(config.sqlLimits.maxThreads).toBe(1)
    expect(loadConfig({ ...base, PULSO_SQL_MAX_QUEUED_PER_TENANT: '0' }).sqlConcurrency.queuedPerTenant).toBe(0)
    // Each running statement holds one of libuv's 4 worker threads on embedded chDB; 2 stay with Pulso.
    expect(() => loadConfig({ ...base, PULSO_SQL_MAX_CONCURRENT: '3' })).toThrow(
      "PULSO_SQL_MAX_CONCURRENT (3) must leave 2 of libuv's 4 worker threads to the rest of Pulso: at most 2, or start Node with a larger UV_THREADPOOL_SIZE",
    )
    expect(loadConfig({ ...base, PULSO_SQL_MAX_CONCURRENT: '6', UV_THREADPOOL_SIZE: '8' }).sqlConcurrency.total).toBe(6)
    // A ClickHouse server runs the statements in its own threads.
    expect(loadConfig({ ...base, PULSO_SQL_MAX_CONCURRENT: '8', CLICKHOUSE_URL: 'http://clickhouse:8123' }).sqlConcurrency.total).toBe(8)
    expect(() => loadConfig({ ...base, PULSO_SQL_MAX_CONCURRENT_PER_TENANT: '0' })).toThrow(
      "PULSO_SQL_MAX_CONCURRENT_PER_TENANT must be a positive integer, got '0'",
    )
  })

  it('keeps a generated hashing key in the data folder, the same on the next start', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pulso-config-key-'))
    const first = loadConfig({ PULSO_DATA_DIR: dir, PULSO_DEMO: '0' }).hashKey
    expect(first).toMatch(/^[0-9a-f]{64}$/)
    expect(loadConfig({ PULSO_DATA_DIR: dir, PULSO_DEMO: '0' }).hashKey).toBe(first)
  })

  it('names the bad value', () => {
    expect(() => parseApiKeys('acme:reader:abcdefghij')).toThrow(/PULSO_API_KEYS entry 1 .*role/)
    expect(() => parseApiKeys('acme:read:short')).toThrow(/at least 8 characters/)
    expect(() => loadConfig({ ...base, PORT: 'eighty' })).toThrow("PORT must be a positive integer, got 'eighty'")
    expect(() => loadConfig({ ...base, PULSO_DATABASE: 'pulso; drop' })).toThrow(/PULSO_DATABASE must be an identifier/)
    expect(() => loadConfig({ ...base, PULSO_CONFIG: '/nonexistent.yaml' })).toThrow(/config file \/nonexistent.yaml does not exist/)
    const badTz = path.join(dataDir, 'bad.yaml')
    writeFileSync(badTz, 'tenants:\n  acme:\n    timezone: Mars/Olympus\n')
    expect(() => loadConfig({ ...base, PULSO_CONFIG: badTz })).toThrow("tenant acme: unknown time zone 'Mars/Olympus'")
    const badYaml = path.join(dataDir, 'broken.yaml')
    writeFileSync(badYaml, 'tenants: [\n')
    expect(() => loadConfig({ ...base, PULSO_CONFIG: badYaml })).toThrow(/is not valid YAML\/JSON/)
  })

  it("a Kafka worker's session timeout and heartbeat: the measured default, a third of it at most between heartbeats", () => {
    const kafka = (env: Record<string, string>) => loadConfig({ ...base, PULSO_KAFKA_BROKERS: 'kafka:9092', ...env }).kafka!
    expect(kafka({})).toMatchObject({ sessionTimeoutMs: 10_000, heartbeatIntervalMs: 3_000 })
    expect(kafka({ PULSO_KAFKA_SESSION_TIMEOUT_MS: '6000' })).toMatchObject({ sessionTimeoutMs: 6_000, heartbeatIntervalMs: 2_000 })
    expect(kafka({ PULSO_KAFKA_SESSION_TIMEOUT_MS: '45000', PULSO_KAFKA_HEARTBEAT_INTERVAL_MS: '5000' })).toMatchObject({
      sessionTimeoutMs: 45_000,
      heartbeatIntervalMs: 5_000,
    })
    expect(() => kafka({ PULSO_KAFKA_SESSION_TIMEOUT_MS: '6000', PULSO_KAFKA_HEARTBEAT_INTERVAL_MS: '3000' })).toThrow(
      'PULSO_KAFKA_HEARTBEAT_INTERVAL_MS (3000) must be at most a third of PULSO_KAFKA_SESSION_TIMEOUT_MS (6000)',
    )
  })

  it('keys of PULSO_API_KEYS make their tenants known with UTC and USD', () => {
    const config = loadConfig({ ...base, PULSO_API_KEYS: 'globex:read:globex-read-key' })
    expect(config.tenants.get('globex')).toMatchObject({ timezone: 'UTC', currency: 'USD' })
  })

  describe('single sign-on (sso)', () => {
    const withSso = (sso: unknown, env: Record<string, string> = {}) => {
      const file = path.join(dataDir, `sso-${Math.random().toString(36).slice(2)}.json`)
      writeFileSync(file, JSON.stringify({ sso }))
      return loadConfig({ ...base, PULSO_CONFIG: file, ...env })
    }
    const acme = { issuer: 'https://login.acme.example', client_id: 'pulso', allowed_domains: ['Acme.Example'] }

    it('takes the client secret from PULSO_SSO_<TENANT>_CLIENT_SECRET before the file, and defaults the role to viewer', () => {
      const config = withSso({ tenants: { 'acme-mx': { ...acme, client_secret: 'from-file' } } }, { PULSO_SSO_ACME_MX_CLIENT_SECRET: 'from-env' })
      expect(config.sso.tenants.get('acme-mx')).toMatchObject({
        clientSecret: 'from-env',
        defaultRole: 'viewer',
        allowedDomains: ['acme.example'],
        label: 'login.acme.example',
      })
    })

    it('names what is wrong: no secret, plain http to another machine, no domain, an unknown role', () => {
      expect(() => withSso({ tenants: { acme } })).toThrow('sso.tenants.acme: no client secret: set client_secret or PULSO_SSO_ACME_CLIENT_SECRET')
      expect(() => withSso({ tenants: { acme: { ...acme, client_secret: 's', issuer: 'http://login.acme.example' } } })).toThrow(
        'sso.tenants.acme.issuer: must be https (http only for localhost)',
      )
      expect(withSso({ tenants: { acme: { ...acme, client_secret: 's', issuer: 'http://127.0.0.1:9000' } } }).sso.tenants.has('acme')).toBe(true)
      expect(() => withSso({ tenants: { acme: { ...acme, client_secret: 's', allowed_domains: [] } } })).toThrow(
        'sso.tenants.acme.allowed_domains: name at least one email domain',
      )
      expect(() => withSso({ tenants: { acme: { ...acme, client_secret: 's', default_role: 'owner' } } })).toThrow(
        'sso.tenants.acme.default_role: expected one of viewer, editor, admin',
      )
    })
  })
})
