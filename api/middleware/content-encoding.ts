// Batches may come compressed (Content-Encoding: gzip, deflate or br), as log shippers and HTTP
// clients send them. The decoded text is held to the same limit as a plain body: a few kB of gzip
// that would expand past it (a "zip bomb") is cut off at the limit and refused with 413, never
// decompressed whole. The compressed bytes are already held to it by limitBody.
import { Readable, type Transform } from 'node:stream'
import { promisify } from 'node:util'
import zlib, { type ZlibOptions } from 'node:zlib'
import type { HonoRequest } from 'hono'
import { ApiError } from '../errors.ts'

type Decoder = (data: Buffer, options: ZlibOptions) => Promise<Buffer>

const gunzip: Decoder = promisify(zlib.gunzip)
const DECODERS: Record<string, Decoder> = {
  gzip: gunzip,
  'x-gzip': gunzip,
  deflate: promisify(zlib.inflate),
  br: promisify(zlib.brotliDecompress) as Decoder,
}

export const SUPPORTED_ENCODINGS = ['gzip', 'deflate', 'br'] as const

/**
 * The request's body as text, decoded from its Content-Encoding. Errors a client can act on:
 * 415 for an encoding Pulso does not decode, 413 when the decoded body passes `maxBytes`, 400 when
 * the bytes are not what the header says.
 */
export async function decodedBodyText(req: HonoRequest, maxBytes: number): Promise<string> {
  const encoding = (req.header('content-encoding') ?? '').trim().toLowerCase()
  if (encoding === '' || encoding === 'identity') return req.text()
  const decode = DECODERS[encoding]
  if (!decode) throw unsupported(encoding)
  const compressed = Buffer.from(await req.arrayBuffer())
  let decoded: Buffer
  try {
    // zlib stops inflating once the output would pass maxOutputLength (ERR_BUFFER_TOO_LARGE).
    decoded = await decode(compressed, { maxOutputLength: maxBytes })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new ApiError(413, 'payload_too_large', `the body decompressed is larger than ${maxBytes} bytes; split the batch`)
    }
    throw new ApiError(400, 'bad_request', `the body is not ${encoding} data as its Content-Encoding says: ${(error as Error).message}`)
  }
  return new TextDecoder().decode(decoded)
}

/** Streams that decode each supported Content-Encoding, for bodies read as they arrive. */
const STREAM_DECODERS: Record<string, () => Transform> = {
  gzip: () => zlib.createGunzip(),
  'x-gzip': () => zlib.createGunzip(),
  deflate: () => zlib.createInflate(),
  br: () => zlib.createBrotliDecompress(),
}

/**
 * The request's body as it arrives, decoded from its Content-Encoding, for bodies too large to
 * hold (the bulk intake). Errors as decodedBodyText's; a body that passes `maxBytes` (decoded) is
 * refused with 413 at that point, so a reader that fails on it leaves nothing half-stored.
 */
export async function* decodedBodyChunks(req: HonoRequest, maxBytes: number): AsyncGenerator<Uint8Array> {
  const encoding = (req.header('content-encoding') ?? '').trim().toLowerCase()
  const declared = Number(req.header('content-length'))
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes)
  const plain = encoding === '' || encoding === 'identity'
  const makeDecoder = plain ? undefined : STREAM_DECODERS[encoding]
  if (!plain && !makeDecoder) throw unsupported(encoding)
  const body = req.raw.body
  if (!body) return
  const decoder = makeDecoder?.()
  const raw = Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>)
  const chunks = decoder ? raw.pipe(decoder) : raw
  // a client that stops sending fails the decoder's reading too
  if (decoder) raw.once('error', (error) => decoder.destroy(error))
  let bytes = 0
  try {
    for await (const chunk of chunks as AsyncIterable<Buffer>) {
      bytes += chunk.length
      if (bytes > maxBytes) throw tooLarge(maxBytes)
      yield chunk
    }
  } catch (error) {
    if (error instanceof ApiError || !decoder) throw error
    throw new ApiError(400, 'bad_request', `the body is not ${encoding} data as its Content-Encoding says: ${(error as Error).message}`)
  } finally {
    raw.destroy()
  }
}

function unsupported(encoding: string): ApiError {
  return new ApiError(
    415,
    'unsupported_content_encoding',
    `Content-Encoding '${encoding}' is not supported: send the body uncompressed or compressed with one of ${SUPPORTED_ENCODINGS.join(', ')}`,
  )
}

function tooLarge(maxBytes: number): ApiError {
  return new ApiError(413, 'payload_too_large', `the body is larger than ${maxBytes} bytes; split the file, or raise PULSO_MAX_BULK_BYTES`)
}
