// State shared by the pages: the selected period (local dates in the tenant's time zone).
import { lastDays, type Period } from './period.ts'

export const view = $state<{ period: Period }>({ period: lastDays(30, 'UTC') })

/** Resets the period to a preset relative to today in the tenant's time zone. */
export function usePreset(days: 7 | 30 | 90, timezone: string): void {
  view.period = lastDays(days, timezone)
}

export function useCustom(from: string, to: string): void {
  view.period = { preset: 'custom', from, to }
}
