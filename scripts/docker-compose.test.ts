// There is no Docker engine here, so docker-compose.yml is checked by reading it as an operator
// would: images pinned, health checks and volumes in place, every Pulso service's command and
// variables exist in the code (the command answers --help, the variables are read by
// config/config.ts, and loadConfig() on the service's environment points at the stack's own Kafka
// and ClickHouse), and it is safe to start in production: no secret has a default, the demo is
// off, the API replicas share one port, health checks fail when the service does, every service
// has CPU and memory limits, and Kafka is reachable from the host.
import { spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { loadConfig } from '../config/config.ts'
import { runPulso } from '../tests/run-pulso.ts'
import { REPO_ROOT } from './kafka/broker.ts'

type Service = {
  image?: string
  build?: unknown
  command?: string[]
  environment?: Record<string, string | number>
  depends_on?: Record<string, { condition: string }>
  healthcheck?: { test: string[] }
  volumes?: string[]
  ports?: string[]
  configs?: { source: string; target: string }[]
  deploy?: { replicas?: string | number; resources?: { limits?: { cpus?: string; memory?: string } } }
}
type Compose = { services: Record<string, Service>; volumes: Record<string, unknown>; configs?: Record<string, { file: string }> }
const compose = parse(readFileSync(path.join(REPO_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as Compose
const services = Object.entries(compose.services)
const pulsoServices = services.filter(([, s]) => s.build !== undefined)

/** What an operator puts in .env: the secrets the stack requires, and nothing else. */
const OPERATOR_ENV: Record<string, string> = {
  CLICKHOUSE_PASSWORD: 'operator-clickhouse-password',
  PULSO_HASH_KEY: 'operator-hash-key',
  PULSO_API_KEYS: 'acme:ingest:acme-ingest-key-1,acme:read:acme-read-key-1',
}

/**
 * Compose's interpolation of one value: ${X}, ${X:-default} / ${X-default}, and ${X:?message} /
 * ${X?message}, which stops compose with the message when X is unset (or, with the colon, empty).
 */
function interpolate(value: string | number, vars: Record<string, string>): string {
  return String(value).replace(
    /\$\{([A-Za-z_]\w*)(?:(:?)([-?])([^}]*))?\}/g,
    (_m, name: string, colon: string | undefined, kind: string | undefined, rest: string | undefined) => {
      const set = vars[name]
      const missing = set === undefined || (colon === ':' && set === '')
      if (kind === '-') return missing ? (rest ?? '') : set!
      if (kind === '?') {
        if (missing) throw new Error(`required variable ${name} is missing a value: ${rest}`)
        return set!
      }
      return set ?? ''
    },
  )
}

/** The whole file as compose interpolates it (values, not comments), or compose's error. */
function interpolateAll(node: unknown, vars: Record<string, string>): unknown {
  if (typeof node === 'string') return interpolate(node, vars)
  if (Array.isArray(node)) return node.map((n) => interpolateAll(n, vars))
  if (node && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, interpolateAll(v, vars)]))
  return node
}

const substitute = (value: string | number, vars: Record<string, string> = OPERATOR_ENV) => interpolate(value, vars)
const env = (s: Service, vars: Record<string, string> = OPERATOR_ENV) =>
  Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, substitute(v, vars)]))

/** Every ${…} reference in the file's values, with how it is written. */
function references(node: unknown): { name: string; form: string }[] {
  if (typeof node === 'string') return [...node.matchAll(/\$\{([A-Za-z_]\w*)(:?[-?])?[^}]*\}/g)].map((m) => ({ name: m[1]!, form: m[2] ?? '' }))
  if (Array.isArray(node)) return node.flatMap(references)
  if (node && typeof node === 'object') return Object.values(node).flatMap(references)
  return []
}

/** `name://host:port,…` (Kafka's listener lists) → name → { host, port }. */
function listeners(value: string): Map<string, { host: string; port: number }> {
  return new Map(
    value.split(',').map((entry) => {
      const m = /^(\w+):\/\/([^:]*):(\d+)$/.exec(entry.trim())
      if (!m) throw new Error(`not a listener: ${entry}`)
      return [m[1]!, { host: m[2]!, port: Number(m[3]) }]
    }),
  )
}

