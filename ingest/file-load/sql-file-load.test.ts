// A file loaded by ClickHouse (loadFileInSql) ends up exactly as the same file loaded block by block
// through Node's validation (BlockLoad, the path of the Kafka worker and the intake): the same
// events stored, the same facts, the same counts, the same rejections on the same lines.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generate, TENANTS } from '../../scripts/bench-scale/generate.ts'
import { event, openTestPulso, type TestPulso } from '../../tests/helpers.ts'
import { queryRows, runStatement } from '../../warehouse/client.ts'
import { listDeadLetters } from '../../warehouse/repositories/events.ts'
import { BlockLoad } from '../block-load.ts'
import { PackedValuesBuilder } from '../kafka/packed-values.ts'
import { addBlockResult, emptySummary, type IngestSummary } from './load-summary.ts'
import { loadFileInSql } from './sql-file-load.ts'

let pulso: TestPulso
let folder: string
/** The first test's load, which the second loads again. */
let firstLoad: IngestSummary
beforeAll(async () => {
  pulso = await openTestPulso()
  folder = mkdtempSync(path.join(tmpdir(), 'pulso-sql-load-'))
})
afterAll(async () => {
  await pulso?.cleanup()
  rmSync(folder, { recursive: true, force: true })
})

const line = (fields: Record<string, unknown>) => JSON.stringify(event(fields))

/** Lines the SQL vouches for, lines only Node accepts, and lines nobody accepts, mixed. */
async function mixedLines(tenant: string): Promise<string[]> {
  const generated = path.join(folder, `generated-${tenant}.ndjson`)
  await generate({ file: generated, tenants: [TENANTS[0]!], endDate: '2026-11-15', fromDaysBack: 9, toDaysBack: 0, conversationsPerDay: 40 })
  const simulated = readFileSync(generated, 'utf8').trim().split('\n')
  const handmade = [
    '{not json',
    '',
    '   \t',
    line({ event_id: 'x-extra', conversation_id: 'x1', field_the_contract_does_not_name: { a: 1 } }), // valid, kept as extra
    line({ event_id: 'x-missing', conversation_id: 'x1', sender: undefined }), // rejected: sender
    `${line({ event_id: 'x-crlf', conversation_id: 'x1', occurred_at: '2024-03-01T10:00:02Z', sender: 'bot' })}\r`,
    line({ event_id: 'x-late-zone', conversation_id: 'x2', occurred_at: '2024-03-01 04:00:00-06:00' }), // valid, other timestamp form
    line({ event_id: 'x-surrogate', conversation_id: 'x2', text: 'ok \ud83d\ude00' }).replace('😀', '\\ud83d\\ude00'),
    line({ event_id: 'x-lone', conversation_id: 'x2', text: 'bad' }).replace('bad', '\\ud800'), // rejected: lone surrogate
    line({ event_id: 'x-num', conversation_id: 'x3', type: 'csat', sender: undefined, score: '5' }), // rejected: score as text
    '[1, 2]',
  ]
  // repeats of earlier lines, spread over the file
  const lines = [...simulated.slice(0, 500), ...handmade, ...simulated.slice(500), simulated[3]!, simulated[700]!, handmade[3]!]
  return lines.map((text) => text.replaceAll('"tenant_id":"acme"', `"tenant_id":"${tenant}"`))
}

/** The reference: the lines through BlockLoad, in blocks of `size`, then the facts. */
async function loadInBlocks(lines: string[], size: number): Promise<IngestSummary> {
  const load = new BlockLoad(pulso.warehouse, pulso.config, pulso.facts)
  const summary = emptySummary()
  try {
    for (let start = 0; start < lines.length; start += size) {
      const builder = new PackedValuesBuilder()
      const lineNumbers: number[] = []
      lines.slice(start, start + size).forEach((text, i) => {
        const trimmed = text.endsWith('\r') ? text.slice(0, -1) : text
        if (/^[ \t]*$/.test(trimmed)) return
        builder.add(Buffer.from(trimmed))
        lineNumbers.push(start + i + 1)
      })
      addBlockResult(summary, await load.load(builder.packed()), lineNumbers)
    }
    await load.refreshFacts()
  } finally {
    await load.close()
  }
  summary.lines = lines.length
  return summary
}

async function loadInSql(
  file: string,
  options: { tenantId?: string; pieceBytes?: number; eventsPerInsertPart?: number; wholeTenantConversations?: number } = {},
): Promise<IngestSummary> {
  const load = new BlockLoad(pulso.warehouse, pulso.config, pulso.facts, { tenantId: options.tenantId })
  try {
    return await loadFileInSql(pulso.warehouse, pulso.config, load, file, { ...options, blockLines: 7 })
  } finally {
    await load.close()
  }
}

/** A tenant's stored rows of `table`, without the tenant and arrival time, in a fixed order. */
async function rowsOf(table: string, tenant: string): Promise<unknown[]> {
  return await queryRows(
    pulso.warehouse,
    `SELECT * EXCEPT (tenant_id${table === 'events' ? ', received_at' : ''}) FROM ${pulso.warehouse.database}.${table}
WHERE tenant_id = {tenant:String} ORDER BY conversation_id${table === 'events' ? ', event_id' : ''}`,
    { tenant },
  )
}

