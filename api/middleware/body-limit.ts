// Refuses bodies larger than a limit with a 413 that says what to do. Every route that reads a
// body (POST and PUT) sets one: batches and webhooks PULSO_MAX_BODY_BYTES, requests that carry one
// JSON object or one SQL statement JSON_BODY_BYTES. Hono's bodyLimit trusts Content-Length when
// there is one and otherwise counts the bytes as they stream in, so a chunked body is cut off at
// the limit too, before it is held in memory whole.
import { bodyLimit } from 'hono/body-limit'
import { ApiError } from '../errors.ts'

/** The largest body of a request that carries one JSON object or one SQL statement (1 MiB). */
export const JSON_BODY_BYTES = 1024 * 1024

export function limitBody(maxBytes: number, hint = 'split the batch') {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new ApiError(413, 'payload_too_large', `the body is larger than ${maxBytes} bytes; ${hint}`)
    },
  })
}
