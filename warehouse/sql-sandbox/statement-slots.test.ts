// Taking turns for data-team statements: per tenant, in all, a bounded line, and a refusal that
// says which limit held the statement and when to come back.
import { describe, expect, it } from 'vitest'
import { StatementSlots, StatementsBusyError } from './statement-slots.ts'

/** Settles pending promise callbacks, so a statement admitted by a release has started. */
const settle = () => new Promise((resolve) => setImmediate(resolve))

function slots(limits: { perTenant: number; queuedPerTenant: number; total: number }) {
  const clock = { now: 1_000_000 }
  return { clock, slots: new StatementSlots(limits, 30, () => clock.now) }
}

/** Starts acquiring and records when the slot is given. */
function ask(s: StatementSlots, tenant: string, signal?: AbortSignal) {
  const asked = { free: undefined as (() => void) | undefined, error: undefined as unknown }
  const pending = s.acquire(tenant, signal).then(
    (free) => (asked.free = free),
    (error) => (asked.error = error),
  )
  return Object.assign(asked, { pending })
}

describe('StatementSlots', () => {
  it("runs a tenant's statements up to its limit, lines up the next ones, and refuses past the line", async () => {
    const { clock, slots: s } = slots({ perTenant: 2, queuedPerTenant: 1, total: 4 })
    const first = ask(s, 'beta')
    clock.now += 12_000
    const second = ask(s, 'beta')
    const third = ask(s, 'beta')
    const fourth = ask(s, 'beta')
    await settle()
    expect([first.free, second.free].every(Boolean)).toBe(true)
    expect(third.free).toBeUndefined()
    expect(s.running('beta')).toBe(2)
    expect(s.waiting('beta')).toBe(1)
    // The oldest running statement started 12 s ago and ends by the 30 s limit: 18 s.
    expect(fourth.error).toBeInstanceOf(StatementsBusyError)
    expect((fourth.error as StatementsBusyError).retryAfterSeconds).toBe(18)
    expect((fourth.error as Error).message).toBe(
      'too many statements at once: tenant beta already runs 2 statements (PULSO_SQL_MAX_CONCURRENT_PER_TENANT = 2) and 1 more of tenant beta wait (PULSO_SQL_MAX_QUEUED_PER_TENANT = 1); retry after 18 s',
    )
    // Another tenant is not held by beta's line.
    const acme = ask(s, 'acme')
    await settle()
    expect(acme.free).toBeDefined()
    // A slot freed goes to the one waiting.
    first.free!()
    await settle()
    expect(third.free).toBeDefined()
    expect(s.running('beta')).toBe(2)
    expect(s.waiting()).toBe(0)
  })

  it('holds all tenants together to the total, naming that limit when it is the one that holds', async () => {
    const { slots: s } = slots({ perTenant: 2, queuedPerTenant: 0, total: 2 })
    const beta = [ask(s, 'beta'), ask(s, 'beta')]
    const acme = ask(s, 'acme')
    await settle()
    expect(beta.every((b) => b.free)).toBe(true)
    expect((acme.error as Error).message).toMatch(/^too many statements at once: 2 statements of all tenants already run \(PULSO_SQL_MAX_CONCURRENT = 2\)/)
    expect((acme.error as StatementsBusyError).retryAfterSeconds).toBe(30)
    expect(s.running()).toBe(2)
  })

  it('gives freed slots to the tenants in turn, not to the longest line', async () => {
    const { slots: s } = slots({ perTenant: 2, queuedPerTenant: 5, total: 2 })
    const running = [ask(s, 'beta'), ask(s, 'beta')]
    const betaWaiting = [ask(s, 'beta'), ask(s, 'beta'), ask(s, 'beta')]
    const acmeWaiting = ask(s, 'acme')
    await settle()
    running[0]!.free!()
    await settle()
    // beta was served last (its two running statements), so acme's turn comes first…
    expect(acmeWaiting.free).toBeDefined()
    expect(betaWaiting.filter((b) => b.free)).toHaveLength(0)
    running[1]!.free!()
    await settle()
    // …then beta's first in line.
    expect(betaWaiting.map((b) => Boolean(b.free))).toEqual([true, false, false])
  })

  it('drops a waiting statement whose client went away, and frees its place in the line', async () => {
    const { slots: s } = slots({ perTenant: 1, queuedPerTenant: 1, total: 2 })
    const running = ask(s, 'beta')
    const gone = new AbortController()
    const waiting = ask(s, 'beta', gone.signal)
    await settle()
    gone.abort(new Error('client went away'))
    await waiting.pending
    expect((waiting.error as Error).message).toBe('client went away')
    expect(s.waiting('beta')).toBe(0)
    // The line has room again, and the freed slot goes to the new one, not to the one that left.
    const next = ask(s, 'beta')
    running.free!()
    await settle()
    expect(next.free).toBeDefined()
    expect(s.running('beta')).toBe(1)
  })

  it('frees a slot once however often it is freed', async () => {
    const { slots: s } = slots({ perTenant: 1, queuedPerTenant: 2, total: 1 })
    const first = ask(s, 'beta')
    const second = ask(s, 'beta')
    const third = ask(s, 'beta')
    await settle()
    first.free!()
    first.free!()
    await settle()
    expect(second.free).toBeDefined()
    expect(third.free).toBeUndefined()
    expect(s.running()).toBe(1)
  })
})
