// The `pulso` command line: the same jobs as the server, from a terminal.
import { Command, InvalidArgumentError } from 'commander'
import { StartupError } from '../api/listen.ts'
import { ConfigError, loadConfig } from '../config/config.ts'
import { ModelProjectError } from '../dbt-like-models/runner/project.ts'
import { GRAINS, SEGMENTS } from '../definitions/kpis.ts'
import { DataFolderInUseError } from '../warehouse/data-folder.ts'
import { register as registerAlerts } from './commands/alerts.ts'
import { register as registerCosts } from './commands/costs.ts'
import { register as registerData } from './commands/data.ts'
import { register as registerHandoffs } from './commands/handoffs.ts'
import { register as registerKafka } from './commands/kafka.ts'
import { register as registerKeys } from './commands/keys.ts'
import { register as registerReview } from './commands/review.ts'
import { register as registerSla } from './commands/sla.ts'
import { register as registerUsers } from './commands/users.ts'
import { ingestFile } from './ingest-file.ts'
import { createLogger } from './logger.ts'
import { formatKpiTable } from './table.ts'

const program = new Command()
program
  .name('pulso')
  .description(
    'Pulso: analytics and KPI observability for customer-service bots on WhatsApp.\nConfiguration comes from environment variables and pulso.config.yaml (see README).',
  )
  .showHelpAfterError()

program
  .command('start')
  .description('start the API (and the built dashboard) on the configured warehouse; fills the demo tenant unless PULSO_DEMO=0')
  .action(async () => {
    const config = loadConfig()
    const logger = createLogger(config.logLevel)
    const { startServer } = await import('../api/server.ts')
    const running = await startServer(config, logger)
    const keys = config.apiKeys.filter((k) => k.tenant === 'demo')
    console.log(
      `\nPulso is running at ${running.url}  (engine: ${running.runtime.warehouse.engine}, data: ${config.clickhouse ? config.clickhouse.url : config.dataDir})`,
    )
    if (config.demo) {
      const { DEMO_ADMIN } = await import('../domain/accounts/demo-admin.ts')
      console.log('Demo tenant "demo" keys:')
      for (const k of keys) console.log(`  ${k.role.padEnd(7)} ${k.key}`)
      console.log(`Demo admin, to sign in to the dashboard: ${DEMO_ADMIN.email}  password ${DEMO_ADMIN.password}`)
      const today = new Date().toISOString().slice(0, 10)
      console.log(`Try: curl -H 'Authorization: Bearer demo-read-key' '${running.url}/v1/kpis?from=${today.slice(0, 8)}01&to=${today}&grain=week'`)
    }
    const stop = async (signal: string) => {
      logger.info({ signal }, 'shutting down')
      await running.close()
      process.exit(0)
    }
    process.once('SIGINT', () => void stop('SIGINT'))
    process.once('SIGTERM', () => void stop('SIGTERM'))
  })

program
  .command('ingest')
  .description('ingest an NDJSON file of events (one event per line), with a progress bar and a summary')
  .argument('<file>', 'NDJSON file, or - for standard input')
  .option('--tenant <id>', 'accept only events of this tenant (others are rejected)')
  .option(
    '--batch <n>',
    'events per block that Node validates (on embedded chDB: only the lines the engine could not vouch for)',
    (v) => positiveInt(v),
    50_000,
  )
  .option('--url <url>', 'stream the file to a running Pulso API (POST /v1/events/bulk) instead of writing to the local warehouse')
  .option('--key <key>', 'API key (ingest role) for --url')
  .action(async (file: string, options: { tenant?: string; batch: number; url?: string; key?: string }) => {
    const config = loadConfig({ ...process.env, PULSO_DEMO: process.env.PULSO_DEMO ?? '0' })
    const summary = await ingestFile(config, file, options)
    console.log(`\n${summary.accepted} accepted, ${summary.duplicates} duplicates, ${summary.rejected} rejected (${summary.lines} lines)`)
    for (const r of summary.firstRejections) console.log(`  line ${r.line}: ${r.event_id ?? '(no event_id)'}: ${r.reason}`)
    if (summary.rejected > summary.firstRejections.length)
      console.log(`  … ${summary.rejected - summary.firstRejections.length} more in the dead_letters table`)
    process.exitCode = summary.rejected > 0 ? 2 : 0
  })

