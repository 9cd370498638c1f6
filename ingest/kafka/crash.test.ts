// A worker process killed with SIGKILL in the middle of a stream loses nothing: the restarted
// worker reads again what was not committed, every event counts exactly once and every bad message
// is dead-lettered once (a block stored but not committed is read again, its dead letters with it).
// The restarted worker is then stopped with SIGTERM: it stores its block, commits and exits 0.
import type { ChildProcess } from 'node:child_process'
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnWorkerProcess, type WorkerProcess } from '../../scripts/kafka/worker-process.ts'
import { openTestPulso, TEST_API_KEYS, type TestPulso } from '../../tests/helpers.ts'
import { queryRows } from '../../warehouse/client.ts'
import { countEvents } from '../../warehouse/repositories/events.ts'
import { simulate } from '../simulator/simulator.ts'
import { caughtUp, createTopic, groupProgress, produce, type TestBroker, uniqueName, useKafkaBroker, waitForProgress } from './testing.ts'

let broker: TestBroker
const dataDir = mkdtempSync(path.join(tmpdir(), 'pulso-crash-'))
const topic = uniqueName('crash')
const group = uniqueName('crash-workers')
const children: ChildProcess[] = []

beforeAll(async () => {
  broker = await useKafkaBroker()
  await createTopic(broker.brokers, topic, 2)
})

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  await broker?.close()
  rmSync(dataDir, { recursive: true, force: true })
})

function startWorker(name: string): WorkerProcess {
  const worker = spawnWorkerProcess(
    {
      PULSO_DATA_DIR: dataDir,
      PULSO_DEMO: '0',
      PULSO_API_KEYS: TEST_API_KEYS,
      PULSO_HASH_KEY: 'test-hash-key',
      PULSO_KAFKA_BROKERS: broker.brokers.join(','),
      PULSO_KAFKA_TOPIC: topic,
      PULSO_KAFKA_GROUP: group,
      PULSO_KAFKA_BLOCK_EVENTS: '1500',
      PULSO_KAFKA_BLOCK_MS: '250',
      // the killed worker's partitions go to the restarted one after this long (broker minimum 6 s)
      PULSO_KAFKA_SESSION_TIMEOUT_MS: '6000',
      PULSO_METRICS_PORT: '0',
      PULSO_LOG_LEVEL: 'info',
    },
    { stdio: ['ignore', 'ignore', 'pipe'] },
  )
  worker.child.stderr!.pipe(createWriteStream(path.join(dataDir, `${name}.log`)))
  children.push(worker.child)
  return worker
}

describe('a worker killed mid-stream', () => {
  it('restarts and stores every event exactly once and every bad message once; SIGTERM then drains and exits 0', async () => {
    const valid = simulate({ tenantId: 'acme', endDate: new Date('2024-03-31T00:00:00Z'), days: 8, conversationsPerDay: 250, seed: 7 })
    const distinctEvents = new Set(valid.map((e) => e.event_id)).size
    const distinctConversations = new Set(valid.map((e) => e.conversation_id)).size
    // one bad message after every 25th event, each its own: text that is not JSON, or a CSAT out of range
    const events: (object | string)[] = valid.flatMap((e, i) =>
      i % 25 === 24 ? [e, i % 50 === 49 ? `not json ${i}` : { ...e, event_id: `bad-${i}`, type: 'csat', score: 9 }] : [e],
    )
    const badMessages = events.length - valid.length
    const half = Math.floor(events.length / 2)
    await produce(broker.brokers, topic, events.slice(0, half))

    const first = startWorker('worker-1')
    // Kill as soon as some blocks are committed, while more are buffered or being stored.
    await waitForProgress(broker.brokers, group, topic, (p) => p.committed > 0, 90_000)
    first.child.kill('SIGKILL')
    expect((await first.exited).signal).toBe('SIGKILL')
    const atKill = await groupProgress(broker.brokers, group, topic)
    await produce(broker.brokers, topic, events.slice(half))
    expect(atKill.committed).toBeLessThan(events.length)

    const second = startWorker('worker-2')
    await waitForProgress(broker.brokers, group, topic, caughtUp, 120_000)
    second.child.kill('SIGTERM')
    expect(await second.exited).toEqual({ code: 0, signal: null })

    const pulso: TestPulso = await openTestPulso({}, dataDir)
    try {
      expect(await countEvents(pulso.warehouse, 'acme')).toBe(distinctEvents)
      const result = await pulso.warehouse.client.query({
        query: `SELECT count() AS n FROM ${pulso.warehouse.database}.fct_conversations WHERE tenant_id = 'acme'`,
        format: 'JSONEachRow',
      })
      expect(Number((await result.json<{ n: number }>())[0]!.n)).toBe(distinctConversations)
      // raw rows, not folded by FINAL: the restarted worker found the killed one's letters stored
      const letters = await queryRows<{ n: number }>(
        pulso.warehouse,
        `SELECT count() AS n FROM ${pulso.warehouse.database}.dead_letters WHERE source = 'kafka'`,
      )
      expect(Number(letters[0]!.n)).toBe(badMessages)
    } finally {
      await pulso.close()
    }
  })
})
