// A bound on how long a question to a dependency may take, so that /metrics and /healthz answer
// within their scraper's timeout even while the broker or ClickHouse does not.
export class DeadlineError extends Error {
  override name = 'DeadlineError'
}

/** `work`, or a DeadlineError naming `what` once `ms` have passed (the work itself is not cancelled). */
export function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new DeadlineError(`${what}: no answer within ${ms} ms`)), ms)
  })
  return Promise.race([work, expired]).finally(() => clearTimeout(timer))
}
