// `pulso handoffs --by agent|queue`: after the handoff, per agent or per queue (GET /v1/handoffs/agents
// and /queues from a terminal), through the API's validation and report, so both give the same numbers.
import type { Command } from 'commander'
import { loadConfig } from '../../config/config.ts'
import { GRAINS, HANDOFF_GROUPS } from '../../definitions/kpis.ts'
import { knownTenant } from '../../domain/tenants.ts'
import { formatTable } from '../table.ts'

export function register(program: Command): void {
  program
    .command('handoffs')
    .description(
      "print a tenant's KPIs after the handoff per agent or per queue, per period: conversations, resolution time, agent first reply and reply times, reopened, CSAT, FCR",
    )
    .requiredOption('--from <date>', 'first local date, YYYY-MM-DD')
    .requiredOption('--to <date>', 'last local date, YYYY-MM-DD')
    .option('--by <group>', HANDOFF_GROUPS.join(', '), 'queue')
    .option('--grain <grain>', GRAINS.join(', '), 'all')
    .option('--tenant <id>', 'tenant', 'demo')
    .option('--json', 'print JSON rows instead of a table')
    .action(async (options: { from: string; to: string; grain: string; by: string; tenant: string; json?: boolean }) => {
      // the configuration `pulso start` reads: the tenant's time zone and agents' names are the API's
      const config = loadConfig(process.env)
      const { parseInput } = await import('../../api/validation.ts')
      const { handoffReportSchema } = await import('../../api/routes/handoffs.ts')
      const query = parseInput(handoffReportSchema, { from: options.from, to: options.to, grain: options.grain, by: options.by })
      const { withRuntime } = await import('../../runtime/runtime.ts')
      const { handoffTeamReport } = await import('../../domain/handoff-report.ts')
      await withRuntime(config, async (runtime) => {
        const tenant = await knownTenant(config, runtime.warehouse, options.tenant)
        const report = await handoffTeamReport(runtime.warehouse, tenant, config.afterHandoff.agentNames.get(tenant.id), query)
        if (options.json) console.log(JSON.stringify(report.rows, null, 2))
        else {
          console.log(`${tenant.id}: after the handoff, by ${query.by}; times in seconds, rates are fractions 0–1`)
          console.log(formatTable(report.rows.map((row) => ({ ...row, [query.by]: row[query.by] ?? '(none)' }))))
        }
      })
    })
}