program
  .command('kpis')
  .description("print a tenant's KPIs per period as a table")
  .requiredOption('--from <date>', 'first local date, YYYY-MM-DD')
  .requiredOption('--to <date>', 'last local date, YYYY-MM-DD')
  .option('--grain <grain>', GRAINS.join(', '), 'day')
  .option('--by <segment>', SEGMENTS.join(', '))
  .option('--tenant <id>', 'tenant', 'demo')
  .option('--json', 'print JSON rows instead of a table')
  .action(async (options: { from: string; to: string; grain: string; by?: string; tenant: string; json?: boolean }) => {
    // the same configuration as `pulso start` (demo on unless PULSO_DEMO=0), so the tenant's time
    // zone and currency, and therefore the numbers, are the API's
    const config = loadConfig(process.env)
    const { kpiQuerySchema } = await import('../api/routes/kpis.ts')
    const { parseInput } = await import('../api/validation.ts')
    const query = parseInput(kpiQuerySchema, { from: options.from, to: options.to, grain: options.grain, ...(options.by ? { by: options.by } : {}) })
    const { withRuntime } = await import('../runtime/runtime.ts')
    const { kpiReport } = await import('../domain/kpi-report.ts')
    const { knownTenant } = await import('../domain/tenants.ts')
    await withRuntime(config, async (runtime) => {
      const tenant = await knownTenant(config, runtime.warehouse, options.tenant)
      const report = await kpiReport(runtime.warehouse, tenant, query)
      console.log(options.json ? JSON.stringify(report.rows, null, 2) : formatKpiTable(report.rows))
    })
  })

/** Recomputes the stored conversation facts with a progress bar on stderr; answers how many conversations are stored. */
async function rebuildWithProgress(facts: import('../dbt-like-models/runner/conversation-facts.ts').ConversationFacts): Promise<number> {
  const { SingleBar, Presets } = await import('cli-progress')
  const bar = new SingleBar(
    { format: 'rebuild {tenant} [{bar}] {percentage}% | {value}/{total} parts of the tenant', hideCursor: true, stream: process.stderr },
    Presets.shades_classic,
  )
  let started = false
  try {
    await facts.rebuild((done, total, tenantId) => {
      if (!started) {
        bar.start(total, done, { tenant: tenantId })
        started = true
      }
      bar.setTotal(total)
      bar.update(done, { tenant: tenantId })
    })
  } finally {
    bar.stop()
  }
  return facts.countStored()
}

const models = program.command('models').description('build and test the dbt-like models')
models
  .command('run')
  .description('compile the models in dependency order into ClickHouse views and tables')
  .action(async () => {
    const config = loadConfig({ ...process.env, PULSO_DEMO: process.env.PULSO_DEMO ?? '0' })
    const { withRuntime } = await import('../runtime/runtime.ts')
    const { runModels } = await import('../dbt-like-models/runner/run.ts')
    await withRuntime(
      config,
      async (runtime) => {
        const report = await runModels(runtime.warehouse, runtime.project)
        for (const m of report.built) console.log(`  built ${m.name.padEnd(28)} ${m.materialized.padEnd(20)} ${m.ms} ms`)
        console.log(`${report.built.length} models built in ${runtime.warehouse.database}`)
        for (const stale of report.rebuildNeeded) {
          console.log(`${stale.name}: its stored rows came from another definition or other settings; recomputing them from the events`)
          await rebuildWithProgress(runtime.facts)
          await runtime.facts.store.markBuilt(stale.fingerprint)
        }
      },
      { buildModels: false },
    )
  })
models
  .command('rebuild')
  .description(
    'recompute the stored conversation facts (fct_conversations) from all events, with a progress bar: after restoring a backup, or to check that the stored rows are current',
  )
  .action(async () => {
    const config = loadConfig({ ...process.env, PULSO_DEMO: process.env.PULSO_DEMO ?? '0' })
    const { withRuntime } = await import('../runtime/runtime.ts')
    await withRuntime(
      config,
      async (runtime) => {
        const started = Date.now()
        const { fingerprint } = await runtime.facts.store.ensure()
        const conversations = await rebuildWithProgress(runtime.facts)
        await runtime.facts.store.markBuilt(fingerprint)
        console.log(`fct_conversations recomputed: ${conversations} conversations in ${((Date.now() - started) / 1000).toFixed(1)} s`)
      },
      { buildModels: false },
    )
  })
