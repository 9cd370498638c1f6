// Which data-team statements may run now. A tenant runs at most `perTenant` statements at once and
// all tenants together at most `total`; a statement that finds no free slot waits in its tenant's
// line (at most `queuedPerTenant` wait), and one that finds the line full is refused at once with
// the time after which a slot will have been freed. When a slot frees, the tenants with someone
// waiting take turns, so one tenant's long line never keeps another's statement waiting for long.
import type { SqlConcurrency } from '../../config/config.ts'

/** No slot free and the tenant's line full: the message names the limit and what to set. */
export class StatementsBusyError extends Error {
  override name = 'StatementsBusyError'
  constructor(
    message: string,
    /** Seconds after which the statement that blocks this one will have ended (it cannot run longer). */
    readonly retryAfterSeconds: number,
  ) {
    super(message)
  }
}

/** A statement waiting in its tenant's line; admit() starts it. */
type Waiting = { admit: () => void }
/** A tenant's running statements (their start times), its line, and when it was last given a slot (a count). */
type TenantLine = { running: number[]; waiting: Waiting[]; lastServed: number }

export class StatementSlots {
  #tenants = new Map<string, TenantLine>()
  #running = 0
  #served = 0

  constructor(
    private readonly limits: SqlConcurrency,
    /** The longest a statement runs (PULSO_SQL_MAX_EXECUTION_SECONDS): what Retry-After is counted from. */
    private readonly maxExecutionSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Waits for a slot of `tenant` and resolves to the function that frees it (call it once the
   * statement has ended). Throws StatementsBusyError when the tenant's line is full, and the
   * signal's reason when it aborts while the statement waits.
   */
  async acquire(tenant: string, signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted()
    const line = this.#line(tenant)
    if (line.waiting.length === 0 && this.#hasRoom(line)) return this.#start(tenant, line)
    if (line.waiting.length >= this.limits.queuedPerTenant) {
      const busy = this.#busy(tenant, line)
      this.#forgetIfIdle(tenant, line)
      throw busy
    }
    return new Promise<() => void>((resolve, reject) => {
      const waiting: Waiting = {
        admit: () => {
          signal?.removeEventListener('abort', onAbort)
          resolve(this.#start(tenant, line))
        },
      }
      const onAbort = () => {
        line.waiting.splice(line.waiting.indexOf(waiting), 1)
        this.#forgetIfIdle(tenant, line)
        reject(signal!.reason)
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      line.waiting.push(waiting)
    })
  }

  /** Statements running now, of one tenant or of all. */
  running(tenant?: string): number {
    return tenant === undefined ? this.#running : (this.#tenants.get(tenant)?.running.length ?? 0)
  }

  /** Statements waiting for a slot, of one tenant or of all. */
  waiting(tenant?: string): number {
    if (tenant !== undefined) return this.#tenants.get(tenant)?.waiting.length ?? 0
    return [...this.#tenants.values()].reduce((sum, line) => sum + line.waiting.length, 0)
  }

  #line(tenant: string): TenantLine {
    let line = this.#tenants.get(tenant)
    if (!line) this.#tenants.set(tenant, (line = { running: [], waiting: [], lastServed: 0 }))
    return line
  }

  #hasRoom(line: TenantLine): boolean {
    return line.running.length < this.limits.perTenant && this.#running < this.limits.total
  }

  #start(tenant: string, line: TenantLine): () => void {
    const started = this.now()
    line.running.push(started)
    this.#running++
    line.lastServed = ++this.#served
    let freed = false
    return () => {
      if (freed) return
      freed = true
      line.running.splice(line.running.indexOf(started), 1)
      this.#running--
      this.#admitNext()
      this.#forgetIfIdle(tenant, line)
    }
  }

  #forgetIfIdle(tenant: string, line: TenantLine): void {
    if (line.running.length === 0 && line.waiting.length === 0 && this.#tenants.get(tenant) === line) this.#tenants.delete(tenant)
  }

  /** While there is room, lets the first waiting statement of the tenant served longest ago run. */
  #admitNext(): void {
    while (this.#running < this.limits.total) {
      let next: TenantLine | undefined
      for (const line of this.#tenants.values()) {
        if (line.waiting.length > 0 && this.#hasRoom(line) && (!next || line.lastServed < next.lastServed)) next = line
      }
      if (!next) return
      // admit() starts it at once, so the next round sees the slot taken.
      next.waiting.shift()!.admit()
    }
  }

  #busy(tenant: string, line: TenantLine): StatementsBusyError {
    const tenantFull = line.running.length >= this.limits.perTenant
    // The oldest statement in the way ends by its time limit at the latest.
    const blocking = tenantFull ? line.running : [...this.#tenants.values()].flatMap((l) => l.running)
    const oldest = Math.min(...blocking)
    const retryAfterSeconds = Math.max(1, Math.ceil(this.maxExecutionSeconds - (this.now() - oldest) / 1000))
    const limit = tenantFull
      ? `tenant ${tenant} already runs ${line.running.length} statements (PULSO_SQL_MAX_CONCURRENT_PER_TENANT = ${this.limits.perTenant})`
      : `${this.#running} statements of all tenants already run (PULSO_SQL_MAX_CONCURRENT = ${this.limits.total})`
    return new StatementsBusyError(
      `too many statements at once: ${limit} and ${line.waiting.length} more of tenant ${tenant} wait (PULSO_SQL_MAX_QUEUED_PER_TENANT = ${this.limits.queuedPerTenant}); retry after ${retryAfterSeconds} s`,
      retryAfterSeconds,
    )
  }
}
