// prepareBlock turns Kafka message values into TabSeparated rows and dead letters, on the
// worker's preparing thread; the thread must give exactly what the same code gives inline.
import { afterAll, describe, expect, it } from 'vitest'
import { event, makeTestConfig } from '../../tests/helpers.ts'
import { EVENT_COLUMNS } from '../../warehouse/event-columns.ts'
import { pseudonymizeCustomerId } from '../contract/pseudonymize.ts'
import { BlockPreparer } from './block-preparer.ts'
import { PackedValuesBuilder, unpackValue } from './packed-values.ts'
import { type PreparedBlock, prepareBlock } from './prepare-block.ts'

const config = makeTestConfig()

function pack(values: (string | null)[]) {
  const builder = new PackedValuesBuilder()
  for (const value of values) builder.add(value === null ? null : Buffer.from(value))
  return builder.packed()
}

const messages = [
  JSON.stringify(event({ event_id: 'e1', customer_id: '+54 9 11 5555-0001', text: 'hola' })),
  '{oops',
  JSON.stringify(event({ event_id: 'e2', type: 'csat', score: 9 })),
  JSON.stringify(event({ event_id: 'e1' })),
  null,
  JSON.stringify(event({ event_id: 'e3', tenant_id: 'nobody' })),
  `${JSON.stringify(event({ event_id: 'e4' }))}\n${JSON.stringify(event({ event_id: 'e5' }))}`,
  JSON.stringify(event({ event_id: 'e6', type: 'resolved', resolved_by: 'bot', surprise: { kept: true } })),
]

const UNESCAPE: Record<string, string> = { '\\\\': '\\', '\\t': '\t', '\\n': '\n', '\\r': '\r' }

/** The encoded rows read back as TabSeparated: one object per line, NULL as null, values as text. */
function decodeRows(encoded: Uint8Array): Record<string, string | null>[] {
  const text = Buffer.from(encoded).toString('utf8')
  if (text === '') return []
  expect(text.endsWith('\n')).toBe(true)
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => {
      const fields = line.split('\t')
      expect(fields).toHaveLength(EVENT_COLUMNS.length)
      return Object.fromEntries(EVENT_COLUMNS.map((column, i) => [column, fields[i] === '\\N' ? null : fields[i]!.replace(/\\[\\tnr]/g, (e) => UNESCAPE[e]!)]))
    })
}

// received_at is the time of preparing, the one value that may differ between two preparations
const sameTime = ({ encodedRows, ...block }: PreparedBlock) => ({ ...block, decodedRows: decodeRows(encodedRows).map((row) => ({ ...row, received_at: 'T' })) })

