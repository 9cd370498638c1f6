// Passwords are stored as salted scrypt hashes with their parameters, and checked against them.
import { describe, expect, it } from 'vitest'
import { generatePassword, hashPassword, verifyPassword } from './passwords.ts'

// a cheap cost keeps this file fast; the stored parameters are what verifyPassword uses
const CHEAP = { N: 2 ** 10, r: 8, p: 1 }

describe('passwords', () => {
  it('are stored with their parameters and a salt of their own, never as given', async () => {
    const a = await hashPassword('correct horse battery', CHEAP)
    const b = await hashPassword('correct horse battery', CHEAP)
    expect(a).toMatch(/^scrypt\$N=1024,r=8,p=1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/)
    expect(a).not.toBe(b)
    expect(a).not.toContain('correct horse')
  })

  it('check true for the password and false for any other, or for no stored hash', async () => {
    const stored = await hashPassword('correct horse battery', CHEAP)
    expect(await verifyPassword('correct horse battery', stored)).toBe(true)
    expect(await verifyPassword('correct horse batterY', stored)).toBe(false)
    expect(await verifyPassword('correct horse battery', undefined)).toBe(false)
    expect(await verifyPassword('correct horse battery', 'md5$abc')).toBe(false)
  })

  it('use the default cost (N = 2^17, 128 MiB) when none is given', async () => {
    const stored = await hashPassword('correct horse battery')
    expect(stored.split('$')[1]).toBe('N=131072,r=8,p=1')
    expect(await verifyPassword('correct horse battery', stored)).toBe(true)
  })

  it('are generated with 24 characters of base64url', () => {
    expect(generatePassword()).toMatch(/^[A-Za-z0-9_-]{24}$/)
    expect(generatePassword()).not.toBe(generatePassword())
  })
})
