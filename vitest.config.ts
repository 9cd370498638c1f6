// The suite in four projects by what a file needs (tests/projects.ts), run in three phases so that
// a busy 2-core machine is never asked for more than it has:
//   1. unit (threads) beside engine (a process per file, chDB in each), two files at a time;
//   2. kafka: the files that share the broker, or start and restart one of their own;
//   3. browser: Chromium against a server with the demo tenant.
// Before, every file ran in one pool of two: the broker-restart test (two JVM starts of its own)
// ran beside the browser test and an engine file, and took 59 s of its 60 s under load.
// `npx vitest run --project unit` (or engine, kafka, browser) runs one project.
import { defineConfig } from 'vitest/config'
import { BROWSER_TESTS, KAFKA_TESTS, NOT_TESTS, UNIT_TESTS } from './tests/projects.ts'

export default defineConfig({
  test: {
    // chDB is one engine per process and per data folder: every file that opens one runs in its own
    // process. Vitest 3 has one pool of each kind per run, sized here for all projects; the phases
    // (sequence.groupOrder) keep the heavy projects apart. Each project names its own files (with
    // `extends: true` a project's include would be added to a root one, not replace it).
    pool: 'forks',
    maxWorkers: 2,
    fileParallelism: true,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    env: { NODE_ENV: 'test' },
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: UNIT_TESTS, exclude: NOT_TESTS, pool: 'threads', sequence: { groupOrder: 1 } },
      },
      {
        extends: true,
        test: {
          name: 'engine',
          include: ['**/*.test.ts'],
          exclude: [...NOT_TESTS, ...UNIT_TESTS, ...KAFKA_TESTS, ...BROWSER_TESTS],
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: { name: 'kafka', include: KAFKA_TESTS, exclude: NOT_TESTS, sequence: { groupOrder: 2 } },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: BROWSER_TESTS,
          exclude: NOT_TESTS,
          sequence: { groupOrder: 3 },
          // builds dashboard/dist once per run when it is missing or older than its sources
          globalSetup: ['dashboard/tests/fresh-build.ts'],
        },
      },
    ],
  },
})
