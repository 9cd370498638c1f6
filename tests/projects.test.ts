// The suite's projects (tests/projects.ts) still say what each file does, and no test blocks its
// process's event loop on a child process (what timed out vitest's RPC on a busy machine).
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { KAFKA_TESTS, UNIT_TESTS } from './projects.ts'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const SKIPPED = new Set(['node_modules', '.cache', '.scratch', '.git', 'dist', 'data', 'test-artifacts'])

function testFiles(dir = ROOT): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory()) return SKIPPED.has(entry.name) ? [] : testFiles(path.join(dir, entry.name))
    return entry.name.endsWith('.test.ts') ? [path.relative(ROOT, path.join(dir, entry.name))] : []
  })
}

const files = testFiles()
const source = (file: string) => readFileSync(path.join(ROOT, file), 'utf8')

describe("the suite's projects", () => {
  it('list only files that exist', () => {
    for (const file of [...UNIT_TESTS, ...KAFKA_TESTS]) expect(existsSync(path.join(ROOT, file)), file).toBe(true)
  })

  it('put every file that starts or uses a Kafka broker in kafka', () => {
    const kafka = files.filter((file) => /\buseKafkaBroker\(|\bstartBroker\(/.test(source(file)))
    expect(kafka.sort()).toEqual([...KAFKA_TESTS].sort())
  })

  it('keep unit files free of engines, child processes and brokers (they run as threads of one process)', () => {
    for (const file of UNIT_TESTS.filter((f) => f !== 'tests/projects.test.ts')) {
      expect(source(file), file).not.toMatch(/openTestPulso|openWarehouse|openRuntime|startServer|node:child_process|run-pulso|kafka\/testing|chdb/)
    }
  })

  it('have no test wait for a child process synchronously', () => {
    // spawnSync and friends block the event loop; a minute of it fails a green run with
    // `[vitest-worker]: Timeout calling "onTaskUpdate"` (tests/run-pulso.ts says why).
    const blocking = [...files, 'tests/helpers.ts', 'tests/run-pulso.ts', 'scripts/kafka/broker.ts', 'ingest/kafka/testing.ts'].filter((file) =>
      /\b(spawnSync|execSync|execFileSync)\(/.test(source(file)),
    )
    expect(blocking).toEqual([])
  })
})
