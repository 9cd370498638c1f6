import { describe, expect, it } from 'vitest'
import { Block } from './block.ts'
import { parseMessage } from './prepare-block.ts'

const msg = (offset: number, value: string | null) => ({ offset: String(offset), value: value === null ? null : Buffer.from(value) })

describe('a block of Kafka messages', () => {
  it('commits, per partition, the offset after the last message it stored', () => {
    const block = new Block(1)
    block.add(0, [msg(10, '{}'), msg(11, '{}')])
    block.add(3, [msg(7, '{}')])
    block.add(0, [msg(12, '{}')])
    expect(block.size).toBe(4)
    expect(block.commitOffsets('t')).toEqual([
      { topic: 't', partition: 0, offset: '13' },
      { topic: 't', partition: 3, offset: '8' },
    ])
  })

  it('names itself by its offset ranges, so a retried insert of the same block is recognised', () => {
    const a = new Block(1)
    a.add(3, [msg(7, '{}')])
    a.add(0, [msg(10, '{}'), msg(11, '{}')])
    const b = new Block(2)
    b.add(0, [msg(10, '{}'), msg(11, '{}')])
    b.add(3, [msg(7, '{}')])
    expect(a.dedupToken('t')).toBe('kafka:t:0:10-11,3:7-7')
    expect(b.dedupToken('t')).toBe(a.dedupToken('t'))
    const c = new Block(1)
    c.add(0, [msg(10, '{}')])
    expect(c.dedupToken('t')).not.toBe(a.dedupToken('t'))
  })

  it('offsets beyond 2^53 stay exact', () => {
    const block = new Block(1)
    block.add(0, [msg(0, '{}')])
    block.add(0, [{ offset: '9007199254740993', value: Buffer.from('{}') }])
    expect(block.commitOffsets('t')[0]!.offset).toBe('9007199254740994')
  })

  it('knows where each message came from, key included, without holding kafkajs buffers', () => {
    const fetched = Buffer.from('key-akey-b')
    const block = new Block(1)
    block.add(2, [
      { offset: '40', value: Buffer.from('{}'), key: fetched.subarray(0, 5) },
      { offset: '41', value: null },
    ])
    block.add(5, [{ offset: '9007199254740993', value: Buffer.from('{}'), key: fetched.subarray(5) }])
    fetched.fill(0) // kafkajs reuses nothing here, but the block must not depend on it
    expect(block.origin(0)).toEqual({ partition: 2, offset: '40', key: Buffer.from('key-a') })
    expect(block.origin(1)).toEqual({ partition: 2, offset: '41', key: null })
    expect(block.origin(2)).toEqual({ partition: 5, offset: '9007199254740993', key: Buffer.from('key-b') })
  })

  it('keeps values in buffers sized from the block before, and grows past that size', () => {
    const values = (block: Block) => Array.from(block.values.ends, (_, i) => block.origin(i).offset)
    const first = new Block(1)
    first.add(0, [msg(1, 'a'.repeat(5000)), msg(2, null), msg(3, 'bb')])
    expect(first.sizes).toEqual({ values: { values: 3, bytes: 5002 }, keys: { values: 3, bytes: 0 } })
    const next = new Block(1, first.sizes)
    const many = Array.from({ length: 40 }, (_, i) => msg(10 + i, `value ${i} `.repeat(300)))
    next.add(1, many)
    expect(values(next)).toEqual(many.map((m) => m.offset))
    const { bytes, ends } = next.values
    expect(Buffer.from(bytes.subarray(ends[38]!, ends[39]!)).toString()).toBe('value 39 '.repeat(300))
  })

  it('its age is the wait of its oldest message', () => {
    const block = new Block(1)
    expect(block.ageMs(5_000)).toBe(0)
    block.add(0, [msg(1, '{}')], 1_000)
    block.add(0, [msg(2, '{}')], 3_000)
    expect(block.ageMs(5_000)).toBe(4_000)
  })
})

describe('a Kafka message', () => {
  it('is one JSON event; anything else carries the reason it cannot be one', () => {
    expect(parseMessage(Buffer.from('{"a":1}'))).toEqual({ raw: '{"a":1}', value: { a: 1 } })
    expect(parseMessage(null).parseError).toMatch(/empty/)
    expect(parseMessage(Buffer.from('  ')).parseError).toMatch(/empty/)
    expect(parseMessage(Buffer.from('{oops')).parseError).toMatch(/^not JSON/)
    expect(parseMessage(Buffer.from('{"a":1}\n{"a":2}')).parseError).toMatch(/more than one line/)
  })
})
