// `pulso produce FILE.ndjson --topic T`: publishes one message per line, keyed by the event's
// conversation_id, acks=all, in chunks; reports progress in bytes of the file read.
import { createReadStream, statSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { Partitioners } from 'kafkajs'
import type { Logger } from 'pino'
import { createKafka } from './client.ts'

export type ProduceOptions = {
  brokers: string[]
  topic: string
  /** Messages per produce request. */
  chunk?: number
  onProgress?: (bytesRead: number, totalBytes: number, messages: number) => void
}

/** The key of a line: its conversation_id when it is an event, none otherwise (the worker dead-letters it). */
export function messageKey(line: string): string | null {
  try {
    const value = JSON.parse(line) as { conversation_id?: unknown }
    return typeof value?.conversation_id === 'string' ? value.conversation_id : null
  } catch {
    return null
  }
}

export async function produceFile(file: string, options: ProduceOptions, logger: Logger): Promise<{ messages: number; bytes: number }> {
  const total = file === '-' ? 0 : statSync(file).size
  const producer = createKafka({ brokers: options.brokers }, logger, 'pulso-produce').producer({ createPartitioner: Partitioners.DefaultPartitioner })
  await producer.connect()
  const chunk = options.chunk ?? 10_000
  let pending: { key: string | null; value: string }[] = []
  let messages = 0
  let bytes = 0
  // Two requests in flight keep the broker busy while the next chunk is read.
  const inFlight: Promise<unknown>[] = []
  const send = async () => {
    if (pending.length === 0) return
    const batch = pending
    pending = []
    inFlight.push(producer.send({ topic: options.topic, acks: -1, messages: batch }))
    if (inFlight.length >= 2) await inFlight.shift()
    messages += batch.length
    options.onProgress?.(bytes, total, messages)
  }
  try {
    const input = file === '-' ? process.stdin : createReadStream(file)
    for await (const line of createInterface({ input, crlfDelay: Infinity })) {
      bytes += Buffer.byteLength(line) + 1
      if (line.trim() === '') continue
      pending.push({ key: messageKey(line), value: line })
      if (pending.length >= chunk) await send()
    }
    await send()
    await Promise.all(inFlight)
    options.onProgress?.(total || bytes, total || bytes, messages)
  } finally {
    await producer.disconnect()
  }
  return { messages, bytes }
}
