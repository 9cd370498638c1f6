// The lines of a bulk load's input (a file, standard input or a request's body), as both bulk
// loads read them: numbered as in the input, blank lines left out, and a line's carriage return
// before its newline dropped, as Node's line reader does.
import { createReadStream } from 'node:fs'

/** What a bulk load reads: a file's path, `-` for standard input, or the bytes themselves (a request's body). */
export type LoadInput = string | AsyncIterable<Uint8Array>

/** How far the reading of the input got: lines (blank ones included) and bytes. */
export type ReadProgress = { lines: number; bytes: number }

/** Called with each non-blank line: `bytes[from, to)`, without its carriage return, and its line number in the input. */
export type OnLine = (bytes: Uint8Array, from: number, to: number, lineNumber: number) => void

const NEWLINE = 10
const CARRIAGE_RETURN = 13
const TAB = 9
const SPACE = 32

/** The bytes of `input`, in chunks. */
export function inputChunks(input: LoadInput): AsyncIterable<Uint8Array> {
  if (typeof input !== 'string') return input
  return input === '-' ? process.stdin : createReadStream(input, { highWaterMark: 4 * 2 ** 20 })
}

/** True when line `bytes[from, to)` holds only spaces, tabs and carriage returns. */
function isBlank(bytes: Uint8Array, from: number, to: number): boolean {
  for (let at = from; at < to; at++) {
    const byte = bytes[at]!
    if (byte !== SPACE && byte !== TAB && byte !== CARRIAGE_RETURN) return false
  }
  return true
}

/**
 * Splits chunks of the input into lines. A line whose end is in a later chunk is kept until then.
 * A callback per line rather than a generator: a generator's step per line costs a load of tens
 * of millions of lines seconds, and a caller that hands lines on in blocks yields after a chunk.
 */
export class LineSplitter {
  // The start of a line whose end is in a later chunk, piece by piece (a long line is joined once).
  private partial: Uint8Array[] = []

  constructor(
    private readonly read: ReadProgress,
    private readonly onLine: OnLine,
  ) {}

  /** Hands on every line that ends in `chunk`. */
  add(chunk: Uint8Array): void {
    this.read.bytes += chunk.length
    let start = 0
    for (let end = chunk.indexOf(NEWLINE); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
      if (this.partial.length > 0) {
        const line = Buffer.concat([...this.partial, chunk.subarray(0, end)])
        this.partial = []
        this.line(line, 0, line.length)
      } else {
        this.line(chunk, start, end)
      }
      start = end + 1
    }
    if (start < chunk.length) this.partial.push(Buffer.from(chunk.subarray(start))) // a copy: the stream may reuse its chunk
  }

  /** Hands on the last line, when the input does not end with a newline. */
  end(): void {
    if (this.partial.length === 0) return
    const line = Buffer.concat(this.partial)
    this.partial = []
    this.line(line, 0, line.length)
  }

  private line(bytes: Uint8Array, from: number, to: number): void {
    const lineNumber = ++this.read.lines
    if (isBlank(bytes, from, to)) return
    this.onLine(bytes, from, to > from && bytes[to - 1] === CARRIAGE_RETURN ? to - 1 : to, lineNumber)
  }
}
