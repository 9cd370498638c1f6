// The lines both bulk loads read: the same lines and line numbers wherever the chunks of the input
// end, blank lines left out but counted, carriage returns before a newline dropped.
import { describe, expect, it } from 'vitest'
import { LineSplitter, type ReadProgress } from './input-lines.ts'

const INPUT = '{"a":1}\r\n\n  \t\r\n{"b":"é 😀"}\n{"c":3}\r\n\r\n{"d":"no newline at the end"}'
const EXPECTED = [
  { line: 1, text: '{"a":1}' },
  { line: 4, text: '{"b":"é 😀"}' },
  { line: 5, text: '{"c":3}' },
  { line: 7, text: '{"d":"no newline at the end"}' },
]

/** The lines of `chunks` as LineSplitter hands them on. */
function split(chunks: Uint8Array[]): { lines: { line: number; text: string }[]; read: ReadProgress } {
  const read: ReadProgress = { lines: 0, bytes: 0 }
  const lines: { line: number; text: string }[] = []
  const splitter = new LineSplitter(read, (bytes, from, to, line) => lines.push({ line, text: Buffer.from(bytes.subarray(from, to)).toString('utf8') }))
  for (const chunk of chunks) splitter.add(chunk)
  splitter.end()
  return { lines, read }
}

describe('the lines of a bulk load input', () => {
  it('are the same wherever the chunks end, even inside a character', () => {
    const bytes = Buffer.from(INPUT)
    for (let cut = 0; cut <= bytes.length; cut++) {
      for (const size of [1, 3, 7]) {
        const chunks = [bytes.subarray(0, cut)]
        for (let at = cut; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size))
        const { lines, read } = split(chunks)
        expect(lines).toEqual(EXPECTED)
        expect(read).toEqual({ lines: 7, bytes: bytes.length })
      }
    }
  })

  it('keep a line whose chunk the stream reuses after handing it over', () => {
    const read: ReadProgress = { lines: 0, bytes: 0 }
    const lines: string[] = []
    const splitter = new LineSplitter(read, (bytes, from, to) => lines.push(Buffer.from(bytes.subarray(from, to)).toString()))
    const reused = Buffer.from('{"first":')
    splitter.add(reused)
    reused.fill(0x20)
    splitter.add(Buffer.from('1}\n'))
    splitter.end()
    expect(lines).toEqual(['{"first":1}'])
  })

  it('count an input of blank lines only, and hand on none', () => {
    expect(split([Buffer.from('\n \r\n\t\n')])).toEqual({ lines: [], read: { lines: 3, bytes: 6 } })
    expect(split([])).toEqual({ lines: [], read: { lines: 0, bytes: 0 } })
  })
})
