import type { KpiResponseRow } from '../definitions/api.ts'
import { KPI_CATALOG } from '../definitions/kpis.ts'

// Formats rows as a fixed-width text table for the terminal.
const cellText = (v: unknown) => (v === null || v === undefined ? '–' : typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(3)) : String(v))

export function formatTable(rows: Record<string, unknown>[]): string {
  if (rows.length === 0) return '(no rows)'
  const columns = Object.keys(rows[0]!)
  const cells = rows.map((row) => columns.map((c) => cellText(row[c])))
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)))
  const line = (values: string[]) => values.map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ')
  return [line(columns), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n')
}

/**
 * KPI rows as a table: a provisional value (its forward-looking window has not closed) is shown
 * with `*`, and a note under the table says what that means.
 */
export function formatKpiTable(rows: KpiResponseRow[]): string {
  const plain = rows.map(({ provisional, ...row }) => {
    const marked: Record<string, unknown> = { ...row }
    for (const kpi of provisional) marked[kpi] = row[kpi] === null ? null : `${cellText(row[kpi])}*`
    return marked
  })
  const kpis = [...new Set(rows.flatMap((row) => row.provisional))]
  if (kpis.length === 0) return formatTable(plain)
  const windows = kpis.map((kpi) => `${kpi} waits ${KPI_CATALOG[kpi].provisionalDays} days after a period`).join('; ')
  return `${formatTable(plain)}\n* provisional: can still change (${windows})`
}
