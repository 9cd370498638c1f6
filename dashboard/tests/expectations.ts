// What a browser test expects the page to show, computed here with Intl and plain dates, never
// with the dashboard's own code: a formatting or period bug in the dashboard then fails the test.
import { expect } from 'vitest'
import type { Lang } from './harness.ts'

/** The demo tenant's settings (config/config.ts): its days are local to this zone, its money in this currency. */
export const DEMO_TIME_ZONE = 'America/Mexico_City'
const DEMO_CURRENCY = 'MXN'

const LOCALES = { en: 'en-US', es: 'es-MX' } as const

export const percent = (lang: Lang, v: number) =>
  new Intl.NumberFormat(LOCALES[lang], { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(v)
export const money = (lang: Lang, v: number) =>
  new Intl.NumberFormat(LOCALES[lang], { style: 'currency', currency: DEMO_CURRENCY, minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(v)
export const count = (lang: Lang, v: number) => new Intl.NumberFormat(LOCALES[lang], { maximumFractionDigits: 0 }).format(v)
export const score = (lang: Lang, v: number) => new Intl.NumberFormat(LOCALES[lang], { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(v)
/** A change in percentage points, always signed: (current − previous) × 100. */
export const percentagePoints = (lang: Lang, current: number, previous: number) =>
  new Intl.NumberFormat(LOCALES[lang], { minimumFractionDigits: 1, maximumFractionDigits: 1, signDisplay: 'always' }).format((current - previous) * 100)

/** Today's date (YYYY-MM-DD) in the demo tenant's zone. */
export function today(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: DEMO_TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date())
}
/** The date `days` after (or before, when negative) `day`. */
export function shift(day: string, days: number): string {
  const d = new Date(`${day}T12:00:00Z`)
  d.setUTCDate(d.getUTCDate() + days)
  return d.toISOString().slice(0, 10)
}
/** The pages' default period: the last 30 local days, today included. */
export const last30Days = () => ({ from: shift(today(), -29), to: today() })

/** Polls until the page catches up with the server (vitest's default 1 s is short for a loaded CI machine). */
export const poll = <T>(fn: () => T | Promise<T>, options: { timeout?: number } = {}) => expect.poll(fn, { timeout: 15_000, ...options })
