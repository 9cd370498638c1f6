// Encodes event rows as ClickHouse's TabSeparated format, straight into bytes. Every stored event
// goes through here. JSON.stringify of a 34-value row cost more than all the rest of mapping it,
// and a block held as one JavaScript string was encoded to UTF-8 again on its way to ClickHouse;
// bytes are written once, and cross from a preparing thread to the main thread without a copy.
import { EVENT_COLUMNS, type EventRow, type RowValue } from './event-columns.ts'

const TAB = 9
const NEWLINE = 10
const CARRIAGE_RETURN = 13
const BACKSLASH = 92
const CAPITAL_N = 78 // \N is TabSeparated's NULL
const LAST_COLUMN = EVENT_COLUMNS.length - 1

/** Characters TabSeparated escapes inside a value, with their escapes. */
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' }
const escapeText = (text: string) => text.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]!)

/** Appends rows, in EVENT_COLUMNS order, to a buffer that grows as needed and is reused block after block. */
export class EventRowEncoder {
  private buffer: Buffer
  private length = 0
  rows = 0

  constructor(initialBytes = 1 << 20) {
    this.buffer = Buffer.allocUnsafe(initialBytes)
  }

  add(row: EventRow): void {
    // eventToRow builds rows in EVENT_COLUMNS order (ingest/event-row.test.ts holds it), so the values are the columns
    this.addValues(Object.values(row))
  }

  /** Appends one row given as its values, in EVENT_COLUMNS order (as writeEventRow writes them). */
  addValues(values: readonly RowValue[]): void {
    // room for every NULL and separator of the row at once; text makes its own room
    this.ensure(3 * EVENT_COLUMNS.length)
    for (let column = 0; column <= LAST_COLUMN; column++) {
      const value = values[column]
      if (value === null) {
        this.buffer[this.length++] = BACKSLASH
        this.buffer[this.length++] = CAPITAL_N
      } else {
        this.writeText(typeof value === 'string' ? value : String(value))
      }
      this.buffer[this.length++] = column === LAST_COLUMN ? NEWLINE : TAB
    }
    this.rows++
  }

  /** Bytes written since the last finish() or reset(): where the last row added ends. */
  get byteLength(): number {
    return this.length
  }

  /** The rows added so far, in a buffer of their own (it can be transferred); the encoder starts empty again. */
  finish(): Buffer {
    const encoded = Buffer.allocUnsafeSlow(this.length)
    this.buffer.copy(encoded, 0, 0, this.length)
    this.reset()
    return encoded
  }

  /** Forgets the rows added so far, keeping the buffer. */
  reset(): void {
    this.length = 0
    this.rows = 0
  }

  private writeText(text: string): void {
    // Most values are short ASCII without anything to escape: copied one character at a time,
    // which costs less than a call into Buffer.write. Anything else takes the general path.
    if (text.length <= 64) {
      this.ensure(text.length + 3 * EVENT_COLUMNS.length) // and keep the row's room for NULLs and separators
      const buffer = this.buffer
      const start = this.length
      let i = 0
      for (; i < text.length; i++) {
        const code = text.charCodeAt(i)
        if (code >= 128 || code === BACKSLASH || code === TAB || code === NEWLINE || code === CARRIAGE_RETURN) break
        buffer[start + i] = code
      }
      if (i === text.length) {
        this.length += i
        return
      }
    }
    const escaped = /[\\\t\n\r]/.test(text) ? escapeText(text) : text
    this.ensure(escaped.length * 3 + 3 * EVENT_COLUMNS.length) // UTF-8 takes at most 3 bytes per UTF-16 code unit
    this.length += this.buffer.write(escaped, this.length, 'utf8')
  }

  private ensure(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes))
    this.buffer.copy(grown, 0, 0, this.length)
    this.buffer = grown
  }
}

/** Rows as one TabSeparated block. */
export function encodeRows(rows: EventRow[]): Buffer {
  const encoder = new EventRowEncoder(Math.max(4096, rows.length * 256))
  for (const row of rows) encoder.add(row)
  return encoder.finish()
}