describe('a file loaded by ClickHouse', () => {
  it('stores what Node would store, with the same counts, rejections and facts', async () => {
    const sqlLines = await mixedLines('acme')
    const file = path.join(folder, 'acme.ndjson')
    writeFileSync(file, sqlLines.join('\n'))
    // small pieces and parts: the file is read as several, and its events inserted in several parts
    const bySql = await loadInSql(file, { pieceBytes: 64 * 1024, eventsPerInsertPart: 500 })
    const byNode = await loadInBlocks(await mixedLines('globex'), 300)

    expect(bySql.accepted).toBeGreaterThan(2500)
    expect(bySql).toEqual(byNode)
    expect(bySql.firstRejections.map((r) => sqlLines[r.line - 1])).toEqual([
      '{not json',
      expect.stringContaining('x-missing'),
      expect.stringContaining('x-lone'),
      expect.stringContaining('x-num'),
      '[1, 2]',
    ])
    firstLoad = bySql

    const events = await rowsOf('events', 'acme')
    expect(events).toHaveLength(bySql.accepted)
    expect(events).toEqual(await rowsOf('events', 'globex'))
    expect(await rowsOf('fct_conversations', 'acme')).toEqual(await rowsOf('fct_conversations', 'globex'))
    const letters = async (tenant: string) => (await listDeadLetters(pulso.warehouse, tenant)).map((l) => [l.reason, l.payload.replaceAll(tenant, 'T')]).sort()
    expect(await letters('acme')).toEqual(await letters('globex'))
  })

  it('adds nothing when loaded again: every event is a repeat', async () => {
    const file = path.join(folder, 'acme.ndjson')
    const before = await rowsOf('fct_conversations', 'acme')
    const again = await loadInSql(file)
    expect(again.accepted).toBe(0)
    expect(again.duplicates).toBe(firstLoad.accepted + firstLoad.duplicates)
    expect(again.rejected).toBe(firstLoad.rejected)
    expect(await rowsOf('fct_conversations', 'acme')).toEqual(before)
  })

  it('loaded again after a crash that lost customer index rows, as a whole-tenant recomputation (a large load), restores them and keeps the facts', async () => {
    const file = path.join(folder, 'acme.ndjson')
    const before = await rowsOf('fct_conversations', 'acme')
    const customerIndex = () =>
      queryRows(
        pulso.warehouse,
        `SELECT DISTINCT customer_id, conversation_id FROM ${pulso.warehouse.database}.customer_conversations
WHERE tenant_id = 'acme' ORDER BY customer_id, conversation_id`,
      )
    const index = await customerIndex()
    expect(index.length).toBeGreaterThan(100)
    // a crash between the insert and the customer index loses index rows; the load run again restores them
    await runStatement(
      pulso.warehouse,
      `ALTER TABLE ${pulso.warehouse.database}.customer_conversations DELETE WHERE tenant_id = 'acme' AND cityHash64(conversation_id) % 10 = 0
SETTINGS mutations_sync = 2`,
    )
    expect((await customerIndex()).length).toBeLessThan(index.length)
    const again = await loadInSql(file, { wholeTenantConversations: 1 })
    expect(again.accepted).toBe(0)
    expect(await rowsOf('fct_conversations', 'acme')).toEqual(before)
    expect(await customerIndex()).toEqual(index)
    // the rows the recomputation replaced are merged away: one stored row per conversation
    const [stored] = await queryRows<{ n: number }>(
      pulso.warehouse,
      `SELECT count() AS n FROM ${pulso.warehouse.database}.fct_conversations__incremental WHERE tenant_id = 'acme'`,
    )
    expect(Number(stored!.n)).toBe(before.length)
  })

  it('keeps the facts exact after a crash between the customer index and the attach, which leaves pairs of conversations without events', async () => {
    const file = path.join(folder, 'index-first.ndjson')
    const customer = { customer_id: 'index-first-customer', occurred_at: '2026-11-10T10:00:00Z' }
    writeFileSync(file, line({ ...customer, event_id: 'if-1', conversation_id: 'if-c1' }))
    expect((await loadInSql(file)).accepted).toBe(1)
    // what such a crash leaves: the index names a conversation of the customer whose events were never attached
    await runStatement(
      pulso.warehouse,
      `INSERT INTO ${pulso.warehouse.database}.customer_conversations (tenant_id, customer_id, conversation_id)
VALUES ('acme', 'index-first-customer', 'if-never-attached')`,
    )
    // the customer's next conversation refreshes all of the customer's conversations (first contact resolution)
    writeFileSync(file, line({ ...customer, event_id: 'if-2', conversation_id: 'if-c2', occurred_at: '2026-11-12T10:00:00Z' }))
    expect((await loadInSql(file)).accepted).toBe(1)
    const refreshed = await rowsOf('fct_conversations', 'acme')
    expect(refreshed).toContainEqual(expect.objectContaining({ conversation_id: 'if-c1' }))
    expect(refreshed).toContainEqual(expect.objectContaining({ conversation_id: 'if-c2' }))
    expect(refreshed).not.toContainEqual(expect.objectContaining({ conversation_id: 'if-never-attached' }))
    // and they are what a recomputation of the tenant from its events gives
    await pulso.facts.refreshTenant('acme')
    expect(await rowsOf('fct_conversations', 'acme')).toEqual(refreshed)
  })

  it('rejects the events of another tenant with --tenant, by the intake rule', async () => {
    const file = path.join(folder, 'two-tenants.ndjson')
    writeFileSync(file, [line({ event_id: 't1', conversation_id: 'tc1' }), line({ tenant_id: 'globex', event_id: 't2', conversation_id: 'tc1' })].join('\n'))
    const summary = await loadInSql(file, { tenantId: 'acme' })
    expect(summary).toMatchObject({ lines: 2, accepted: 1, duplicates: 0, rejected: 1 })
    expect(summary.firstRejections).toEqual([{ line: 2, event_id: 't2', reason: expect.stringContaining("'globex' is not the tenant") }])
  })
})