describe('preparing a Kafka block', () => {
  it('encodes valid events in the events table column order, and dead-letters the rest with their reason', () => {
    const block = prepareBlock(pack(messages), config)
    expect(block.rows).toBe(2)
    expect(block.duplicates).toBe(1)
    const rows = decodeRows(block.encodedRows)
    expect(rows).toHaveLength(2)
    expect(rows.map((r) => r.event_id)).toEqual(['e1', 'e6'])
    // the phone number is pseudonymized, free text is not stored for a tenant that did not enable it
    expect(rows[0]!.customer_id).toMatch(/^ph_[0-9a-f]{32}$/)
    expect(rows[0]!.text).toBeNull()
    expect(rows[0]!.occurred_at).toBe('2024-03-01 10:00:00.000')
    expect(rows[1]!.resolved_by).toBe('bot')
    // fields the contract does not name (here also the test helper's `sender`) are kept raw
    expect(JSON.parse(rows[1]!.extra as string)).toEqual({ sender: 'customer', surprise: { kept: true } })

    expect(block.deadLetters.map((d) => [d.index, d.event_id])).toEqual([
      [1, null],
      [2, 'e2'],
      [4, null],
      [5, 'e3'],
      [6, null],
    ])
    const reasons = block.deadLetters.map((d) => d.reason)
    expect(reasons[0]).toMatch(/^not JSON/)
    expect(reasons[1]).toMatch(/^`score`: expected an integer 1–5/)
    expect(reasons[2]).toMatch(/the message is empty/)
    expect(reasons[3]).toMatch(/'nobody' is not a configured tenant/)
    expect(reasons[4]).toMatch(/more than one line/)
    expect(block.deadLetters[0]!.payload).toBe('{oops')
  })

  it('pseudonymizes a customer the same way block after block, with the hash key of each block', () => {
    const customer = JSON.stringify(event({ event_id: 'p1', customer_id: '+54 9 11 5555-0002' }))
    const pseudonym = (block: PreparedBlock) => decodeRows(block.encodedRows)[0]!.customer_id
    const first = pseudonym(prepareBlock(pack([customer]), config))
    expect(first).toBe(pseudonymizeCustomerId('+54 9 11 5555-0002', config.hashKey))
    expect(pseudonym(prepareBlock(pack([customer]), config))).toBe(first)
    const otherKey = { ...config, hashKey: 'another-hash-key' }
    expect(pseudonym(prepareBlock(pack([customer]), otherKey))).toBe(pseudonymizeCustomerId('+54 9 11 5555-0002', 'another-hash-key'))
    expect(pseudonym(prepareBlock(pack([customer]), otherKey))).not.toBe(first)
  })

  describe('on its worker thread', () => {
    const preparer = new BlockPreparer(config)
    afterAll(() => preparer.close())

    it('starts its threads ahead of the first block', async () => {
      const started = new BlockPreparer(config, 2)
      try {
        await started.start()
        expect((await started.prepare(pack(messages))).rows).toBe(2)
      } finally {
        await started.close()
      }
    })

    it('gives what the same block gives inline, block after block', async () => {
      const first = await preparer.prepare(pack(messages))
      const second = await preparer.prepare(pack(messages.slice(0, 3)))
      expect(sameTime(first)).toEqual(sameTime(prepareBlock(pack(messages), config)))
      expect(sameTime(second)).toEqual(sameTime(prepareBlock(pack(messages.slice(0, 3)), config)))
      expect(first.rows).toBe(2)
    })

    it('split over two threads, a block gives the same rows and dead letters, numbered from the block start', async () => {
      const twoThreads = new BlockPreparer(config, 2)
      try {
        const block = Array.from({ length: 5_000 }, (_, i) => (i % 997 === 0 ? `not json ${i}` : JSON.stringify(event({ event_id: `s-${i}` }))))
        const split = await twoThreads.prepare(pack(block))
        const inline = prepareBlock(pack(block), config)
        expect(sameTime(split)).toEqual(sameTime(inline))
        expect(split.rows).toBe(4_994)
        expect(decodeRows(split.encodedRows)).toHaveLength(4_994)
        expect(split.deadLetters.map((d) => d.index)).toEqual([0, 997, 1994, 2991, 3988, 4985])
      } finally {
        await twoThreads.close()
      }
    })

    it('for a file load, names each row (identity, byte end, position) the same split over two threads as inline', async () => {
      const fileBlocks = { source: 'file', configuredTenantsOnly: false, identifyRows: true }
      const twoThreads = new BlockPreparer(config, 2, fileBlocks)
      try {
        const block = Array.from({ length: 4_000 }, (_, i) =>
          i % 1_001 === 0
            ? `not json ${i}`
            : JSON.stringify(event({ event_id: `i-${i}`, conversation_id: `ic${i % 7}`, tenant_id: i === 5 ? 'nobody' : 'acme' })),
        )
        const split = await twoThreads.prepare(pack(block))
        const inline = prepareBlock(pack(block), config, fileBlocks)
        expect(split.rowIdentities).toEqual(inline.rowIdentities)
        const identities = split.rowIdentities!
        // a file may hold any tenant's events (the Kafka worker rejects tenants it does not know)
        expect(identities.tenants[4]).toBe('nobody')
        expect(Array.from(identities.indexes.slice(0, 3))).toEqual([1, 2, 3])
        expect(identities.events[999]).toBe('i-1000')
        // each row ends where the encoded block says it does
        const rows = Buffer.from(split.encodedRows).toString('utf8').split('\n')
        const ends: number[] = []
        for (const row of rows.slice(0, -1)) ends.push((ends.at(-1) ?? 0) + Buffer.byteLength(row) + 1)
        expect(Array.from(identities.ends)).toEqual(ends)
      } finally {
        await twoThreads.close()
      }
    })

    it('a thread that dies fails the block it held with a clear error, and the next block gets a new thread', async () => {
      // A fresh thread given a large block: it is still starting or preparing when it is stopped.
      const dying = new BlockPreparer(config)
      const large = Array.from({ length: 20_000 }, (_, i) => JSON.stringify(event({ event_id: `big-${i}` })))
      const held = dying.prepare(pack(large))
      await dying.close()
      await expect(held).rejects.toThrow(/the block-preparing thread exited/)
      const next = await dying.prepare(pack(messages))
      expect(next.rows).toBe(2)
      await dying.close()
    })
  })
})

describe('packed message values', () => {
  it('keep each value and each null, across growth of the buffers', () => {
    const values = Array.from({ length: 3000 }, (_, i) => (i % 7 === 0 ? null : `value-${i}-${'x'.repeat(i % 50)}`))
    const packed = pack(values)
    const unpacked = values.map((_, i) => unpackValue(packed, i)).map((v) => (v === null ? null : Buffer.from(v).toString()))
    expect(unpacked).toEqual(values)
  })
})