/** Compose's byte values (512m, 1g) in MiB. */
function mebibytes(value: string): number {
  const m = /^(\d+(?:\.\d+)?)([kmg])b?$/i.exec(value)
  if (!m) throw new Error(`not a byte value: ${value}`)
  return Number(m[1]) * { k: 1 / 1024, m: 1, g: 1024 }[m[2]!.toLowerCase() as 'k' | 'm' | 'g']
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [path.join(dir, e.name)] : [],
  )
}
const configSource = sourceFiles(path.join(REPO_ROOT, 'config'))
  .map((f) => readFileSync(f, 'utf8'))
  .join('\n')

describe('docker-compose.yml', () => {
  it('has Kafka, ClickHouse, workers, the API and the proxy in front of it', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'clickhouse', 'kafka', 'proxy', 'worker'])
  })

  it.each(services)('%s: pinned image, health check, declared volumes, healthy dependencies', (_name, service) => {
    expect(service.image).toMatch(/^[\w./-]+:[\w.-]*\d[\w.-]*$/)
    expect(service.image).not.toMatch(/:latest$/)
    // the image built from this repository is tagged with Pulso's version
    if (service.build !== undefined) expect(service.image).toBe(`pulso:${JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).version}`)
    expect(service.healthcheck?.test.length).toBeGreaterThan(0)
    for (const volume of service.volumes ?? []) expect(Object.keys(compose.volumes)).toContain(volume.split(':')[0])
    for (const { source } of service.configs ?? []) expect(existsSync(path.join(REPO_ROOT, compose.configs![source]!.file))).toBe(true)
    for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
      expect(Object.keys(compose.services)).toContain(dependency)
      expect(condition).toBe('service_healthy')
    }
  })

  it('the Pulso image runs bin/pulso.js', () => {
    const dockerfile = readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8')
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "bin\/pulso\.js"\]$/m)
    expect(dockerfile).toMatch(/^FROM node:20\.\d+\.\d+-[\w-]+$/m)
    // the code is bundled once, in the image, after the sources are copied: a container never builds at start
    const copySources = dockerfile.search(/^COPY \. \.$/m)
    expect(copySources).toBeGreaterThan(-1)
    expect(dockerfile.search(/^RUN npm run build( |$)/m)).toBeGreaterThan(copySources)
  })

  it.each(pulsoServices)('%s: its command exists in the CLI', async (_name, service) => {
    const run = await runPulso([...service.command!, '--help'], { cwd: REPO_ROOT, env: { PATH: process.env.PATH, PULSO_DEMO: '0' } })
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toContain(`Usage: pulso ${service.command!.join(' ')}`)
  })

  it.each(pulsoServices)('%s: every variable is read by config/config.ts', (_name, service) => {
    // NODE_OPTIONS is read by Node itself
    for (const name of Object.keys(service.environment ?? {}).filter((n) => n !== 'NODE_OPTIONS'))
      expect(configSource, `${name} is not read anywhere in config/`).toMatch(new RegExp(`\\b${name}\\b`))
  })

  it.each(pulsoServices)("%s: its environment points Pulso at the stack's Kafka and ClickHouse", (_name, service) => {
    const config = loadConfig(env(service))
    const clickhouse = env(compose.services.clickhouse!)
    const url = new URL(config.clickhouse!.url)
    expect(url.hostname).toBe('clickhouse')
    expect(url.port).toBe('8123')
    expect(config.clickhouse!.username).toBe(clickhouse.CLICKHOUSE_USER)
    expect(config.clickhouse!.password).toBe(clickhouse.CLICKHOUSE_PASSWORD)
    const internal = listeners(env(compose.services.kafka!).KAFKA_ADVERTISED_LISTENERS!).get('PLAINTEXT')!
    expect(config.kafka!.brokers).toEqual([`${internal.host}:${internal.port}`])
    // the health check asks the port the service listens on
    const probed = /127\.0\.0\.1:(\d+)\//.exec(service.healthcheck!.test.join(' '))?.[1]
    expect(Number(probed)).toBe(service.command![0] === 'start' ? config.port : config.kafka!.metricsPort)
  })

  it('the API publishes HTTP events to Kafka', () => {
    expect(loadConfig(env(compose.services.api!)).kafka!.httpToKafka).toBe(true)
  })
})

