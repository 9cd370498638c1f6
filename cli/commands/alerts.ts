// `pulso alerts run`: evaluate goals and regressions once and send new alerts to the webhooks.
import type { Command } from 'commander'
import { loadConfig } from '../../config/config.ts'

export function register(program: Command): void {
  const alerts = program.command('alerts').description('alerts on goals off track and new regressions (webhooks in the config file)')
  alerts
    .command('run')
    .description('evaluate once; send each alert not yet sent to each configured webhook (Slack-compatible JSON)')
    .option('--dry-run', 'print the alerts that would be sent, send nothing')
    .action(async (options: { dryRun?: boolean }) => {
      // Same demo setting as `pulso start`, so both see the same goals.
      const config = loadConfig(process.env)
      if (config.operatingLoop.alerts.webhooks.length === 0) {
        console.log('no webhooks configured (alerts.webhooks in the config file); nothing to do')
        return
      }
      const { withRuntime } = await import('../../runtime/runtime.ts')
      const { runAlerts } = await import('../../domain/alerts/evaluate.ts')
      await withRuntime(config, async (runtime) => {
        const report = await runAlerts(runtime.warehouse, config, { dryRun: options.dryRun })
        for (const a of report.pending) console.log(`  would send [${a.tenantId}] ${a.key}: ${a.message.text}`)
        console.log(`${report.alerts} alerts hold; ${report.sent} sent, ${report.duplicates} already sent before, ${report.failed.length} failed`)
        for (const f of report.failed) console.log(`  FAILED ${f.key} → ${f.webhook}: ${f.error}`)
        process.exitCode = report.failed.length ? 1 : 0
      })
    })
}
