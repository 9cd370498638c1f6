// A bulk load hands ClickHouse files to read (file() in embedded chDB), piece by piece: a piece at
// a time keeps a progress bar moving on a file of gigabytes, lets Node write the next piece while
// the engine reads the one before, and reads standard input the same way as a file.
//
// Each line is written as `<file line number>\t<line>`: ClickHouse numbers the rows of a file it
// reads (_row_number) only by reading it on one thread, and with the number in the line it parses
// on all of them, while rejections still name file lines (input-lines.ts numbers them, and leaves
// out blank lines and a line's carriage return before its newline).
import { closeSync, openSync, rmSync, writeSync } from 'node:fs'
import path from 'node:path'
import { inputChunks, LineSplitter, type LoadInput, type ReadProgress } from './input-lines.ts'

export type FilePiece = {
  /** The file ClickHouse reads: numbered lines. */
  file: string
  /** Removes the piece. */
  discard(): void
}

/** How much of the input one piece holds, about. */
export const PIECE_BYTES = 64 * 2 ** 20

const NEWLINE = 10
const TAB = 9

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

/**
 * The input as pieces of numbered lines in `scratchDir`, each removed by its discard() (or when
 * the reading stops early).
 */
export async function* filePieces(input: LoadInput, scratchDir: string, read: ReadProgress, pieceBytes = PIECE_BYTES): AsyncGenerator<FilePiece> {
  let pieceNumber = 0
  let writer: PieceWriter | undefined
  const lines = new LineSplitter(read, (bytes, from, to, lineNumber) => {
    writer ??= new PieceWriter(path.join(scratchDir, `load-${process.pid}-${++pieceNumber}.ndjson`))
    writer.add(lineNumber, bytes, from, to)
  })
  const finish = (): FilePiece => {
    const done = writer!
    done.close()
    writer = undefined
    return { file: done.file, discard: () => rmSync(done.file, { force: true }) }
  }
  try {
    for await (const chunk of inputChunks(input)) {
      lines.add(chunk)
      if (writer && writer.bytes >= pieceBytes) yield finish()
    }
    lines.end()
    if (writer) yield finish()
  } finally {
    if (writer) {
      writer.close()
      rmSync(writer.file, { force: true })
    }
  }
}
