// `pulso costs`: what the cost per conversation is made of (GET /v1/costs from a terminal), with the
// API's validation and repository, so both give the same numbers.
import type { Command } from 'commander'
import { loadConfig } from '../../config/config.ts'
import { COST_SPLITS } from '../../definitions/costs.ts'
import { GRAINS } from '../../definitions/kpis.ts'
import { knownTenant } from '../../domain/tenants.ts'
import { formatTable } from '../table.ts'

export function register(program: Command): void {
  program
    .command('costs')
    .description("print a tenant's cost per conversation split by cost component or WhatsApp pricing category, per period")
    .requiredOption('--from <date>', 'first local date, YYYY-MM-DD')
    .requiredOption('--to <date>', 'last local date, YYYY-MM-DD')
    .option('--grain <grain>', GRAINS.join(', '), 'all')
    .option('--by <split>', COST_SPLITS.join(', '), 'component')
    .option('--tenant <id>', 'tenant', 'demo')
    .option('--json', 'print JSON rows instead of a table')
    .action(async (options: { from: string; to: string; grain: string; by: string; tenant: string; json?: boolean }) => {
      // the configuration `pulso start` reads (demo on unless PULSO_DEMO=0): the tenant's time zone
      // and currency, and so the numbers, are the API's
      const config = loadConfig(process.env)
      const { parseInput } = await import('../../api/validation.ts')
      const { costQuerySchema } = await import('../../api/routes/costs.ts')
      const query = parseInput(costQuerySchema, { from: options.from, to: options.to, grain: options.grain, by: options.by })
      const { withRuntime } = await import('../../runtime/runtime.ts')
      const { queryCostComposition } = await import('../../warehouse/repositories/costs.ts')
      await withRuntime(config, async (runtime) => {
        const tenant = await knownTenant(config, runtime.warehouse, options.tenant)
        const rows = await queryCostComposition(runtime.warehouse, { tenantId: tenant.id, timezone: tenant.timezone, ...query })
        if (options.json) console.log(JSON.stringify(rows, null, 2))
        else {
          console.log(`${tenant.id}: cost in ${tenant.currency}, by ${query.by}; cost_share and rates are fractions 0–1`)
          console.log(formatTable(rows.map((row) => ({ ...row, [query.by]: row[query.by] ?? '(none)' }))))
        }
      })
    })
}
