// Runs the alert job inside the server every alerts.interval_minutes (when a webhook is
// configured). Runs never overlap; a failing run is logged and the next one tries again.
import type { Logger } from 'pino'
import type { PulsoConfig } from '../../config/config.ts'
import type { Warehouse } from '../../warehouse/client.ts'
import { runAlerts } from './evaluate.ts'

export type AlertScheduler = { stop(): void; runNow(): Promise<void> }

export function startAlertScheduler(warehouse: Warehouse, config: PulsoConfig, logger?: Logger): AlertScheduler | undefined {
  const settings = config.operatingLoop.alerts
  if (settings.webhooks.length === 0) return undefined
  let running: Promise<void> | undefined
  const runNow = () => {
    running ??= runAlerts(warehouse, config)
      .then((r) => logger?.info({ alerts: r.alerts, sent: r.sent, duplicates: r.duplicates, failed: r.failed }, 'alert run'))
      .catch((error) => logger?.error({ err: error }, 'alert run failed'))
      .finally(() => {
        running = undefined
      })
    return running
  }
  const first = setTimeout(() => void runNow(), 5_000)
  const timer = setInterval(() => void runNow(), settings.interval_minutes * 60_000)
  first.unref()
  timer.unref()
  return {
    runNow,
    stop: () => {
      clearTimeout(first)
      clearInterval(timer)
    },
  }
}
