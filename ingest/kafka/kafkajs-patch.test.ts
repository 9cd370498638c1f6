// patches/kafkajs+2.2.4.patch makes kafkajs decode record offsets and timestamps with numbers
// instead of BigInt Longs, and read each record in place. These tests encode record batches with
// kafkajs's own encoder and check the patched decoder gives back exactly what was encoded,
// computed here with BigInt: across 2^53, for negative and 8-byte timestamp deltas, with headers,
// compressed and not.
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'

const require = createRequire(import.meta.url)
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js')
const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js')
const decodeRecordBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder.js')
const Decoder = require('kafkajs/src/protocol/decoder.js')
const Long = require('kafkajs/src/utils/long.js')
const { Types: Compression } = require('kafkajs/src/protocol/message/compression/index.js')
const Batch = require('kafkajs/src/consumer/batch.js')

type RecordToEncode = { offsetDelta: number; timestampDelta: bigint; headers?: Record<string, string | string[]> }
type DecodedRecord = { offset: string; timestamp: string; key: Buffer | null; value: Buffer | null; headers: Record<string, unknown> }

async function roundTrip(
  firstOffset: string,
  firstTimestamp: string,
  records: RecordToEncode[],
  compression = Compression.None,
): Promise<DecodedRecord[]> {
  const encoded = await RecordBatch({
    compression,
    firstOffset: Long.fromValue(firstOffset),
    firstTimestamp: Long.fromValue(firstTimestamp),
    maxTimestamp: Long.fromValue(firstTimestamp),
    lastOffsetDelta: records.at(-1)!.offsetDelta,
    records: records.map((r, i) =>
      Record({ offsetDelta: r.offsetDelta, timestampDelta: Long.fromValue(r.timestampDelta), key: `key-${i}`, value: `value ${i} ✓`, headers: r.headers }),
    ),
  })
  const decoded = await decodeRecordBatch(new Decoder(encoded.buffer))
  return decoded.records
}

const expected = (first: string, delta: number | bigint) => (BigInt(first) + BigInt(delta)).toString()

describe('kafkajs, as patched by patches/kafkajs+2.2.4.patch', () => {
  it('is patched (npm install runs patch-package)', () => {
    expect(typeof Decoder.prototype.readVarLongAsNumber).toBe('function')
  })

  const deltas = [0n, 1n, -1n, 63n, -64n, 64n, 127n, 128n, 8_191n, 2n ** 31n, -(2n ** 40n), 2n ** 47n - 1n, -(2n ** 47n), 2n ** 48n, -(2n ** 48n) - 1n, 2n ** 55n, -(2n ** 62n)]

  for (const compression of [Compression.None, Compression.GZIP]) {
    const name = compression === Compression.None ? 'uncompressed' : 'gzip'

    it(`decodes offsets and timestamp deltas of every varint length exactly (${name})`, async () => {
      const firstTimestamp = '1732579200000'
      const records = deltas.map((timestampDelta, offsetDelta) => ({ offsetDelta, timestampDelta }))
      const decoded = await roundTrip('41', firstTimestamp, records, compression)
      expect(decoded.map((r) => r.offset)).toEqual(records.map((r) => expected('41', r.offsetDelta)))
      expect(decoded.map((r) => r.timestamp)).toEqual(records.map((r) => expected(firstTimestamp, r.timestampDelta)))
      expect(decoded.map((r) => r.key?.toString())).toEqual(records.map((_, i) => `key-${i}`))
      expect(decoded.map((r) => r.value?.toString())).toEqual(records.map((_, i) => `value ${i} ✓`))
    })

    it(`stays exact for offsets and timestamps past 2^53 (${name})`, async () => {
      const firstOffset = (2n ** 53n - 2n).toString()
      const firstTimestamp = (2n ** 62n).toString()
      const records = [0, 1, 2, 3, 1000].map((offsetDelta) => ({ offsetDelta, timestampDelta: BigInt(offsetDelta) }))
      const decoded = await roundTrip(firstOffset, firstTimestamp, records, compression)
      expect(decoded.map((r) => r.offset)).toEqual(['9007199254740990', '9007199254740991', '9007199254740992', '9007199254740993', '9007199254741990'])
      expect(decoded.map((r) => r.timestamp)).toEqual(records.map((r) => expected(firstTimestamp, r.timestampDelta)))
      const int64Max = (2n ** 63n - 1n).toString()
      const [last] = await roundTrip(int64Max, '-1', [{ offsetDelta: 0, timestampDelta: -5n }], compression)
      expect([last!.offset, last!.timestamp]).toEqual([int64Max, '-6'])
    })

    it(`reads headers and moves on to the next record (${name})`, async () => {
      const records: RecordToEncode[] = [
        { offsetDelta: 0, timestampDelta: 5n, headers: { 'pulso-reason': 'not JSON', multi: ['a', 'b'] } },
        { offsetDelta: 1, timestampDelta: -5n },
        { offsetDelta: 2, timestampDelta: 2n ** 50n, headers: { only: 'one' } },
      ]
      const decoded = await roundTrip('7', '1000', records, compression)
      expect(decoded.map((r) => [r.offset, r.timestamp])).toEqual([
        ['7', '1005'],
        ['8', '995'],
        ['9', expected('1000', 2n ** 50n)],
      ])
      expect(decoded.map((r) => Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, Array.isArray(v) ? v.map(String) : String(v)])))).toEqual([
        { 'pulso-reason': 'not JSON', multi: ['a', 'b'] },
        {},
        { only: 'one' },
      ])
      expect(decoded.map((r) => r.value?.toString())).toEqual(['value 0 ✓', 'value 1 ✓', 'value 2 ✓'])
    })
  }

  it('refuses a record longer than its batch instead of reading past it', async () => {
    const encoded = await RecordBatch({ firstOffset: Long.fromValue('0'), records: [Record({ offsetDelta: 0, key: 'k', value: 'v' })] })
    const bytes = Buffer.from(encoded.buffer)
    // the record's length varint follows the batch's offset (8 bytes), length (4), header (45) and record count (4)
    const recordLengthAt = 8 + 4 + 45 + 4
    expect(bytes[recordLengthAt]).toBe(0x10) // zigzag 8: attributes, two deltas, key, value, headers
    bytes[recordLengthAt] = 0x7e // zigzag 63: longer than the bytes that follow
    await expect(decodeRecordBatch(new Decoder(bytes))).rejects.toThrow(/overruns its record batch/)
  })

  it('drops messages before the fetched offset, comparing offsets exactly past 2^53', () => {
    const messages = ['9007199254740991', '9007199254740992', '9007199254740993', '9007199254740994'].map((offset) => ({ offset, isControlRecord: false }))
    const batch = new Batch('t', '9007199254740993', { partition: 0, highWatermark: '9007199254740995', messages })
    expect(batch.messages.map((m: { offset: string }) => m.offset)).toEqual(['9007199254740993', '9007199254740994'])
    const small = new Batch('t', '2', { partition: 0, highWatermark: '5', messages: ['1', '2', '3', '10'].map((offset) => ({ offset, isControlRecord: false })) })
    expect(small.messages.map((m: { offset: string }) => m.offset)).toEqual(['2', '3', '10'])
  })
})
