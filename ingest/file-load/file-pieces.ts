// A bulk load hands ClickHouse files to read (file() in embedded chDB), piece by piece: a piece at
// a time keeps a progress bar moving on a file of gigabytes, lets Node write the next piece while
// the engine reads the one before, and reads standard input the same way as a file.
//
// Each line is written as `<file line number>\t<line>`: ClickHouse numbers the rows of a file it
// reads (_row_number) only by reading it on one thread, and with the number in the line it parses
// on all of them, while rejections still name file lines. Blank lines are left out, and a line's
// carriage return before its newline, as Node's line reader does.
import { closeSync, createReadStream, openSync, rmSync, writeSync } from 'node:fs'
import path from 'node:path'

export type FilePiece = {
  /** The file ClickHouse reads: numbered lines. */
  file: string
  /** Removes the piece. */
  discard(): void
}

/** How far the reading of the input got: lines (blank ones included) and bytes. */
export type ReadProgress = { lines: number; bytes: number }

/** How much of the input one piece holds, about. */
export const PIECE_BYTES = 64 * 2 ** 20

const NEWLINE = 10
const CARRIAGE_RETURN = 13
const TAB = 9
const SPACE = 32

/** True when line `bytes[from, to)` holds only spaces, tabs and carriage returns. */
export function isBlank(bytes: Uint8Array, from: number, to: number): boolean {
  for (let at = from; at < to; at++) {
    const byte = bytes[at]!
    if (byte !== SPACE && byte !== TAB && byte !== CARRIAGE_RETURN) return false
  }
  return true
}

/** Writes numbered lines into a piece file, buffered. */
class PieceWriter {
  readonly fd: number
  private buffer = Buffer.allocUnsafe(4 * 2 ** 20)
  private used = 0
  bytes = 0

  constructor(readonly file: string) {
    this.fd = openSync(file, 'w')
  }

  add(lineNumber: number, bytes: Uint8Array, from: number, to: number): void {
    if (to > from && bytes[to - 1] === CARRIAGE_RETURN) to--
    const needed = 21 + (to - from)
    if (this.used + needed > this.buffer.length) this.flush()
    if (needed > this.buffer.length) this.buffer = Buffer.allocUnsafe(needed)
    this.used += this.buffer.write(String(lineNumber), this.used, 'latin1')
    this.buffer[this.used++] = TAB
    this.buffer.set(bytes.subarray(from, to), this.used)
    this.used += to - from
    this.buffer[this.used++] = NEWLINE
    this.bytes += needed
  }

  flush(): void {
    if (this.used > 0) writeSync(this.fd, this.buffer, 0, this.used)
    this.used = 0
  }

  close(): void {
    this.flush()
    closeSync(this.fd)
  }
}

/** What a bulk load reads: a file's path, `-` for standard input, or the bytes themselves (a request's body). */
export type LoadInput = string | AsyncIterable<Uint8Array>

/** The bytes of `input`, in chunks. */
export function inputChunks(input: LoadInput): AsyncIterable<Uint8Array> {
  if (typeof input !== 'string') return input
  return input === '-' ? process.stdin : createReadStream(input, { highWaterMark: 4 * 2 ** 20 })
}

/**
 * The input as pieces of numbered lines in `scratchDir`, each removed by its discard() (or when
 * the reading stops early).
 */
export async function* filePieces(input: LoadInput, scratchDir: string, read: ReadProgress, pieceBytes = PIECE_BYTES): AsyncGenerator<FilePiece> {
  const stream = inputChunks(input)
  let pieceNumber = 0
  let writer: PieceWriter | undefined
  // The start of a line whose end is in a later chunk.
  let partial: Buffer[] = []
  const addLine = (bytes: Uint8Array, from: number, to: number) => {
    read.lines++
    if (isBlank(bytes, from, to)) return
    writer ??= new PieceWriter(path.join(scratchDir, `load-${process.pid}-${++pieceNumber}.ndjson`))
    writer.add(read.lines, bytes, from, to)
  }
  const finish = (): FilePiece => {
    const done = writer!
    done.close()
    writer = undefined
    return { file: done.file, discard: () => rmSync(done.file, { force: true }) }
  }
  try {
    for await (const chunk of stream) {
      read.bytes += chunk.length
      let start = 0
      for (let end = chunk.indexOf(NEWLINE); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
        if (partial.length > 0) {
          const line = Buffer.concat([...partial, chunk.subarray(0, end)])
          partial = []
          addLine(line, 0, line.length)
        } else {
          addLine(chunk, start, end)
        }
        start = end + 1
      }
      if (start < chunk.length) partial.push(Buffer.from(chunk.subarray(start))) // a copy: the stream may reuse its chunk
      if (writer && writer.bytes >= pieceBytes) yield finish()
    }
    if (partial.length > 0) {
      const line = Buffer.concat(partial)
      addLine(line, 0, line.length)
    }
    if (writer) yield finish()
  } finally {
    if (writer) {
      writer.close()
      rmSync(writer.file, { force: true })
    }
  }
}
