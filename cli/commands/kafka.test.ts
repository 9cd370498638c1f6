// The Kafka commands from a terminal: `pulso produce FILE --topic T` publishes a file keyed by
// conversation_id; `pulso ingest FILE` still ingests a file next to the `ingest kafka` worker.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { produceFile } from '../../ingest/kafka/produce-file.ts'
import { createTopic, type TestBroker, testKafka, uniqueName, useKafkaBroker } from '../../ingest/kafka/testing.ts'
import { REPO_ROOT } from '../../scripts/kafka/broker.ts'
import { event, ndjson, TEST_API_KEYS } from '../../tests/helpers.ts'
import { runPulso } from '../../tests/run-pulso.ts'
import { createLogger } from '../logger.ts'

let broker: TestBroker
const dir = mkdtempSync(path.join(tmpdir(), 'pulso-cli-kafka-'))
const file = path.join(dir, 'events.ndjson')

beforeAll(async () => {
  broker = await useKafkaBroker()
  writeFileSync(
    file,
    `${ndjson([event({ event_id: 'p1', conversation_id: 'conv-1' }), event({ event_id: 'p2', conversation_id: 'conv-2', sender: 'bot' })])}\nnot json\n\n`,
  )
})
afterAll(async () => {
  await broker?.close()
  rmSync(dir, { recursive: true, force: true })
})

const pulso = (args: string[], env: Record<string, string> = {}) =>
  runPulso(args, {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PULSO_DEMO: '0', PULSO_HASH_KEY: 'test-hash-key', PULSO_API_KEYS: TEST_API_KEYS, ...env },
  })

describe('pulso produce', () => {
  it('publishes every non-blank line, keyed by conversation_id, and says how many', async () => {
    const topic = uniqueName('produce')
    await createTopic(broker.brokers, topic, 2)
    const run = await pulso(['produce', file, '--topic', topic], { PULSO_KAFKA_BROKERS: broker.brokers.join(',') })
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toContain(`3 messages published to ${topic}`)
    const consumer = testKafka(broker.brokers).consumer({ groupId: uniqueName('reader') })
    const seen: [string | null, string][] = []
    await consumer.connect()
    await consumer.subscribe({ topic, fromBeginning: true })
    await consumer.run({ eachMessage: async ({ message }) => void seen.push([message.key?.toString() ?? null, message.value!.toString()]) })
    try {
      await expect.poll(() => seen.length, { timeout: 20_000 }).toBe(3)
    } finally {
      await consumer.disconnect()
    }
    expect(seen.map(([key]) => key).sort()).toEqual(['conv-1', 'conv-2', null])
  })

  it('reports progress up to the whole file (what the progress bar shows in a terminal)', async () => {
    const topic = uniqueName('progress')
    await createTopic(broker.brokers, topic, 1)
    const updates: [number, number, number][] = []
    const result = await produceFile(
      file,
      { brokers: broker.brokers, topic, chunk: 1, onProgress: (read, total, messages) => void updates.push([read, total, messages]) },
      createLogger('silent'),
    )
    expect(result.messages).toBe(3)
    expect(updates.at(-1)).toEqual([statSync(file).size, statSync(file).size, 3])
    expect(updates.length).toBeGreaterThanOrEqual(3)
  })

  it('without brokers it says which variable to set', async () => {
    const run = await pulso(['produce', file, '--topic', 't'])
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('PULSO_KAFKA_BROKERS is not set')
  })
})

describe('pulso ingest', () => {
  it('`ingest FILE` still ingests a file (the `kafka` subcommand does not capture it)', async () => {
    const run = await pulso(['ingest', file], { PULSO_DATA_DIR: path.join(dir, 'data') })
    // 2 valid events, the bad line rejected (exit code 2 when anything was rejected)
    expect(run.stdout, run.stderr).toContain('2 accepted, 0 duplicates, 1 rejected')
    expect(run.code).toBe(2)
  })

  it('`ingest kafka` without brokers fails naming PULSO_KAFKA_BROKERS', async () => {
    const run = await pulso(['ingest', 'kafka'], { PULSO_DATA_DIR: path.join(dir, 'data2') })
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('PULSO_KAFKA_BROKERS is not set')
  })
})
