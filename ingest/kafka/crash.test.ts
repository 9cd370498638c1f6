// A worker process killed with SIGKILL in the middle of a stream loses nothing: the restarted
// worker reads again what was not committed, and every event counts exactly once. The restarted
// worker is then stopped with SIGTERM: it stores its block, commits and exits 0.
import type { ChildProcess } from 'node:child_process'
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openTestPulso, TEST_API_KEYS, type TestPulso } from '../../tests/helpers.ts'
import { countEvents } from '../../warehouse/repositories/events.ts'
import { spawnWorkerProcess, type WorkerProcess } from '../../scripts/kafka/worker-process.ts'
import { simulate } from '../simulator/simulator.ts'
import { caughtUp, createTopic, groupProgress, produce, uniqueName, useKafkaBroker, waitForProgress, type TestBroker } from './testing.ts'

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
  it('restarts and stores every event exactly once; SIGTERM then drains and exits 0', async () => {
    const events = simulate({ tenantId: 'acme', endDate: new Date('2024-03-31T00:00:00Z'), days: 8, conversationsPerDay: 250, seed: 7 })
    const distinctEvents = new Set(events.map((e) => e.event_id)).size
    const distinctConversations = new Set(events.map((e) => e.conversation_id)).size
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
    } finally {
      await pulso.close()
    }
  })
})
