// The weekly review as Markdown (to paste in a doc or a chat) and as CSV (one row per fact).

import type { GoalReport, KpiDelta, WeeklyReview } from '../definitions/api.ts'
import { kpiText as fmt, KPI_CATALOG } from '../definitions/kpis.ts'
import { isoWeekOf } from './dates.ts'

const signed = (v: number, digits: number) => `${v > 0 ? '+' : ''}${v.toFixed(digits)}`
const pct = (v: number | null) => (v === null ? '–' : `${signed(v * 100, 1)}%`)
const share = (v: number | null) => (v === null ? '–' : `${(v * 100).toFixed(1)}%`)
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ')
const STATUS = { on_track: 'on track', at_risk: 'at risk', off_track: 'OFF TRACK', no_data: 'no data', provisional: 'provisional (can still change)' } as const

/**
 * A change as the dashboard shows it: a rate's in percentage points (0.62 → 0.64 is +2.0 pp, not
 * +3.2 %), any other KPI's relative to last week.
 */
function change(d: KpiDelta): string {
  if (d.provisional) return 'provisional'
  if (KPI_CATALOG[d.kpi].unit === 'rate') return d.delta === null ? '–' : `${signed(d.delta * 100, 1)} pp`
  return pct(d.relative)
}

/** The period a goal's value is of: its own (a monthly goal's month to the review's Sunday), not the review's week. */
function goalPeriod(g: GoalReport, reviewTo: string): string {
  const current = g.history[g.history.length - 1]
  if (!current) return '–'
  if (g.period === 'day') return `day ${current.period_start}`
  if (g.period === 'week') return `week ${isoWeekOf(current.period_start)}`
  return `month ${current.period_start.slice(0, 7)}${current.period_end > reviewTo ? ` to ${reviewTo}` : ''}`
}

/** The review as Markdown; `tenant` names the tenant in the title (its id is for machines). */
export function reviewToMarkdown(r: WeeklyReview, tenant: { name: string }): string {
  const out: string[] = []
  out.push(`# Weekly review ${r.week} — ${tenant.name}`, '', `${r.from} to ${r.to} · ${r.conversations} conversations · compared with ${r.previous_week}`, '')
  out.push('## Goals', '')
  if (r.goals.length === 0) out.push('No goals defined.', '')
  else {
    out.push('| goal | KPI | segment | target | period | value | status | owner |', '|---|---|---|---|---|---|---|---|')
    for (const g of r.goals) {
      const value = g.history[g.history.length - 1]?.value ?? null
      out.push(
        `| ${cell(g.id)} | ${g.kpi} | ${g.segment ? `${g.segment.by}=${cell(g.segment.value)}` : 'all'} | ${g.direction === 'at_most' ? '≤' : '≥'} ${fmt(g.kpi, g.target)} | ${goalPeriod(g, r.to)} | ${fmt(g.kpi, value)} | ${STATUS[g.status]} | ${cell(g.owner)} |`,
      )
    }
    out.push('')
  }
  out.push('## KPIs vs last week', '', '| KPI | this week | last week | change | |', '|---|---|---|---|---|')
  for (const d of r.kpi_deltas) out.push(`| ${d.kpi} | ${fmt(d.kpi, d.current)} | ${fmt(d.kpi, d.previous)} | ${change(d)} | ${d.trend ?? ''} |`)
  out.push('', `## Unanswered questions (${r.unanswered_questions.total_fallbacks} bot fallbacks)`, '')
  if (r.unanswered_questions.groups.length === 0) out.push('None this week.')
  else {
    out.push('| # | question | fallbacks | conversations | examples | use cases |', '|---|---|---|---|---|---|')
    for (const [i, g] of r.unanswered_questions.groups.entries()) {
      out.push(
        `| ${i + 1} | ${cell(g.question)} | ${g.fallbacks} | ${g.conversations} | ${cell(
          g.examples
            .slice(0, 3)
            .map((e) => `“${e}”`)
            .join(', '),
        )} | ${g.use_cases.join(', ')} |`,
      )
    }
  }
  out.push('', '## Top escalation reasons', '')
  if (r.escalation_reasons.length === 0) out.push('No escalations this week.')
  else {
    out.push('| reason | conversations | share |', '|---|---|---|')
    for (const e of r.escalation_reasons) out.push(`| ${e.reason} | ${e.conversations} | ${share(e.share)} |`)
  }
  out.push('', '## Intents with the worst CSAT', '')
  if (r.worst_csat_intents.length === 0) out.push('Not enough CSAT answers this week.')
  else {
    out.push('| intent | CSAT score | mean | answers | conversations |', '|---|---|---|---|---|')
    for (const i of r.worst_csat_intents)
      out.push(`| ${i.intent} | ${fmt('csat_score', i.csat_score)} | ${fmt('csat_avg', i.csat_avg)} | ${i.csat_responses} | ${i.conversations} |`)
  }
  out.push(
    '',
    '## Use cases',
    '',
    `| use case | policy | conversations | share | bot resolution | escalation | CSAT | cost (${r.currency}) | bot kept human-only |`,
    '|---|---|---|---|---|---|---|---|---|',
  )
  for (const u of r.use_cases) {
    out.push(
      `| ${u.use_case} | ${u.policy ?? '–'} | ${u.conversations} | ${share(u.share)} | ${fmt('bot_resolution_rate', u.bot_resolution_rate)} | ${fmt('escalation_rate', u.escalation_rate)} | ${fmt('csat_score', u.csat_score)} | ${fmt('cost_per_conversation', u.cost_per_conversation)} | ${u.bot_kept_human_only} |`,
    )
  }
  return `${out.join('\n')}\n`
}

function csvField(v: unknown): string {
  const s = v === null || v === undefined ? '' : String(v)
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

/** One row per fact: section, item, metric, value, detail. */
export function reviewToCsv(r: WeeklyReview): string {
  const rows: unknown[][] = [['week', 'section', 'item', 'metric', 'value', 'detail']]
  const add = (section: string, item: string, metric: string, value: unknown, detail = '') => rows.push([r.week, section, item, metric, value, detail])
  for (const g of r.goals) {
    add(
      'goal',
      g.id,
      g.kpi,
      g.history[g.history.length - 1]?.value ?? null,
      `period=${goalPeriod(g, r.to)}; status=${g.status}; target ${g.direction} ${g.target}; owner ${g.owner}`,
    )
  }
  for (const d of r.kpi_deltas) {
    add('kpi', d.kpi, 'this_week', d.current)
    add('kpi', d.kpi, 'last_week', d.previous, d.provisional ? 'provisional' : (d.trend ?? ''))
  }
  for (const q of r.unanswered_questions.groups) add('unanswered_question', q.question, 'fallbacks', q.fallbacks, q.examples.join(' | '))
  for (const e of r.escalation_reasons) add('escalation_reason', e.reason, 'conversations', e.conversations, `share=${e.share}`)
  for (const i of r.worst_csat_intents) add('worst_csat_intent', i.intent, 'csat_score', i.csat_score, `answers=${i.csat_responses}`)
  for (const u of r.use_cases)
    add(
      'use_case',
      u.use_case,
      'conversations',
      u.conversations,
      `policy=${u.policy ?? ''}; bot_resolution_rate=${u.bot_resolution_rate ?? ''}; escalation_rate=${u.escalation_rate ?? ''}; bot_kept_human_only=${u.bot_kept_human_only}`,
    )
  return `${rows.map((row) => row.map(csvField).join(',')).join('\n')}\n`
}
