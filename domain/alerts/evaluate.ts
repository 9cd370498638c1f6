// One alert run: for every tenant with a webhook, goals now off track and regressions flagged
// become alerts; each is sent once per webhook (dedup keys persisted in alert_log) and recorded
// only after the webhook accepted it, so a failed delivery is retried on the next run.
//   goal       goal:<id>:off_track:<period start>   (once per goal and period while off track)
//   regression regression:<kpi>:<segment>:<release or first seen>
import type { PulsoConfig, TenantSettings } from '../../config/config.ts'
import { tenantSettings } from '../../config/config.ts'
import type { GoalReport, Regression } from '../../definitions/api.ts'
import { kpiText as show } from '../../definitions/kpis.ts'
import type { Warehouse } from '../../warehouse/client.ts'
import { recordSentAlert, sentAlertKeys } from '../../warehouse/repositories/alert-log.ts'
import { listGoals } from '../../warehouse/repositories/goals.ts'
import { todayIn } from '../dates.ts'
import { evaluateGoals } from '../goals.ts'
import { ensureRegistrySynced } from '../registry-sync.ts'
import { findRegressions } from '../regressions-query.ts'
import { postWebhook, type SlackMessage, slackMessage } from './webhook.ts'

export type Alert = { tenantId: string; kind: 'goal_off_track' | 'regression'; key: string; message: SlackMessage }
export type AlertRunReport = { alerts: number; sent: number; duplicates: number; failed: { key: string; webhook: string; error: string }[] }

const segmentText = (s: { by: string; value: string } | null) => (s ? `${s.by} = ${s.value}` : 'all conversations')

export function goalAlert(tenant: TenantSettings, goal: GoalReport, dashboardUrl: string): Alert {
  const link = `${dashboardUrl.replace(/\/$/, '')}/goals?tenant=${encodeURIComponent(tenant.id)}&goal=${encodeURIComponent(goal.id)}`
  const body = `${goal.kpi} (${segmentText(goal.segment)}) is ${show(goal.kpi, goal.value)} for the ${goal.period} of ${goal.period_start}; target ${goal.direction === 'at_most' ? '≤' : '≥'} ${show(goal.kpi, goal.target)}. Owner: ${goal.owner || '–'}.`
  return {
    tenantId: tenant.id,
    kind: 'goal_off_track',
    key: `goal:${goal.id}:off_track:${goal.period_start}`,
    message: slackMessage(`Pulso · ${tenant.name}: goal “${goal.id}” is off track`, body, link),
  }
}

export function regressionAlert(tenant: TenantSettings, r: Regression, dashboardUrl: string): Alert {
  const segment = r.segment ? `${r.segment.by}=${r.segment.value}` : 'all'
  const params = new URLSearchParams({ tenant: tenant.id, kpi: r.kpi, ...(r.segment ? { by: r.segment.by, value: r.segment.value } : {}) })
  const link = `${dashboardUrl.replace(/\/$/, '')}/regressions?${params}`
  const release = r.release ? ` after release ${r.release.bot_version}` : ''
  const body =
    `${r.kpi} on ${segmentText(r.segment)} went from ${show(r.kpi, r.baseline.value)} (${r.baseline.kind.replace('_', ' ')}, n=${r.baseline.samples}) ` +
    `to ${show(r.kpi, r.current.value)} (${r.current.from}…${r.current.to}, n=${r.current.samples}); p = ${r.p_adjusted.toExponential(1)} (BH). First seen ${r.first_seen}${release}.`
  return {
    tenantId: tenant.id,
    kind: 'regression',
    key: `regression:${r.kpi}:${segment}:${r.release?.bot_version ?? r.first_seen}`,
    message: slackMessage(`Pulso · ${tenant.name}: ${r.kpi} regressed on ${segment}${release}`, body, link),
  }
}

/** The alerts that hold now for one tenant (not yet deduplicated). */
export async function currentAlerts(warehouse: Warehouse, config: PulsoConfig, tenant: TenantSettings, now = new Date()): Promise<Alert[]> {
  const dashboard = config.operatingLoop.alerts.dashboard_url
  const goals = await evaluateGoals(warehouse, tenant, await listGoals(warehouse, tenant.id), todayIn(tenant.timezone, now), 1)
  const report = await findRegressions(warehouse, tenant, config.operatingLoop.regressions)
  return [
    ...goals.filter((g) => g.status === 'off_track').map((g) => goalAlert(tenant, g, dashboard)),
    ...report.regressions.map((r) => regressionAlert(tenant, r, dashboard)),
  ]
}

export async function runAlerts(
  warehouse: Warehouse,
  config: PulsoConfig,
  options: { now?: Date; dryRun?: boolean } = {},
): Promise<AlertRunReport & { pending: Alert[] }> {
  await ensureRegistrySynced(warehouse, config)
  const webhooks = config.operatingLoop.alerts.webhooks
  const tenants = [...new Set(webhooks.flatMap((w) => (w.tenant ? [w.tenant] : [...config.tenants.keys()])))]
  const report: AlertRunReport & { pending: Alert[] } = { alerts: 0, sent: 0, duplicates: 0, failed: [], pending: [] }
  for (const tenantId of tenants) {
    const tenant = tenantSettings(config, tenantId)
    const alerts = await currentAlerts(warehouse, config, tenant, options.now)
    const sent = await sentAlertKeys(warehouse, tenant.id)
    report.alerts += alerts.length
    for (const alert of alerts) {
      for (const hook of webhooks.filter((w) => !w.tenant || w.tenant === tenant.id)) {
        if (sent.has(`${alert.key}\u0000${hook.url}`)) {
          report.duplicates++
          continue
        }
        if (options.dryRun) {
          report.pending.push(alert)
          continue
        }
        const delivery = await postWebhook(hook.url, alert.message)
        if (!delivery.ok) {
          report.failed.push({ key: alert.key, webhook: hook.url, error: delivery.error ?? 'failed' })
          continue
        }
        await recordSentAlert(warehouse, {
          tenant_id: tenant.id,
          dedup_key: alert.key,
          webhook: hook.url,
          kind: alert.kind,
          payload: JSON.stringify(alert.message),
        })
        sent.add(`${alert.key}\u0000${hook.url}`)
        report.sent++
      }
    }
  }
  return report
}
