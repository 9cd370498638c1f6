// bench:scale's Pulso, driven only through its public interfaces: the `pulso` CLI (ingest, start)
// as separate processes on a temporary data folder, and the HTTP API with read keys.
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { createReadStream, createWriteStream, existsSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const PULSO_BIN = path.join(REPO_ROOT, 'bin/pulso.js')

export type PulsoEnv = Record<string, string>

/** A process's memory from /proc/PID/status, MB (0 once it is gone). */
export function memoryMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    return Math.round(Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) / 1024)
  } catch {
    return 0
  }
}

export async function freePort(): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  server.close()
  await once(server, 'close')
  return port
}

/** Children still running, so an interrupted bench can stop them. */
export const children = new Set<ChildProcess>()

export type IngestResult = { ms: number; accepted: number; duplicates: number; rejected: number; peakRssMb: number; output: string }

/** `pulso ingest FILE [--batch N]` in its own process; progress every 30 s; its peak RSS sampled from /proc. */
export async function pulsoIngest(file: string, batch: number | undefined, env: PulsoEnv, log: (m: string) => void): Promise<IngestResult> {
  const started = performance.now()
  const child = spawn(process.execPath, [PULSO_BIN, 'ingest', file, ...(batch ? ['--batch', String(batch)] : [])], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.add(child)
  let output = ''
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()))
  let stderr = ''
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-20_000)))
  let peakRssMb = 0
  const sampler = setInterval(() => (peakRssMb = Math.max(peakRssMb, memoryMb(child.pid!, 'VmHWM'))), 500)
  const progress = setInterval(() => log(`  pulso ingest: ${((performance.now() - started) / 1000).toFixed(0)} s, ${peakRssMb} MB peak RSS so far`), 30_000)
  const [code] = (await once(child, 'exit')) as [number | null]
  clearInterval(sampler)
  clearInterval(progress)
  children.delete(child)
  const ms = performance.now() - started
  const summary = /(\d+) accepted, (\d+) duplicates, (\d+) rejected/.exec(output)
  if (!summary || (code !== 0 && code !== 2)) throw new Error(`pulso ingest failed (exit ${code}):\n${output}\n${stderr.slice(-4000)}`)
  return { ms, accepted: Number(summary[1]), duplicates: Number(summary[2]), rejected: Number(summary[3]), peakRssMb, output }
}

export type RunningPulso = {
  url: string
  pid: number
  startMs: number
  stop(): Promise<void>
  logFile: string /** How the server ended, when it has (a crash shows here and in its log). */
  ended(): string | undefined
}

