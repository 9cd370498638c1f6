// A connection of embedded chDB for @clickhouse/client, whose queries wait for it in JavaScript.
//
// chDB runs one query at a time per connection, and each query runs on one of libuv's worker
// threads (4 unless UV_THREADPOOL_SIZE says otherwise), which the whole process shares: file
// reads and writes, DNS, zlib and every other chDB connection. A query sent while its connection
// is busy takes a worker thread too, and blocks it until the engine lets it in. Six statements
// sent at once on one connection held all four threads, and every other request of the process
// (/healthz, ingest, /v1/kpis) waited behind them for seconds. Here a query is handed to chDB
// only once its connection is free, so a connection holds at most one worker thread, whatever
// the number of callers.
import type { createClient } from '@clickhouse/client'

export type ClientConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>

/** Opens a chDB connection on the data folder `chdbPath` (throws chDB's own error when it cannot). */
export async function openChdbConnection(chdbPath: string): Promise<ClientConnection> {
  const { createChdbConnection } = await import('chdb/connection')
  // chdb builds against @clickhouse/client-common, whose types are a twin of the client's own.
  return oneQueryAtATime(createChdbConnection({ path: chdbPath }) as unknown as ClientConnection)
}

/** `connection`, with each call started only after the previous one has ended. */
export function oneQueryAtATime(connection: ClientConnection): ClientConnection {
  let previous: Promise<unknown> = Promise.resolve()
  function inTurn<P extends { abort_signal?: AbortSignal }, R>(params: P, call: (params: P) => Promise<R>): Promise<R> {
    const signal = params.abort_signal
    // chDB cannot stop a query it has started: its abort only answers the caller early while the
    // query runs on. So the call keeps its turn until chDB is done with it, and only the
    // caller's answer comes early (an abort while it waits means it never starts).
    const run = previous.then(() => {
      signal?.throwIfAborted()
      return call({ ...params, abort_signal: undefined })
    })
    previous = run.catch(() => undefined)
    if (!signal) return run
    return new Promise<R>((resolve, reject) => {
      const onAbort = () => reject(signal.reason)
      if (signal.aborted) return onAbort()
      signal.addEventListener('abort', onAbort, { once: true })
      run.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
    })
  }
  return {
    ping: (params) => inTurn(params, (p) => connection.ping(p)),
    query: (params) => inTurn(params, (p) => connection.query(p)),
    exec: (params) => inTurn(params, (p) => connection.exec(p)),
    command: (params) => inTurn(params, (p) => connection.command(p)),
    insert: (params) => inTurn(params, (p) => connection.insert(p)),
    close: () => previous.then(() => connection.close()),
  }
}
