// The one formatter: every number, date and time on the page goes through here, in the
// current language and the tenant's currency and time zone.
import { format as formatDate, parseISO } from 'date-fns'
import { enUS, es } from 'date-fns/locale'
import { DURATION_UNIT_SECONDS, type DurationUnit, durationUnit } from './durations.ts'
import { i18n } from './i18n.svelte.ts'
import { KPI_CATALOG, type KpiName, type KpiUnit } from './kpis.ts'

export const tenantFormat = $state<{ currency: string; timezone: string }>({ currency: 'USD', timezone: 'UTC' })

const intlLocale = () => (i18n.lang === 'es' ? 'es-MX' : 'en-US')
const dateLocale = () => (i18n.lang === 'es' ? es : enUS)

// Intl formatters are costly to build; keep one per (locale, options).
const cache = new Map<string, Intl.NumberFormat>()
function numberFormat(options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = intlLocale() + JSON.stringify(options)
  let f = cache.get(key)
  if (!f) cache.set(key, (f = new Intl.NumberFormat(intlLocale(), options)))
  return f
}

export const DASH = '–'

function seconds(value: number, signed = false): string {
  return secondsIn(durationUnit(Math.abs(value)), value, signed)
}

/** A duration in the given unit: seconds below 10 keep a decimal (below 1, two), minutes and hours one. */
function secondsIn(unit: DurationUnit, value: number, signed = false): string {
  const abs = Math.abs(value)
  const digits = unit !== 'second' ? 1 : abs < 1 ? 2 : abs < 10 ? 1 : 0
  return numberFormat({ style: 'unit', unit, unitDisplay: 'short', maximumFractionDigits: digits, signDisplay: signed ? 'always' : 'auto' }).format(
    value / DURATION_UNIT_SECONDS[unit],
  )
}

/** A value of a unit (rate 0–1 shows as percent, money in the tenant currency…); null shows a dash. */
export function formatValue(unit: KpiUnit, value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return DASH
  switch (unit) {
    case 'count':
      return numberFormat({ maximumFractionDigits: 0 }).format(value)
    case 'rate':
      return numberFormat({ style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(value)
    case 'seconds':
      return seconds(value)
    case 'score':
      return numberFormat({ minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(value)
    case 'average':
      return numberFormat({ minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(value)
    case 'money':
      return formatMoney(value)
  }
}

/** An amount in a currency (the tenant's unless another is given, e.g. a raw cost event's). */
export function formatMoney(value: number, currency: string = tenantFormat.currency, maxFractionDigits = 2): string {
  return numberFormat({ style: 'currency', currency, minimumFractionDigits: 2, maximumFractionDigits: maxFractionDigits }).format(value)
}

export function formatKpi(kpi: KpiName, value: number | null | undefined): string {
  return formatValue(KPI_CATALOG[kpi].unit, value)
}

/** A change between two values of a KPI: percentage points for rates, signed units otherwise. */
export function formatDelta(kpi: KpiName, delta: number): string {
  switch (KPI_CATALOG[kpi].unit) {
    case 'rate':
      return `${numberFormat({ maximumFractionDigits: 1, minimumFractionDigits: 1, signDisplay: 'always' }).format(delta * 100)} pp`
    case 'seconds':
      return seconds(delta, true)
    case 'money':
      return numberFormat({
        style: 'currency',
        currency: tenantFormat.currency,
        minimumFractionDigits: 2,
        maximumFractionDigits: 2,
        signDisplay: 'always',
      }).format(delta)
    case 'count':
      return numberFormat({ maximumFractionDigits: 0, signDisplay: 'always' }).format(delta)
    default:
      return numberFormat({ maximumFractionDigits: 2, minimumFractionDigits: 1, signDisplay: 'always' }).format(delta)
  }
}

/** A relative change (0.25 → +25%). */
export function formatRelative(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return DASH
  return numberFormat({ style: 'percent', maximumFractionDigits: 1, signDisplay: 'always' }).format(value)
}

/** A plain number (counts in tables, p-values). */
export function formatNumber(value: number | null | undefined, fractionDigits = 0): string {
  if (value === null || value === undefined || Number.isNaN(value)) return DASH
  return numberFormat({ maximumFractionDigits: fractionDigits }).format(value)
}

/** A calendar date `YYYY-MM-DD` (already local to the tenant) as text. */
export function formatDay(day: string, pattern: 'short' | 'long' = 'long'): string {
  return formatDate(parseISO(day), pattern === 'long' ? 'PP' : 'd MMM', { locale: dateLocale() })
}

/** An instant (ISO 8601, UTC) as date and time in the tenant's time zone. */
export function formatInstant(iso: string, withSeconds = false): string {
  return new Intl.DateTimeFormat(intlLocale(), {
    timeZone: tenantFormat.timezone,
    dateStyle: 'medium',
    timeStyle: withSeconds ? 'medium' : 'short',
  }).format(new Date(iso))
}

/** Chart axis values in display units: rates become percent numbers. */
export function chartValue(kpi: KpiName, value: number | null | undefined): number | null {
  if (value === null || value === undefined) return null
  return KPI_CATALOG[kpi].unit === 'rate' ? value * 100 : value
}

/**
 * Tick labels for a chart axis holding `chartValue`s. Given the axis' other ticks, a duration is
 * written in one unit for the whole axis (0, 1, 2, 3 min — not 100 sec beside 3.3 min).
 */
export function formatChartTick(kpi: KpiName, value: number, axis: number[] = []): string {
  const unit = KPI_CATALOG[kpi].unit
  if (unit === 'seconds' && axis.length > 0) return secondsIn(durationUnit(Math.max(...axis.map(Math.abs))), value)
  return formatKpi(kpi, unit === 'rate' ? value / 100 : value)
}

/** A duration in one given unit, e.g. every label of one axis. */
export function formatDuration(seconds: number, unit: DurationUnit): string {
  return secondsIn(unit, seconds)
}
