// Retrying an operation that fails while a dependency is down (ClickHouse, the broker):
// exponential backoff with jitter, capped, forever unless told to stop — a worker that waits
// loses nothing, a worker that crashes and restarts in a loop helps no one.
export type BackoffOptions = {
  initialMs?: number
  maxMs?: number
  /** Checked before every attempt; when it returns true the last error is thrown. */
  giveUp?: () => boolean
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void
  /** Called while waiting between attempts, e.g. to heartbeat the consumer group. */
  whileWaiting?: () => Promise<void>
}

export function backoffDelay(attempt: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  const exp = Math.min(maxMs, initialMs * 2 ** Math.min(attempt - 1, 20))
  // Full jitter on the upper half, so workers that failed together do not retry together.
  return Math.round(exp / 2 + (random() * exp) / 2)
}

export async function retryWithBackoff<T>(operation: () => Promise<T>, options: BackoffOptions = {}): Promise<T> {
  const initialMs = options.initialMs ?? 200
  const maxMs = options.maxMs ?? 10_000
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation()
    } catch (error) {
      if (options.giveUp?.()) throw error
      const delay = backoffDelay(attempt, initialMs, maxMs)
      options.onRetry?.(error, attempt, delay)
      const until = Date.now() + delay
      while (Date.now() < until) {
        await new Promise((r) => setTimeout(r, Math.min(1_000, until - Date.now())))
        await options.whileWaiting?.().catch(() => undefined)
      }
    }
  }
}