describe('docker-compose.yml is safe to start in production', () => {
  it('starts nothing without its secrets, and says which one is missing', () => {
    expect(() => interpolateAll(compose, OPERATOR_ENV)).not.toThrow()
    for (const secret of Object.keys(OPERATOR_ENV)) {
      const { [secret]: _left, ...without } = OPERATOR_ENV
      expect(() => interpolateAll(compose, without)).toThrow(new RegExp(`^required variable ${secret} is missing a value: set ${secret} to `))
      // an empty value is missing too
      expect(() => interpolateAll(compose, { ...without, [secret]: '' })).toThrow(new RegExp(`required variable ${secret}`))
    }
  })

  it('no password, key, secret or token has a default', () => {
    const secrets = references(compose).filter((r) => /PASSWORD|KEY|SECRET|TOKEN/.test(r.name))
    expect(new Set(secrets.map((r) => r.name))).toEqual(new Set(Object.keys(OPERATOR_ENV)))
    for (const { name, form } of secrets) expect(form, `${name} must be \${${name}:?message}`).toBe(':?')
  })

  it.each(pulsoServices)('%s: the demo tenant and its well-known keys are off unless PULSO_DEMO=1 is asked for', (_name, service) => {
    const config = loadConfig(env(service))
    expect(config.demo).toBe(false)
    expect(config.apiKeys.map((k) => k.key)).toEqual(['acme-ingest-key-1', 'acme-read-key-1'])
    expect([...config.tenants.keys()]).toEqual(['acme'])
    expect(loadConfig(env(service, { ...OPERATOR_ENV, PULSO_DEMO: '1' })).demo).toBe(true)
  })

  it('N API replicas behind one port: only the proxy publishes it, and it follows --scale api=N', () => {
    const api = compose.services.api!
    const proxy = compose.services.proxy!
    const apiConfig = loadConfig(env(api))
    // no fixed host port on the API, so that several replicas can run
    expect(api.ports).toBeUndefined()
    expect(Number(substitute(api.deploy!.replicas!))).toBeGreaterThanOrEqual(2)
    expect(proxy.ports!.map((p) => substitute(p))).toEqual(['8080:8080'])
    expect(substitute(proxy.ports![0]!, { ...OPERATOR_ENV, PULSO_API_PORT: '80' })).toBe('80:8080')
    // the only other published port is Kafka's, on the host's loopback
    for (const [name, service] of services.filter(([n]) => n !== 'proxy'))
      for (const port of service.ports ?? []) expect(substitute(port), name).toMatch(/^127\.0\.0\.1:/)

    const [mount] = proxy.configs!
    expect(mount!.target).toBe('/etc/nginx/conf.d/default.conf')
    const nginx = readFileSync(path.join(REPO_ROOT, compose.configs![mount!.source]!.file), 'utf8')
    // listens where the published port points
    expect(nginx).toMatch(new RegExp(`^\\s*listen ${proxy.ports![0]!.split(':').at(-1)};$`, 'm'))
    // every replica: the service name, asked again of Docker's DNS (resolve needs a zone and a resolver)
    const upstream = /upstream (\w+) \{([^}]*)\}/.exec(nginx)
    expect(upstream?.[2]).toMatch(new RegExp(`^\\s*server api:${apiConfig.port} resolve;$`, 'm'))
    expect(upstream?.[2]).toMatch(/^\s*zone \w+ \d+k;$/m)
    expect(nginx).toMatch(/^resolver 127\.0\.0\.11 valid=\d+s/m)
    expect(nginx).toMatch(new RegExp(`proxy_pass http://${upstream![1]};`))
    // the proxy lets through every body the API accepts, so the API's own 413 names the limit
    const bodyCap = /client_max_body_size (\d+)m;/.exec(nginx)?.[1]
    expect(Number(bodyCap) * 2 ** 20).toBeGreaterThan(apiConfig.maxBodyBytes)
    // and waits for a /v1/sql statement that runs to its time limit
    expect(Number(/proxy_read_timeout (\d+)s;/.exec(nginx)?.[1])).toBeGreaterThan(apiConfig.sqlLimits.maxExecutionSeconds)
  })

  describe('health checks fail when the service does', () => {
    let answer = 200
    const server = createServer((req, res) => res.writeHead(req.url === '/healthz' ? answer : 404).end())
    let port = 0
    beforeAll(async () => {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      port = (server.address() as AddressInfo).port
    })
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

    /** Runs a service's health check command, pointed at this test's server instead of the service. */
    function runCheck(test: string[]): Promise<number | null> {
      const [kind, ...command] = test
      expect(kind).toBe('CMD')
      const args = command.map((a) => a.replace(/127\.0\.0\.1:\d+\//, `127.0.0.1:${port}/`))
      return new Promise((resolve, reject) => {
        const child = spawn(args[0] === 'node' ? process.execPath : args[0]!, args.slice(1), { stdio: 'ignore' })
        child.once('error', reject)
        child.once('exit', (code) => resolve(code))
      })
    }

    it.each(['worker', 'api'])('%s: asks /healthz, healthy on 200, unhealthy on 503', async (name) => {
      const test = compose.services[name]!.healthcheck!.test
      expect(test.join(' ')).toMatch(/http:\/\/127\.0\.0\.1:\d+\/healthz/)
      answer = 200
      expect(await runCheck(test)).toBe(0)
      answer = 503
      expect(await runCheck(test)).not.toBe(0)
    })

    it("proxy: asks an API replica's /healthz through itself (the image's busybox wget exits 1 on an HTTP error)", () => {
      const proxy = compose.services.proxy!
      const listen = proxy.ports![0]!.split(':').at(-1)
      expect(proxy.healthcheck!.test).toEqual(['CMD', 'wget', '-q', '-O', '/dev/null', `http://127.0.0.1:${listen}/healthz`])
    })
  })

  it.each(services)('%s: has CPU and memory limits, and its heap fits in them', (name, service) => {
    const limits = service.deploy?.resources?.limits
    expect(Number(limits?.cpus), `${name}: deploy.resources.limits.cpus`).toBeGreaterThan(0)
    const memory = mebibytes(limits?.memory ?? '')
    expect(memory).toBeGreaterThanOrEqual(128)
    const environment = env(service)
    const nodeHeap = /--max-old-space-size=(\d+)/.exec(environment.NODE_OPTIONS ?? '')?.[1]
    const jvmHeap = /-Xmx(\d+[kmg])/i.exec(environment.KAFKA_HEAP_OPTS ?? '')?.[1]
    // a Node service's V8 heap, or Kafka's JVM heap, leaves room for the rest of the process
    if (service.build !== undefined) expect(Number(nodeHeap)).toBeLessThanOrEqual(memory / 2)
    if (name === 'kafka') expect(mebibytes(jvmHeap!)).toBeLessThanOrEqual(memory / 2)
  })

  it('Kafka is reachable from the host: an EXTERNAL listener advertised on localhost, published on loopback', () => {
    const kafka = compose.services.kafka!
    for (const hostPort of [undefined, '19094']) {
      const vars = hostPort ? { ...OPERATOR_ENV, PULSO_KAFKA_HOST_PORT: hostPort } : OPERATOR_ENV
      const environment = env(kafka, vars)
      const inside = listeners(environment.KAFKA_LISTENERS!).get('EXTERNAL')!
      const advertised = listeners(environment.KAFKA_ADVERTISED_LISTENERS!).get('EXTERNAL')!
      expect(environment.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP!.split(',')).toContain('EXTERNAL:PLAINTEXT')
      expect(advertised).toEqual({ host: 'localhost', port: Number(hostPort ?? 9094) })
      // published on the advertised port, to the listener's port, on the host's loopback only
      expect(kafka.ports!.map((p) => substitute(p, vars))).toContain(`127.0.0.1:${advertised.port}:${inside.port}`)
      // the stack's own services keep the PLAINTEXT listener
      expect(listeners(environment.KAFKA_ADVERTISED_LISTENERS!).get('PLAINTEXT')).toEqual({ host: 'kafka', port: 9092 })
    }
    // …and the documented command from the host points there
    const docs = readFileSync(path.join(REPO_ROOT, 'docs/kafka.md'), 'utf8')
    expect(docs).toContain('PULSO_KAFKA_BROKERS=localhost:9094 npx pulso produce')
    expect(loadConfig({ ...OPERATOR_ENV, PULSO_DEMO: '0', PULSO_KAFKA_BROKERS: 'localhost:9094' }).kafka!.brokers).toEqual(['localhost:9094'])
  })

  it("the workers' session timeout is the one docs/kafka.md measured, with a valid heartbeat", () => {
    const config = loadConfig(env(compose.services.worker!))
    expect(config.kafka!.heartbeatIntervalMs * 3).toBeLessThanOrEqual(config.kafka!.sessionTimeoutMs)
    expect(loadConfig({ ...OPERATOR_ENV, PULSO_DEMO: '0', PULSO_KAFKA_BROKERS: 'kafka:9092' }).kafka!.sessionTimeoutMs).toBe(config.kafka!.sessionTimeoutMs)
  })
})
