// `pulso review --week YYYY-Www`, `pulso goals`, `pulso regressions`: the operating loop from a terminal.
import type { Command } from 'commander'
import { loadConfig } from '../../config/config.ts'
import { knownTenant } from '../../domain/tenants.ts'
import { formatTable } from '../table.ts'

// Same demo setting as `pulso start` (on unless PULSO_DEMO=0): the demo's goals and use cases
// come from it, and the registry sync must see the same config file the server sees.
const cliConfig = () => loadConfig(process.env)

export function register(program: Command): void {
  program
    .command('review')
    .description('print the weekly review: unanswered questions, escalation reasons, worst-CSAT intents, KPI deltas, goals')
    .option('--week <week>', 'ISO week YYYY-Www (default: the last complete week)')
    .option('--tenant <id>', 'tenant', 'demo')
    .option('--format <format>', 'markdown, csv or json', 'markdown')
    .action(async (options: { week?: string; tenant: string; format: string }) => {
      const config = cliConfig()
      const { parseInput } = await import('../../api/validation.ts')
      const { reviewQuerySchema, reviewWeek } = await import('../../api/routes/review.ts')
      const query = parseInput(reviewQuerySchema, { ...(options.week ? { week: options.week } : {}), format: options.format })
      const { withRuntime } = await import('../../runtime/runtime.ts')
      const { ensureRegistrySynced } = await import('../../domain/registry-sync.ts')
      const { buildWeeklyReview } = await import('../../domain/review.ts')
      const { reviewToCsv, reviewToMarkdown } = await import('../../domain/review-export.ts')
      const { isoWeekMonday } = await import('../../domain/dates.ts')
      await withRuntime(config, async (runtime) => {
        await ensureRegistrySynced(runtime.warehouse, config)
        const tenant = await knownTenant(config, runtime.warehouse, options.tenant)
        const review = await buildWeeklyReview(runtime.warehouse, tenant, isoWeekMonday(reviewWeek(query.week, tenant.timezone))!)
        process.stdout.write(
          query.format === 'json' ? `${JSON.stringify(review, null, 2)}\n` : query.format === 'csv' ? reviewToCsv(review) : reviewToMarkdown(review, tenant),
        )
      })
    })

  program
    .command('goals')
    .description("print a tenant's goals with status (on track / at risk / off track) and the current value")
    .option('--tenant <id>', 'tenant', 'demo')
    .option('--as-of <date>', 'YYYY-MM-DD (default: today in the tenant time zone)')
    .action(async (options: { tenant: string; asOf?: string }) => {
      const config = cliConfig()
      const { parseInput } = await import('../../api/validation.ts')
      const { goalsQuerySchema } = await import('../../api/routes/goals.ts')
      parseInput(goalsQuerySchema, options.asOf ? { as_of: options.asOf } : {}) // the API's check: a calendar date
      const { withRuntime } = await import('../../runtime/runtime.ts')
      const { ensureRegistrySynced } = await import('../../domain/registry-sync.ts')
      const { evaluateGoals } = await import('../../domain/goals.ts')
      const { listGoals } = await import('../../warehouse/repositories/goals.ts')
      const { todayIn } = await import('../../domain/dates.ts')
      await withRuntime(config, async (runtime) => {
        await ensureRegistrySynced(runtime.warehouse, config)
        const tenant = await knownTenant(config, runtime.warehouse, options.tenant)
        const goals = await evaluateGoals(runtime.warehouse, tenant, await listGoals(runtime.warehouse, tenant.id), options.asOf ?? todayIn(tenant.timezone), 1)
        console.log(
          formatTable(
            goals.map((g) => ({
              goal: g.id,
              kpi: g.kpi,
              segment: g.segment ? `${g.segment.by}=${g.segment.value}` : 'all',
              period: g.period_start,
              target: `${g.direction === 'at_most' ? '≤' : '≥'} ${g.target}`,
              value: g.value,
              status: g.status,
              owner: g.owner,
            })),
          ),
        )
      })
    })

  program
    .command('regressions')
    .description('print KPI × segment regressions (current window vs previous window and trailing weeks)')
    .option('--tenant <id>', 'tenant', 'demo')
    .option('--as-of <date>', 'YYYY-MM-DD (default: the last day with conversations)')
    .option('--json', 'print the JSON report')
    .action(async (options: { tenant: string; asOf?: string; json?: boolean }) => {
      const config = cliConfig()
      const { parseInput } = await import('../../api/validation.ts')
      const { regressionsQuerySchema } = await import('../../api/routes/regressions.ts')
      parseInput(regressionsQuerySchema, options.asOf ? { as_of: options.asOf } : {}) // the API's check: a calendar date
      const { withRuntime } = await import('../../runtime/runtime.ts')
      const { findRegressions } = await import('../../domain/regressions-query.ts')
      await withRuntime(config, async (runtime) => {
        const report = await findRegressions(
          runtime.warehouse,
          await knownTenant(config, runtime.warehouse, options.tenant),
          config.operatingLoop.regressions,
          options.asOf,
        )
        if (options.json) return console.log(JSON.stringify(report, null, 2))
        console.log(
          `as of ${report.as_of}: ${report.tests_run} comparisons tested, ${report.tests_skipped_small_samples} skipped (small samples), ${report.regressions.length} regressions`,
        )
        console.log(
          formatTable(
            report.regressions.map((r) => ({
              kpi: r.kpi,
              segment: r.segment ? `${r.segment.by}=${r.segment.value}` : 'all',
              baseline: r.baseline.value,
              current: r.current.value,
              n: r.current.samples,
              p_adj: r.p_adjusted.toExponential(1),
              first_seen: r.first_seen,
              active: r.active,
              release: r.release?.bot_version ?? '–',
            })),
          ),
        )
      })
    })
}