/** `pulso start` on `port`; start-up time is from spawn until GET /healthz answers 200. */
export async function startPulso(port: number, env: PulsoEnv, logFile: string, log: (m: string) => void): Promise<RunningPulso> {
  const url = `http://127.0.0.1:${port}`
  const logStream = createWriteStream(logFile, { flags: 'a' })
  const started = performance.now()
  const child = spawn(process.execPath, [PULSO_BIN, 'start'], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.add(child)
  child.stdout!.pipe(logStream)
  child.stderr!.pipe(logStream)
  let exited: number | null | undefined
  let ending: string | undefined
  child.once('exit', (code, signal) => {
    exited = code
    ending = `pulso start ended (exit code ${code}, signal ${signal}); its log: ${logFile}`
  })
  let lastLog = started
  for (;;) {
    if (exited !== undefined)
      throw new Error(
        `pulso start exited (code ${exited}) before /healthz answered; its log: ${logFile}\n${existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-3000) : ''}`,
      )
    try {
      const response = await fetch(`${url}/healthz`)
      if (response.status === 200) {
        await response.text()
        break
      }
    } catch {
      // not listening yet
    }
    if (performance.now() - lastLog > 30_000) {
      lastLog = performance.now()
      log(`  pulso start: ${((lastLog - started) / 1000).toFixed(0)} s, /healthz not answering yet (${memoryMb(child.pid!, 'VmRSS')} MB RSS)`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  const startMs = performance.now() - started
  return {
    url,
    pid: child.pid!,
    startMs,
    logFile,
    ended: () => (ending === undefined ? undefined : `${ending}\n${readFileSync(logFile, 'utf8').slice(-2000)}`),
    stop: async () => {
      if (exited !== undefined) return
      const exit = once(child, 'exit')
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
      await exit
      clearTimeout(timer)
      children.delete(child)
    },
  }
}

export type Timed<T> = { ms: number; body: T }

/** GET (or POST) an API path with a key; any status but 200 is an error naming it. */
export async function api<T = unknown>(url: string, key: string, pathAndQuery: string, body?: unknown): Promise<Timed<T>> {
  const started = performance.now()
  let response: Response
  try {
    response = await fetch(`${url}${pathAndQuery}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  } catch (error) {
    // fetch says only "fetch failed"; the cause says whether the server refused, reset or vanished
    const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause
    throw new Error(`${pathAndQuery}: ${(error as Error).message} (${cause?.code ?? cause?.message ?? 'no cause'})`)
  }
  const text = await response.text()
  if (response.status !== 200) throw new Error(`${pathAndQuery} answered ${response.status}: ${text.slice(0, 2000)}`)
  const parsed = JSON.parse(text) as T
  return { ms: performance.now() - started, body: parsed }
}

export type BulkResult = { ms: number; lines: number; accepted: number; duplicates: number; rejected: number }

/**
 * POST /v1/events/bulk with `file` as the body, sent by curl as a user would (`curl -T` streams
 * the file; `--data-binary @file` would read it into memory first). Answers the load's summary and
 * how long it took.
 */
export async function postBulk(url: string, key: string, file: string): Promise<BulkResult> {
  const started = performance.now()
  const curl = spawn(
    'curl',
    [
      '-sS',
      '-X',
      'POST',
      '-T',
      file,
      '-H',
      `Authorization: Bearer ${key}`,
      '-H',
      'Content-Type: application/x-ndjson',
      '-w',
      '\n%{http_code}',
      `${url}/v1/events/bulk`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  children.add(curl)
  let output = ''
  let errors = ''
  curl.stdout!.on('data', (d: Buffer) => (output += d.toString()))
  curl.stderr!.on('data', (d: Buffer) => (errors += d.toString()))
  const [code] = (await once(curl, 'exit')) as [number | null]
  children.delete(curl)
  const status = output.slice(output.lastIndexOf('\n') + 1)
  const text = output.slice(0, output.lastIndexOf('\n'))
  if (code !== 0 || status !== '200') throw new Error(`POST /v1/events/bulk of ${file}: curl exit ${code}, HTTP ${status}: ${(text || errors).slice(0, 2000)}`)
  const summary = JSON.parse(text) as Omit<BulkResult, 'ms'>
  return { ms: performance.now() - started, lines: summary.lines, accepted: summary.accepted, duplicates: summary.duplicates, rejected: summary.rejected }
}

/**
 * The file's lines split into one file per tenant in `dir` (an ingest key belongs to one tenant,
 * so each tenant's lines go to the bulk intake with its own key). Answers each tenant's file.
 */
export async function splitByTenant(file: string, tenants: string[], dir: string): Promise<Map<string, string>> {
  const files = new Map(tenants.map((tenant) => [tenant, path.join(dir, `${tenant}.ndjson`)]))
  const outputs = new Map(tenants.map((tenant) => [tenant, createWriteStream(files.get(tenant)!, { highWaterMark: 4 << 20 })]))
  const lines = createInterface({ input: createReadStream(file, { highWaterMark: 4 << 20 }), crlfDelay: Number.POSITIVE_INFINITY })
  for await (const line of lines) {
    const tenant = /"tenant_id":"([^"]*)"/.exec(line)?.[1]
    const output = tenant === undefined ? undefined : outputs.get(tenant)
    if (!output) throw new Error(`a line of no known tenant in ${file}: ${line.slice(0, 200)}`)
    if (!output.write(`${line}\n`)) await once(output, 'drain')
  }
  await Promise.all([...outputs.values()].map((output) => new Promise((resolve) => output.end(resolve))))
  return files
}