models
  .command('test')
  .description('build the models, then run their data tests and unit tests')
  .action(async () => {
    const config = loadConfig({ ...process.env, PULSO_DEMO: process.env.PULSO_DEMO ?? '0' })
    const { withRuntime } = await import('../runtime/runtime.ts')
    const { runAllTests } = await import('../dbt-like-models/runner/test.ts')
    await withRuntime(config, async (runtime) => {
      const results = await runAllTests(runtime.warehouse, runtime.project)
      for (const r of results) {
        const mark = r.passed ? 'PASS' : r.severity === 'warn' ? 'WARN' : 'FAIL'
        console.log(`  ${mark} ${r.kind.padEnd(4)} ${r.name}${r.detail ? `\n       ${r.detail}` : ''}`)
      }
      const failed = results.filter((r) => !r.passed && r.severity === 'error').length
      const warned = results.filter((r) => !r.passed && r.severity === 'warn').length
      console.log(`${results.length - failed - warned} passed, ${failed} failed${warned ? `, ${warned} warnings` : ''}`)
      process.exitCode = failed ? 1 : 0
    })
  })

program
  .command('demo')
  .description('fill the demo tenant with simulated WhatsApp bot traffic (skipped when it already has events)')
  .option('--days <n>', 'days to simulate', (v) => positiveInt(v), 60)
  .option('--per-day <n>', 'conversations per day', (v) => positiveInt(v), 120)
  .action(async (options: { days: number; perDay: number }) => {
    const config = loadConfig({ ...process.env, PULSO_DEMO: '1' })
    const { withRuntime } = await import('../runtime/runtime.ts')
    const { DEMO_TENANT, seedDemo } = await import('../ingest/simulator/seed-demo.ts')
    await withRuntime(config, async (runtime) => {
      const result = await seedDemo(runtime.warehouse, runtime.intake, {
        days: options.days,
        conversationsPerDay: options.perDay,
        timeZone: config.tenants.get(DEMO_TENANT)?.timezone,
      })
      console.log(
        result.seeded
          ? `demo tenant filled: ${result.accepted} events accepted, ${result.duplicates} duplicates dropped`
          : 'demo tenant already has events; nothing done',
      )
    })
  })

function positiveInt(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive integer')
  return n
}

registerKafka(program)
registerData(program)
registerCosts(program)
registerHandoffs(program)
registerSla(program)

registerReview(program)
registerAlerts(program)
registerUsers(program)
registerKeys(program)

/** What to do instead when another process (usually `pulso start`) holds the data folder, per command. */
function dataFolderHint(command: string): string {
  const api: Record<string, string> = {
    kpis: 'GET /v1/kpis',
    costs: 'GET /v1/costs',
    review: 'GET /v1/review',
    goals: 'GET /v1/goals',
    regressions: 'GET /v1/regressions',
    'models docs': 'GET /v1/models',
  }
  if (command === 'ingest')
    return 'send the file to the running server instead: pulso ingest FILE --url http://localhost:8080 --key INGEST_KEY (its address and an ingest key)'
  if (command === 'start') return 'is Pulso already running? Stop it, or give this one another PULSO_DATA_DIR'
  if (command === 'ingest kafka') return 'a Kafka worker needs a data folder of its own (PULSO_DATA_DIR) or a ClickHouse server (CLICKHOUSE_URL)'
  if (api[command]) return `ask the running server instead (${api[command]} with a read key; see README), or stop it first`
  return "use the running server's HTTP API instead (see README), or stop it first"
}

// The command being run, as words ("models test"), for the hints above.
let running = ''
program.hook('preAction', (_program, action) => {
  const words: string[] = []
  for (let c: Command | null = action; c && c !== program; c = c.parent) words.unshift(c.name())
  running = words.join(' ')
})

try {
  await program.parseAsync(process.argv)
} catch (error) {
  const known =
    error instanceof ConfigError ||
    error instanceof ModelProjectError ||
    error instanceof StartupError ||
    error instanceof DataFolderInUseError ||
    (error as Error).name === 'ApiError' ||
    (error as Error).name === 'AccountError'
  if (error instanceof DataFolderInUseError) {
    console.error(`pulso: ${error.message}; ${dataFolderHint(running)}`)
    process.exit(1)
  }
  console.error(`pulso: ${(error as Error).message}`)
  if (!known && process.env.PULSO_DEBUG) console.error(error)
  process.exit(1)
}
