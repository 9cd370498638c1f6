// Embedded ClickHouse (chDB) served over ClickHouse's HTTP interface, in a process of its own, for
// bench:ingest. There is no ClickHouse server on the benchmark machine, and a worker with embedded
// chDB carries the engine in its own memory; pointed at this endpoint with CLICKHOUSE_URL, a worker
// runs as in the scale-out stack (docker-compose.yml): it loads no chDB and talks HTTP through
// @clickhouse/client, so its own RSS can be measured apart from the database's.
//
// Only what the HTTP interface needs for a worker is served: GET /ping, and POST with the
// statement in `query` or in the body, bound parameters as `param_*`, settings as the other URL
// parameters, and insert data in the body (stored with INSERT … FROM INFILE, as a server would
// parse it). Not a product surface: Pulso's own server path is tested in warehouse/ tests.
//
// usage: node --import tsx scripts/kafka/clickhouse-over-http.ts DATA_DIR   (prints `listening PORT`)
import { once } from 'node:events'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import path from 'node:path'
import { Session } from 'chdb'
import { sqlString } from '../../warehouse/sql-literals.ts'

// URL parameters of the HTTP interface that are not settings
const NOT_SETTINGS = new Set([
  'query',
  'database',
  'default_format',
  'query_id',
  'session_id',
  'session_timeout',
  'session_check',
  'enable_http_compression',
  'wait_end_of_query',
  'compress',
  'decompress',
])

export function serveClickHouseOverHttp(dataDir: string): Promise<{ port: number; close(): void }> {
  mkdirSync(path.join(dataDir, 'scratch'), { recursive: true })
  const session = new Session(path.join(dataDir, 'clickhouse'))
  let files = 0
  // chDB runs one statement at a time per session; requests queue here in arrival order
  let queue: Promise<unknown> = Promise.resolve()

  async function answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://clickhouse')
    if (url.pathname === '/ping') return void response.end('Ok.\n')
    const chunks: Buffer[] = []
    for await (const chunk of request) chunks.push(chunk as Buffer)
    const body = Buffer.concat(chunks)
    const inUrl = url.searchParams.get('query')
    let statement = inUrl ?? body.toString('utf8')
    const data = inUrl !== null && body.length > 0 ? body : undefined
    const params: Record<string, string> = {}
    const settings: string[] = []
    for (const [key, value] of url.searchParams) {
      if (key.startsWith('param_')) params[key.slice('param_'.length)] = value
      else if (!NOT_SETTINGS.has(key)) settings.push(`${key} = ${sqlString(value)}`)
    }
    const format = url.searchParams.get('default_format') ?? 'TabSeparated'
    const run = async () => {
      let file: string | undefined
      if (data) {
        file = path.join(dataDir, 'scratch', `insert-${++files}`)
        writeFileSync(file, data)
        const withFormat = /\s+FORMAT\s+(\w+)\s*$/i.exec(statement)
        if (!withFormat) throw new Error(`an insert with data must end with FORMAT <name>: ${statement.slice(0, 200)}`)
        statement = `${statement.slice(0, withFormat.index)} FROM INFILE '${file}' FORMAT ${withFormat[1]}`
      }
      try {
        // settings stick to chDB's one session, as they do in embedded mode (warehouse/client.ts)
        if (settings.length) await session.queryAsync(`SET ${settings.join(', ')}`)
        const result = Object.keys(params).length
          ? await session.queryBindAsync(statement, params, { format })
          : await session.queryAsync(statement, { format })
        return result.bytes()
      } finally {
        if (file) rmSync(file, { force: true })
      }
    }
    const done = queue.then(run, run)
    queue = done.catch(() => undefined)
    try {
      const bytes = await done
      response.writeHead(200, { 'content-type': 'text/plain; charset=UTF-8', 'x-clickhouse-summary': '{}' }).end(bytes)
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      response.writeHead(500, { 'content-type': 'text/plain; charset=UTF-8', 'x-clickhouse-exception-code': /Code: (\d+)/.exec(message)?.[1] ?? '1000' })
      response.end(message.startsWith('Code:') ? message : `Code: 1000. DB::Exception: ${message}`)
    }
  }

  // Bound parameters travel in the URL; ClickHouse reads URLs up to 1 MiB (http_max_uri_size), Node's
  // server only 16 KiB of headers: a refresh of a block's facts names thousands of conversations.
  const server = createServer({ maxHeaderSize: 1 << 20 }, (request, response) => void answer(request, response))
  server.listen(0, '127.0.0.1')
  return once(server, 'listening').then(() => ({
    port: (server.address() as { port: number }).port,
    close: () => {
      server.close()
      session.cleanup()
    },
  }))
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dataDir = process.argv[2]
  if (!dataDir) throw new Error('usage: clickhouse-over-http.ts DATA_DIR')
  const { port, close } = await serveClickHouseOverHttp(dataDir)
  console.log(`listening ${port}`)
  process.once('SIGTERM', () => {
    close()
    process.exit(0)
  })
}
