// Failed sign-ins, counted per account (the email as typed, whether or not it has an account) and
// per client address: past a few failures each further failure is answered more slowly, and past a
// limit the account or the address is locked for a while, even for the right password. Counting
// unknown emails the same way keeps the answers the same for them and for a wrong password.
//
// The counts live in the API process's memory: one API process serves sign-ins, and a restart that
// forgets them only lets an attacker start again from the (slow) beginning.

export type ThrottleSettings = {
  /** Failures before answers slow down. */
  slowAfter: number
  /** Failures of one account within `lockMs` that lock it. */
  lockAfter: number
  /** Failures from one address within `lockMs` that lock it (higher: an office shares one address). */
  addressLockAfter: number
  /** How long failures are remembered, and so how long a lock lasts. */
  lockMs: number
  /** Each failure past `slowAfter` is answered this much later than the one before… */
  stepDelayMs: number
  /** …up to this. */
  maxDelayMs: number
}

export const DEFAULT_THROTTLE: ThrottleSettings = {
  slowAfter: 3,
  lockAfter: 10,
  addressLockAfter: 50,
  lockMs: 15 * 60_000,
  stepDelayMs: 1_000,
  maxDelayMs: 5_000,
}

export type ThrottleVerdict = { locked: false } | { locked: true; retryAfterMs: number }

// Beyond this many remembered keys, the oldest failures are forgotten first (a flood of made-up
// emails must not grow the process without bound).
const MAX_KEYS = 100_000

export class SignInThrottle {
  readonly #failures = new Map<string, number[]>()

  constructor(readonly settings: ThrottleSettings = DEFAULT_THROTTLE) {}

  /** Whether a sign-in of `email` from `address` may be tried now. */
  check(email: string, address: string, now = Date.now()): ThrottleVerdict {
    const account = this.#recent(accountKey(email), now)
    const from = this.#recent(addressKey(address), now)
    const waits = [
      account.length >= this.settings.lockAfter ? account[account.length - this.settings.lockAfter]! + this.settings.lockMs - now : 0,
      from.length >= this.settings.addressLockAfter ? from[from.length - this.settings.addressLockAfter]! + this.settings.lockMs - now : 0,
    ]
    const retryAfterMs = Math.max(...waits)
    return retryAfterMs > 0 ? { locked: true, retryAfterMs } : { locked: false }
  }

  /** Records a failure; answers how long to wait before saying so. */
  recordFailure(email: string, address: string, now = Date.now()): number {
    let most = 0
    for (const key of [accountKey(email), addressKey(address)]) {
      const recent = this.#recent(key, now)
      recent.push(now)
      this.#failures.delete(key) // re-inserted last: the Map's order is oldest-touched first
      this.#failures.set(key, recent)
      most = Math.max(most, recent.length)
    }
    while (this.#failures.size > MAX_KEYS) this.#failures.delete(this.#failures.keys().next().value!)
    const beyond = most - this.settings.slowAfter
    return beyond > 0 ? Math.min(beyond * this.settings.stepDelayMs, this.settings.maxDelayMs) : 0
  }

  /** The account's failures are forgotten once its password is given (the address's are not). */
  recordSuccess(email: string): void {
    this.#failures.delete(accountKey(email))
  }

  #recent(key: string, now: number): number[] {
    return (this.#failures.get(key) ?? []).filter((at) => now - at < this.settings.lockMs)
  }
}

const accountKey = (email: string) => `account:${email.trim().toLowerCase()}`
const addressKey = (address: string) => `address:${address}`
