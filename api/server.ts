// Starts Pulso: warehouse ready, demo tenant filled (unless PULSO_DEMO=0), models tested, HTTP served.
import type { ServerType } from '@hono/node-server'
import type { Logger } from 'pino'
import type { PulsoConfig } from '../config/config.ts'
import { runUnitTests } from '../dbt-like-models/runner/test.ts'
import { Accounts } from '../domain/accounts/accounts.ts'
import { ensureDemoAdmin } from '../domain/accounts/demo-admin.ts'
import { startAlertScheduler } from '../domain/alerts/scheduler.ts'
import { DEMO_TENANT, seedDemo } from '../ingest/simulator/seed-demo.ts'
import { openRuntime, type Runtime } from '../runtime/runtime.ts'
import { createApp } from './app.ts'
import { assertPortFree, listen } from './listen.ts'

export type RunningServer = { runtime: Runtime; server: ServerType; url: string; close(): Promise<void> }

export async function startServer(config: PulsoConfig, logger: Logger): Promise<RunningServer> {
  await assertPortFree(config.port)
  const runtime = await openRuntime(config, {
    onRebuildProgress: (done, total, tenantId) => logger.info({ tenant: tenantId, done, total }, 'recomputing stored conversation facts'),
  })
  const status: Record<string, unknown> = {}
  if (config.demo) {
    const started = Date.now()
    const seeded = await seedDemo(runtime.warehouse, runtime.intake, {
      ...config.demoSize,
      timeZone: config.tenants.get(DEMO_TENANT)?.timezone,
      onProgress: (done, total) => logger.info({ done, total }, 'seeding demo tenant'),
    })
    status.demo = seeded.seeded ? { ...seeded, ms: Date.now() - started } : { seeded: false, reason: 'demo tenant already has events' }
    logger.info(status.demo, seeded.seeded ? 'demo tenant filled' : 'demo tenant already filled')
  }
  const accounts = new Accounts(runtime.warehouse, config.accounts, logger)
  if (config.demo) await ensureDemoAdmin(accounts, DEMO_TENANT)
  // The models' unit tests (given rows → expected rows, in a scratch database) run at start-up;
  // a failure is reported loudly but does not stop the API. Their cost does not grow with
  // history; the data tests, which read all of it, are `pulso models test`'s job.
  const tests = await runUnitTests(runtime.warehouse, runtime.project)
  const failed = tests.filter((t) => !t.passed)
  status.model_tests = { passed: tests.length - failed.length, failed: failed.map((t) => ({ name: t.name, severity: t.severity, detail: t.detail })) }
  for (const t of failed) (t.severity === 'warn' ? logger.warn : logger.error).call(logger, { test: t.name, detail: t.detail }, 'model test failed')

  // PULSO_INGEST_MODE=kafka: POST /v1/events publishes to the topic; the Kafka workers store.
  const kafka = config.kafka
  const kafkaSink = kafka?.httpToKafka
    ? await (await import('../ingest/kafka/sink.ts')).createKafkaSink({ ...config, kafka }, runtime.warehouse, logger)
    : undefined
  const app = createApp({
    config,
    warehouse: runtime.warehouse,
    intake: runtime.intake,
    bulkLoads: runtime.bulkLoads,
    logger,
    status,
    sink: kafkaSink?.sink,
    accounts,
  })
  // Goals off track and new regressions go to the configured webhooks on a schedule.
  const alerts = startAlertScheduler(runtime.warehouse, config, logger)
  const server = await listen(app.fetch, config.port)
  const address = server.address()
  const url = `http://localhost:${typeof address === 'object' && address ? address.port : config.port}`
  return {
    runtime,
    server,
    url,
    close: async () => {
      alerts?.stop()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await kafkaSink?.close()
      await runtime.close()
    },
  }
}
