// The server path (CLICKHOUSE_URL) sends event rows over HTTP as TabSeparated. There is no
// ClickHouse server here, so the request is caught on its way out, and what it carries (the
// statement, its settings and the bytes) is handed to ClickHouse itself, embedded chDB, to store.
import { once } from 'node:events'
import { writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventRow, openTestPulso, type TestPulso } from '../tests/helpers.ts'
import { openWarehouse } from './client.ts'
import { insertEventRows } from './repositories/events.ts'

type CaughtRequest = { query: string; settings: URLSearchParams; body: Buffer }

let catcher: Server
let caught: CaughtRequest[] = []
let pulso: TestPulso

beforeAll(async () => {
  catcher = createServer(async (request, response) => {
    const chunks: Buffer[] = []
    for await (const chunk of request) chunks.push(chunk as Buffer)
    const url = new URL(request.url!, 'http://catcher')
    caught.push({ query: url.searchParams.get('query') ?? '', settings: url.searchParams, body: Buffer.concat(chunks) })
    response.writeHead(200, { 'content-type': 'text/plain' }).end('')
  })
  catcher.listen(0, '127.0.0.1')
  await once(catcher, 'listening')
  pulso = await openTestPulso()
})
afterAll(async () => {
  catcher?.close()
  await pulso?.cleanup()
})

const row = (eventId: string, text: string) => eventRow({ event_id: eventId, sender: 'bot', text }, 'server-test')

describe('event rows sent to a ClickHouse server', () => {
  it('go as one TabSeparated insert with the dedup token, and ClickHouse stores them exactly', async () => {
    const { port } = catcher.address() as { port: number }
    const server = await openWarehouse({
      clickhouse: { url: `http://127.0.0.1:${port}`, username: 'default', password: '' },
      dataDir: pulso.dataDir,
      database: 'pulso',
    })
    caught = []
    try {
      await insertEventRows(server, [row('s1', 'tab\there, new\nline, back\\slash'), row('s2', 'ñandú 😀')], 'token-7')
    } finally {
      await server.close()
    }

    expect(caught).toHaveLength(1)
    const [insert] = caught as [CaughtRequest]
    expect(insert.query).toMatch(/^INSERT INTO pulso\.events \(.+\) FORMAT TabSeparated\s*$/s)
    expect(insert.settings.get('insert_deduplication_token')).toBe('token-7')

    // What the server would do with it: the same statement and the same bytes, in embedded ClickHouse.
    const file = path.join(pulso.dataDir, 'caught.tsv')
    writeFileSync(file, insert.body)
    const statement = insert.query
      .replace('pulso.events', `${pulso.warehouse.database}.events`)
      .replace(/FORMAT TabSeparated\s*$/, `FROM INFILE '${file}' FORMAT TabSeparated`)
    await pulso.warehouse.client.command({ query: statement })
    const result = await pulso.warehouse.client.query({
      query: `SELECT event_id, text, source FROM ${pulso.warehouse.database}.events ORDER BY event_id`,
      format: 'JSONEachRow',
    })
    expect(await result.json()).toEqual([
      { event_id: 's1', text: 'tab\there, new\nline, back\\slash', source: 'server-test' },
      { event_id: 's2', text: 'ñandú 😀', source: 'server-test' },
    ])
  })
})
