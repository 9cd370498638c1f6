// Failed sign-ins slow down, then lock, per account and per address (clock given by the test).
import { describe, expect, it } from 'vitest'
import { SignInThrottle } from './sign-in-throttle.ts'

const settings = { slowAfter: 2, lockAfter: 4, addressLockAfter: 6, lockMs: 60_000, stepDelayMs: 1_000, maxDelayMs: 1_500 }

describe('sign-in throttle', () => {
  it('answers failures past slowAfter later each time, up to the most', () => {
    const throttle = new SignInThrottle(settings)
    // failures 1, 2: no wait; 3: (3 − 2) × 1 s; 4: 2 s, capped at 1.5 s
    expect([1, 2, 3, 4].map(() => throttle.recordFailure('ana@acme.test', '10.0.0.1', 0))).toEqual([0, 0, 1_000, 1_500])
  })

  it('locks an account after lockAfter failures, whatever the address, until the first of them is lockMs old', () => {
    const throttle = new SignInThrottle(settings)
    for (const [i, address] of ['a', 'b', 'c', 'd'].entries()) {
      expect(throttle.check('ana@acme.test', address, i * 1_000)).toEqual({ locked: false })
      throttle.recordFailure('ANA@acme.test ', address, i * 1_000)
    }
    // the 4th failure came at 3 s; the first at 0 s is forgotten at 60 s
    expect(throttle.check('ana@acme.test', 'e', 10_000)).toEqual({ locked: true, retryAfterMs: 50_000 })
    expect(throttle.check('ana@acme.test', 'e', 60_000)).toEqual({ locked: false })
    // another account from those addresses is not locked
    expect(throttle.check('bea@acme.test', 'a', 10_000)).toEqual({ locked: false })
  })

  it('locks an address after addressLockAfter failures, whatever the emails (known or not)', () => {
    const throttle = new SignInThrottle(settings)
    for (let i = 0; i < 6; i++) throttle.recordFailure(`guess${i}@acme.test`, '10.0.0.9', 0)
    expect(throttle.check('someone-else@acme.test', '10.0.0.9', 1)).toEqual({ locked: true, retryAfterMs: 59_999 })
    expect(throttle.check('someone-else@acme.test', '10.0.0.10', 1)).toEqual({ locked: false })
  })

  it("forgets an account's failures once its password is given", () => {
    const throttle = new SignInThrottle(settings)
    for (let i = 0; i < 3; i++) throttle.recordFailure('ana@acme.test', 'a', 0)
    throttle.recordSuccess('ana@acme.test')
    // the account starts again; the address still counts its 3 failures, plus this one
    expect(throttle.recordFailure('ana@acme.test', 'b', 0)).toBe(0)
    expect(throttle.recordFailure('ana@acme.test', 'a', 0)).toBe(1_500)
  })
})
