// Refuses bodies larger than the configured limit with a 413 that says what to do.
import { bodyLimit } from 'hono/body-limit'
import { ApiError } from '../errors.ts'

export function limitBody(maxBytes: number) {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new ApiError(413, 'payload_too_large', `the body is larger than ${maxBytes} bytes; split the batch`)
    },
  })
}
