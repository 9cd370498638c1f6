// Serving HTTP on the configured port, with the failures a user meets at start-up said in one
// line (a port in use, a port below 1024) instead of Node's stack trace of an unhandled 'error'.
import { createServer } from 'node:net'
import { type ServerType, serve } from '@hono/node-server'

export class StartupError extends Error {
  override name = 'StartupError'
}

function listenError(error: NodeJS.ErrnoException, port: number): Error {
  if (error.code === 'EADDRINUSE')
    return new StartupError(`port ${port} is already in use by another process (another Pulso?): stop it, or set PORT to a free port (PORT=0 picks one)`)
  if (error.code === 'EACCES') return new StartupError(`port ${port} needs privileges this process does not have: set PORT to a port from 1024 up`)
  return error
}

/**
 * Fails fast, before a start-up that may take minutes (migrations, the demo tenant, the models'
 * tests), when the port is taken. `listen` still reports a port taken in between.
 */
export async function assertPortFree(port: number): Promise<void> {
  if (port === 0) return
  await new Promise<void>((resolve, reject) => {
    const probe = createServer()
    probe.once('error', (error) => reject(listenError(error, port)))
    // no host: the same dual-stack address serve() listens on
    probe.listen(port, () => probe.close(() => resolve()))
  })
}

export function listen(fetch: Parameters<typeof serve>[0]['fetch'], port: number): Promise<ServerType> {
  return new Promise<ServerType>((resolve, reject) => {
    const server = serve({ fetch, port }, () => {
      server.off('error', onError)
      resolve(server)
    })
    const onError = (error: NodeJS.ErrnoException) => reject(listenError(error, port))
    server.once('error', onError)
  })
}
