// Starts and stops a single-node Apache Kafka broker (KRaft, broker + controller in one JVM)
// from the Maven Central jars that scripts/kafka/fetch.sh puts in .cache/kafka/libs.
// Used by `npm test` (scripts/test.sh), the Kafka tests and `npm run bench:ingest`.
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const KAFKA_LIBS = path.join(REPO_ROOT, '.cache/kafka/libs')

export type BrokerOptions = {
  /** Folder for the broker's config, log and data; reused by a restart. */
  dir: string
  /** PLAINTEXT port for clients; a free one is picked when absent. */
  port?: number
  controllerPort?: number
  /** Keep the broker running after this Node process exits (scripts/test.sh). */
  detached?: boolean
  heapMb?: number
  startTimeoutMs?: number
}

export type RunningBroker = {
  /** host:port list for PULSO_KAFKA_BROKERS. */
  brokers: string[]
  port: number
  controllerPort: number
  dir: string
  pid: number
  /** SIGTERM (controlled shutdown), then SIGKILL after a grace period. */
  stop(): Promise<void>
}

export class BrokerStartError extends Error {
  override name = 'BrokerStartError'
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

function serverProperties(dir: string, port: number, controllerPort: number): string {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${path.join(dir, 'data')}`,
    'num.partitions=1',
    // One node: every internal topic has one replica; a few offsets partitions join groups faster.
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=4',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=true',
    'delete.topic.enable=true',
    '',
  ].join('\n')
}

const LOG4J = [
  'log4j.rootLogger=WARN, stdout',
  'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
  'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
  'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
  // The line the start-up waits for is logged at INFO by kafka.server.KafkaRaftServer.
  'log4j.logger.kafka.server.KafkaRaftServer=INFO',
  'log4j.logger.kafka.Kafka=INFO',
  '',
].join('\n')

function javaArgs(dir: string, heapMb: number): string[] {
  return [
    `-Xms${Math.min(256, heapMb)}m`,
    `-Xmx${heapMb}m`,
    '-XX:+UseG1GC',
    '-Djava.awt.headless=true',
    `-Dlog4j.configuration=file:${path.join(dir, 'log4j.properties')}`,
    '-cp',
    `${KAFKA_LIBS}/*`,
  ]
}

/**
 * A KRaft cluster id: 16 random bytes in URL-safe base64 (what `random-uuid` prints). One id in
 * 64 starts with '-', which StorageTool's argument parser reads as an option ("--cluster-id:
 * expected one argument"), so such ids are drawn again.
 */
export function newClusterId(random: () => Buffer = () => randomBytes(16)): string {
  for (;;) {
    const id = random().toString('base64url')
    if (!id.startsWith('-')) return id
  }
}

/** Starts a broker, formatting its storage on first use of `dir`, and waits until it serves. */
export async function startBroker(options: BrokerOptions): Promise<RunningBroker> {
  if (!existsSync(path.join(KAFKA_LIBS, '.complete'))) {
    throw new BrokerStartError(`the Kafka broker jars are missing in ${KAFKA_LIBS}: run bash scripts/kafka/fetch.sh (or scripts/setup.sh)`)
  }
  const dir = path.resolve(options.dir)
  mkdirSync(dir, { recursive: true })
  const settingsFile = path.join(dir, 'ports.json')
  const saved = existsSync(settingsFile) ? (JSON.parse(readFileSync(settingsFile, 'utf8')) as { port: number; controllerPort: number }) : undefined
  const port = options.port ?? saved?.port ?? (await freePort())
  const controllerPort = options.controllerPort ?? saved?.controllerPort ?? (await freePort())
  writeFileSync(settingsFile, JSON.stringify({ port, controllerPort }))
  const props = path.join(dir, 'server.properties')
  writeFileSync(props, serverProperties(dir, port, controllerPort))
  writeFileSync(path.join(dir, 'log4j.properties'), LOG4J)
  const heapMb = options.heapMb ?? 768

  if (!existsSync(path.join(dir, 'data', 'meta.properties'))) {
    const clusterId = newClusterId()
    const format = await runJava([...javaArgs(dir, 256), 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', props, '-g'])
    if (format.code !== 0) throw new BrokerStartError(`formatting the broker storage failed: ${format.output}`)
  }

  const logFile = path.join(dir, 'broker.log')
  const out = openSync(logFile, 'a')
  const startedAt = readLogSize(logFile)
  const child: ChildProcess = spawn('java', [...javaArgs(dir, heapMb), 'kafka.Kafka', props], {
    stdio: ['ignore', out, out],
    detached: options.detached ?? false,
  })
  closeSync(out)
  if (options.detached) child.unref()
  writeFileSync(path.join(dir, 'broker.pid'), String(child.pid))

  let exited: number | null = null
  child.once('exit', (code) => (exited = code ?? -1))
  const deadline = Date.now() + (options.startTimeoutMs ?? 90_000)
  while (true) {
    const log = readFileSync(logFile, 'utf8').slice(startedAt)
    if (/Kafka Server started|\[KafkaRaftServer nodeId=\d+\] Kafka Server started/.test(log)) break
    if (exited !== null) throw new BrokerStartError(`the Kafka broker exited with code ${exited} while starting; end of ${logFile}:\n${log.slice(-3000)}`)
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new BrokerStartError(`the Kafka broker did not start within ${options.startTimeoutMs ?? 90_000} ms; end of ${logFile}:\n${log.slice(-3000)}`)
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  const pid = child.pid!
  return {
    brokers: [`127.0.0.1:${port}`],
    port,
    controllerPort,
    dir,
    pid,
    stop: () => stopPid(pid, exited !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()))),
  }
}

/**
 * Runs a Java tool to its end without blocking this process's event loop (a JVM's start takes
 * seconds, many on a busy machine; the tests that start brokers talk to vitest meanwhile).
 */
function runJava(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('java', args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d))
    child.once('error', (error) => resolve({ code: null, output: error.message }))
    child.once('close', (code) => resolve({ code, output }))
  })
}

function readLogSize(file: string): number {
  return existsSync(file) ? readFileSync(file, 'utf8').length : 0
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Stops the broker whose pid is `pid`: SIGTERM, then SIGKILL after 30 s. */
export async function stopPid(pid: number, exited?: Promise<void>): Promise<void> {
  if (!alive(pid)) return
  process.kill(pid, 'SIGTERM')
  const gone =
    exited ??
    (async () => {
      while (alive(pid)) await new Promise((r) => setTimeout(r, 100))
    })()
  await Promise.race([gone, new Promise((r) => setTimeout(r, 30_000))])
  if (alive(pid)) process.kill(pid, 'SIGKILL')
}

/**
 * The brokers a benchmark uses: PULSO_KAFKA_BROKERS when set, otherwise a private broker started
 * in a temporary folder; `stop()` stops and removes the private one.
 */
export async function benchBrokers(log: (message: string) => void): Promise<{ brokers: string[]; stop(): Promise<void> }> {
  const given = process.env.PULSO_KAFKA_BROKERS?.split(',')
  if (given) return { brokers: given, stop: async () => undefined }
  const dir = mkdtempSync(path.join(tmpdir(), 'pulso-bench-kafka-'))
  log('starting a Kafka broker')
  const broker = await startBroker({ dir })
  return {
    brokers: broker.brokers,
    stop: async () => {
      await broker.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
