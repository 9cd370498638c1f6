// Kafka message values (or a file's lines) packed into one contiguous buffer. A block copies each
// value in as it is read, so kafkajs's fetch buffers are freed at once instead of being held by
// slices until the block is stored, and a block crosses to the preparing thread as three buffers
// instead of one object per message.

export type PackedValues = { bytes: Uint8Array; ends: Int32Array; nulls: Uint8Array }

/** How much a builder holds: a builder started with these sizes need not grow to hold as much. */
export type PackedSize = { values: number; bytes: number }

const HEADROOM = 1.25

export class PackedValuesBuilder {
  private bytes: Uint8Array
  private ends: Int32Array
  private nulls: Uint8Array
  private used = 0
  private count = 0

  constructor(expected: PackedSize = { values: 1024, bytes: 64 * 1024 }) {
    // A quarter more than expected: blocks pass their target by a fetch's worth, and one that
    // outgrew a buffer sized exactly would double it (three blocks are in memory at once).
    this.bytes = new Uint8Array(Math.max(1024, Math.ceil(expected.bytes * HEADROOM)))
    this.ends = new Int32Array(Math.max(16, Math.ceil(expected.values * HEADROOM)))
    this.nulls = new Uint8Array(Math.max(16, Math.ceil(expected.values * HEADROOM)))
  }

  get size(): PackedSize {
    return { values: this.count, bytes: this.used }
  }

  add(value: Uint8Array | null): void {
    if (this.count === this.ends.length) {
      this.ends = grow(this.ends, this.count * 2)
      this.nulls = grow(this.nulls, this.count * 2)
    }
    if (value === null) {
      this.nulls[this.count] = 1
    } else {
      if (this.used + value.length > this.bytes.length) this.bytes = grow(this.bytes, Math.max(this.bytes.length * 2, this.used + value.length))
      this.bytes.set(value, this.used)
      this.used += value.length
    }
    this.ends[this.count++] = this.used
  }

  /** The values added so far (views, not copies). */
  packed(): PackedValues {
    return { bytes: this.bytes.subarray(0, this.used), ends: this.ends.subarray(0, this.count), nulls: this.nulls.subarray(0, this.count) }
  }
}

function grow<T extends Uint8Array | Int32Array>(array: T, length: number): T {
  const bigger = new (array.constructor as new (length: number) => T)(length)
  bigger.set(array)
  return bigger
}

/** The value at `index` (a view, not a copy). */
export function unpackValue({ bytes, ends, nulls }: PackedValues, index: number): Uint8Array | null {
  return nulls[index] ? null : bytes.subarray(index === 0 ? 0 : ends[index - 1]!, ends[index]!)
}

/**
 * Values [from, to) of a packed block, as a packed block of their own: a copy, since a view would
 * carry the whole block's buffer along to the thread it is sent to.
 */
export function slicePacked({ bytes, ends, nulls }: PackedValues, from: number, to: number): PackedValues {
  const start = from === 0 ? 0 : ends[from - 1]!
  const sliceEnds = ends.slice(from, to)
  for (let i = 0; i < sliceEnds.length; i++) sliceEnds[i]! -= start
  return { bytes: bytes.slice(start, to === 0 ? 0 : ends[to - 1]!), ends: sliceEnds, nulls: nulls.slice(from, to) }
}
