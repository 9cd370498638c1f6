// There is no Docker engine here, so docker-compose.yml is checked by reading it: images pinned,
// health checks and volumes in place, and every Pulso service's command and variables exist in
// the code — the command answers --help, the variables are read by config/config.ts, and
// loadConfig() on the service's environment points at the stack's own Kafka and ClickHouse.
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { loadConfig } from '../config/config.ts'
import { REPO_ROOT } from './kafka/broker.ts'
import { runPulso } from '../tests/run-pulso.ts'

type Service = {
  image?: string
  build?: unknown
  command?: string[]
  environment?: Record<string, string | number>
  depends_on?: Record<string, { condition: string }>
  healthcheck?: { test: string[] }
  volumes?: string[]
  ports?: string[]
}
const compose = parse(readFileSync(path.join(REPO_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> }
const services = Object.entries(compose.services)
const pulsoServices = services.filter(([, s]) => s.build !== undefined)

/** What compose would substitute: ${X:-default} → default, ${X:?message} → a test value, ${X} → ''. */
function substitute(value: string | number): string {
  return String(value).replace(/\$\{([A-Z_]+)(?::?([-?])([^}]*))?\}/g, (_m, name: string, kind?: string, rest?: string) => (kind === '-' ? (rest ?? '') : kind === '?' ? `test-${name.toLowerCase()}` : ''))
}
const env = (s: Service) => Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, substitute(v)]))

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [path.join(dir, e.name)] : []))
}
const configSource = sourceFiles(path.join(REPO_ROOT, 'config')).map((f) => readFileSync(f, 'utf8')).join('\n')

describe('docker-compose.yml', () => {
  it('has Kafka, ClickHouse, workers and the API', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'clickhouse', 'kafka', 'worker'])
  })

  it.each(services)('%s: pinned image, health check, declared volumes, healthy dependencies', (_name, service) => {
    expect(service.image).toMatch(/^[\w./-]+:[\w.-]*\d[\w.-]*$/)
    expect(service.image).not.toMatch(/:latest$/)
    // the image built from this repository is tagged with Pulso's version
    if (service.build !== undefined) expect(service.image).toBe(`pulso:${JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).version}`)
    expect(service.healthcheck?.test.length).toBeGreaterThan(0)
    for (const volume of service.volumes ?? []) expect(Object.keys(compose.volumes)).toContain(volume.split(':')[0])
    for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
      expect(Object.keys(compose.services)).toContain(dependency)
      expect(condition).toBe('service_healthy')
    }
  })

  it('the Pulso image runs bin/pulso.js', () => {
    const dockerfile = readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8')
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "bin\/pulso\.js"\]$/m)
    expect(dockerfile).toMatch(/^FROM node:20\.\d+\.\d+-[\w-]+$/m)
    // the install's postinstall applies patches/ (patch-package), so they must be there first
    const install = dockerfile.search(/^RUN npm install/m)
    expect(dockerfile.search(/^COPY patches \.\/patches$/m)).toBeGreaterThan(-1)
    expect(dockerfile.search(/^COPY patches \.\/patches$/m)).toBeLessThan(install)
  })

  it.each(pulsoServices)('%s: its command exists in the CLI', async (_name, service) => {
    const run = await runPulso([...service.command!, '--help'], { cwd: REPO_ROOT, env: { PATH: process.env.PATH, PULSO_DEMO: '0' } })
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toContain(`Usage: pulso ${service.command!.join(' ')}`)
  })

  it.each(pulsoServices)('%s: every variable is read by config/config.ts', (_name, service) => {
    // NODE_OPTIONS is read by Node itself
    for (const name of Object.keys(service.environment ?? {}).filter((n) => n !== 'NODE_OPTIONS')) expect(configSource, `${name} is not read anywhere in config/`).toMatch(new RegExp(`\\b${name}\\b`))
  })

  it.each(pulsoServices)("%s: its environment points Pulso at the stack's Kafka and ClickHouse", (_name, service) => {
    const config = loadConfig(env(service))
    const clickhouse = env(compose.services.clickhouse!)
    const url = new URL(config.clickhouse!.url)
    expect(url.hostname).toBe('clickhouse')
    expect(url.port).toBe('8123')
    expect(config.clickhouse!.username).toBe(clickhouse.CLICKHOUSE_USER)
    expect(config.clickhouse!.password).toBe(clickhouse.CLICKHOUSE_PASSWORD)
    const advertised = env(compose.services.kafka!).KAFKA_ADVERTISED_LISTENERS!.replace('PLAINTEXT://', '')
    expect(config.kafka!.brokers).toEqual([advertised])
    // the health check asks the port the service listens on
    const probed = /127\.0\.0\.1:(\d+)\//.exec(service.healthcheck!.test.join(' '))?.[1]
    expect(Number(probed)).toBe(service.command![0] === 'start' ? config.port : config.kafka!.metricsPort)
  })

  it('the API publishes HTTP events to Kafka and is reachable on its port', () => {
    const api = compose.services.api!
    const config = loadConfig(env(api))
    expect(config.kafka!.httpToKafka).toBe(true)
    expect(api.ports!.map((p) => substitute(p).split(':').at(-1))).toContain(String(config.port))
  })
})
