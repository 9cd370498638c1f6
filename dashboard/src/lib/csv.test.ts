import { describe, expect, it } from 'vitest'
import { toCsv } from './csv.ts'

describe('toCsv', () => {
  it('quotes cells with commas, quotes and line breaks, and leaves nulls empty (RFC 4180)', () => {
    const csv = toCsv(
      ['q', 'n', 'examples'],
      [
        { q: '¿Puedo pagar, en efectivo?', n: 3, examples: ['a', 'b'] },
        { q: 'dice "hola"\nadiós', n: null },
      ],
    )
    expect(csv).toBe('q,n,examples\r\n"¿Puedo pagar, en efectivo?",3,"[""a"",""b""]"\r\n"dice ""hola""\nadiós",,\r\n')
  })
})
