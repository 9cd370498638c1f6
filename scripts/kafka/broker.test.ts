// The test broker's cluster id: StorageTool reads an id that starts with '-' as an option and
// refuses to format, which once failed a CI run (one id in 64).
import { describe, expect, it } from 'vitest'
import { newClusterId } from './broker.ts'

describe('a KRaft cluster id for the test broker', () => {
  it('never starts with "-", and is 16 bytes of URL-safe base64', () => {
    const draws = [Buffer.alloc(16, 0xf8), Buffer.alloc(16, 0x01)] // 0xf8… encodes as "-…"
    expect(draws[0]!.toString('base64url')).toMatch(/^-/)
    const id = newClusterId(() => draws.shift()!)
    expect(id).toBe(Buffer.alloc(16, 0x01).toString('base64url'))
    for (let i = 0; i < 500; i++) expect(newClusterId()).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/)
  })
})
