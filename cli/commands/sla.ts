// `pulso sla`: the tenant's SLA policies checked per period (and queue), with the breached
// conversations (GET /v1/handoffs/sla from a terminal), through the API's validation and report.
import type { Command } from 'commander'
import { loadConfig } from '../../config/config.ts'
import { GRAINS } from '../../definitions/kpis.ts'
import { knownTenant } from '../../domain/tenants.ts'
import { formatTable } from '../table.ts'

export function register(program: Command): void {
  program
    .command('sla')
    .description("check a tenant's SLA policies (first agent reply, resolution, in business hours) per period: met, breached, pending, breach rate")
    .requiredOption('--from <date>', 'first local date, YYYY-MM-DD')
    .requiredOption('--to <date>', 'last local date, YYYY-MM-DD')
    .option('--grain <grain>', GRAINS.join(', '), 'all')
    .option('--by <group>', 'queue: one row per period and queue')
    .option('--limit <n>', 'breached conversations to list', '100')
    .option('--as-of <instant>', 'read running clocks at this RFC 3339 instant instead of now')
    .option('--tenant <id>', 'tenant', 'demo')
    .option('--json', 'print the whole answer as JSON instead of tables')
    .action(async (options: { from: string; to: string; grain: string; by?: string; limit: string; asOf?: string; tenant: string; json?: boolean }) => {
      const config = loadConfig(process.env)
      const { parseInput } = await import('../../api/validation.ts')
      const { slaQuerySchema } = await import('../../api/routes/handoffs.ts')
      const { limit, as_of, ...query } = parseInput(slaQuerySchema, {
        from: options.from,
        to: options.to,
        grain: options.grain,
        by: options.by,
        limit: options.limit,
        as_of: options.asOf,
      })
      const { withRuntime } = await import('../../runtime/runtime.ts')
      const { slaReport } = await import('../../domain/sla/sla-report.ts')
      await withRuntime(config, async (runtime) => {
        const tenant = await knownTenant(config, runtime.warehouse, options.tenant)
        const report = await slaReport(runtime.warehouse, tenant, query, as_of ? new Date(as_of) : new Date(), limit)
        if (options.json) {
          console.log(JSON.stringify(report, null, 2))
          return
        }
        if (report.policies.length === 0) {
          console.log(`${tenant.id}: no SLA policy configured (config file section sla.${tenant.id})`)
          return
        }
        console.log(`${tenant.id}: SLA as of ${report.as_of}; business time in ${tenant.timezone}; sla_breach_rate = breached / (met + breached)`)
        console.log(formatTable(report.rows.map((row) => (query.by ? { ...row, queue: row.queue ?? '(none)' } : row))))
        console.log(`\nbreached: ${report.breached.total}`)
        if (report.breached.conversations.length > 0)
          console.log(
            formatTable(
              report.breached.conversations.map((c) => ({
                conversation_id: c.conversation_id,
                started_on: c.started_on,
                queue: c.queue ?? '(none)',
                first_reply: c.first_reply ? `${c.first_reply.status} ${c.first_reply.business_seconds}/${c.first_reply.limit_seconds} s` : '–',
                resolution: c.resolution ? `${c.resolution.status} ${c.resolution.business_seconds}/${c.resolution.limit_seconds} s` : '–',
              })),
            ),
          )
      })
    })
}
