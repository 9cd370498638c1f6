// A block: the messages a worker has read but not stored yet, across its partitions.
// Blocks are what make Kafka → ClickHouse fast (one large insert instead of many small ones)
// and what make it safe: a block's offsets are committed only after the block is stored.
import { type PackedSize, type PackedValues, PackedValuesBuilder, unpackValue } from './packed-values.ts'

export type MessageOrigin = { partition: number; offset: string; key: Buffer | null }

export type KafkaMessageLike = { offset: string; value: Buffer | null; key?: Buffer | null }

type PartitionRange = { first: string; last: string }

/** The sizes of a block's buffers, to start the next block with (see Block.sizes). */
export type BlockSizes = { values: PackedSize; keys: PackedSize }

export class Block {
  /** The messages' values, copied as read (parsed only when the block is prepared). */
  private readonly valuesBuilder: PackedValuesBuilder
  // Where each message came from, parallel to the values, kept without an object per message:
  // a block lives for seconds, and objects that live that long cost the garbage collector dearly.
  private readonly partitions: number[] = []
  private readonly offsets: string[] = []
  private readonly keysBuilder: PackedValuesBuilder
  private readonly ranges = new Map<number, PartitionRange>()
  private firstAddedAt: number | undefined

  /**
   * `generation` is the consumer-group generation the messages were read in; `expected`, the
   * sizes of the block before, so that this one fills its buffers without growing them.
   */
  constructor(
    readonly generation: number,
    expected?: BlockSizes,
  ) {
    this.valuesBuilder = new PackedValuesBuilder(expected?.values)
    this.keysBuilder = new PackedValuesBuilder(expected?.keys)
  }

  get sizes(): BlockSizes {
    return { values: this.valuesBuilder.size, keys: this.keysBuilder.size }
  }

  get size(): number {
    return this.offsets.length
  }

  /** Partition, offset and key of the block's message at `index` (for its dead letter). */
  origin(index: number): MessageOrigin {
    const key = unpackValue(this.keysBuilder.packed(), index)
    return { partition: this.partitions[index]!, offset: this.offsets[index]!, key: key && Buffer.from(key) }
  }

  /** How long the oldest message of the block has waited, in ms (0 when empty). */
  ageMs(now = Date.now()): number {
    return this.firstAddedAt === undefined ? 0 : now - this.firstAddedAt
  }

  add(partition: number, messages: KafkaMessageLike[], now = Date.now()): void {
    if (messages.length === 0) return
    this.firstAddedAt ??= now
    for (const message of messages) {
      // copies: a slice would hold kafkajs's whole fetch buffer
      this.valuesBuilder.add(message.value)
      this.keysBuilder.add(message.key ?? null)
      this.partitions.push(partition)
      this.offsets.push(message.offset)
    }
    const range = this.ranges.get(partition)
    this.ranges.set(partition, { first: range?.first ?? messages[0]!.offset, last: messages[messages.length - 1]!.offset })
  }

  /** The messages' values, in the order they were added. */
  get values(): PackedValues {
    return this.valuesBuilder.packed()
  }

  /** What to commit once the block is stored: for each partition, the offset after its last message. */
  commitOffsets(topic: string): { topic: string; partition: number; offset: string }[] {
    return [...this.ranges].map(([partition, range]) => ({ topic, partition, offset: (BigInt(range.last) + 1n).toString() }))
  }

  /**
   * Names the block by the offsets it holds. A retried insert of the same block carries the same
   * token, so ClickHouse's insert deduplication drops the second copy.
   */
  dedupToken(topic: string): string {
    const parts = [...this.ranges].sort((a, b) => a[0] - b[0]).map(([p, r]) => `${p}:${r.first}-${r.last}`)
    return `kafka:${topic}:${parts.join(',')}`
  }
}
