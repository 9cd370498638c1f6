import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // chDB is one engine per process and per data folder: every test file runs in its own process.
    pool: 'forks',
    poolOptions: { forks: { singleFork: false } },
    fileParallelism: true,
    maxWorkers: 2,
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dashboard/**/node_modules/**', '.cache/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    env: { NODE_ENV: 'test' },
  },
})
