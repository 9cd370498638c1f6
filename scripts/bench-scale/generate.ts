// bench:scale's data: contract-v1 NDJSON like a real WhatsApp customer-service operation, written
// to a file as a stream (10M events are never held in memory). Seeded and deterministic: every day
// of every tenant draws from a generator seeded by (tenant, calendar day), so a day's events are
// the same whatever range is generated, and the history test can add older days before the same
// recent ones. Only what crosses days is kept in memory: customers scheduled to come back, late
// CSAT answers and redeliveries, each waiting for the day it arrives on.
//
// What is in it: use cases and intents (with an intent refined after the first message), two bot
// versions (a staged release 90 days before the end that regresses `returns`), returning customers
// (an unresolved or badly solved problem brings the customer back within days, so first contact
// resolution means something), bot fallbacks, handoffs with context flags, queues and agent replies
// (a few never answered), CSAT (some days late, a few answered twice), costs by component and
// category (a few in a foreign currency, which the KPIs exclude), proactive messages, a few
// conversations without a customer id, events out of order and ~0.4 % redelivered event_ids.
// Each event is a distinct millisecond of its conversation, except on purpose: a reply in the same
// millisecond as the customer's message and an agent in the same millisecond as the handoff
// ("at or after" in DESIGN.md). Same-kind events that the KPIs pick "the latest" of never tie.

import { once } from 'node:events'
import { createWriteStream } from 'node:fs'
// The demo simulator's seeded generator (mulberry32): the same draws, one implementation.
import { Random as Rng } from '../../ingest/simulator/random.ts'

export type TenantSpec = { id: string; timezone: string; offsetMinutes: number; currency: string; phonePrefix: string; seed: number }

/** The measured tenant and two others of the same size (fixed-offset zones: no DST in the range). */
export const TENANTS: TenantSpec[] = [
  { id: 'acme', timezone: 'America/Mexico_City', offsetMinutes: -360, currency: 'MXN', phonePrefix: '+52 55', seed: 101 },
  { id: 'borealis', timezone: 'America/Bogota', offsetMinutes: -300, currency: 'COP', phonePrefix: '+57 300', seed: 202 },
  { id: 'cumbre', timezone: 'America/Sao_Paulo', offsetMinutes: -180, currency: 'BRL', phonePrefix: '+55 11 9', seed: 303 },
]

/** Mean events per conversation of this generator, measured (used to size the days). */
export const EVENTS_PER_CONVERSATION = 8.4

export const USE_CASES = {
  order_status: { weight: 38, policy: 'bot', intents: ['where_is_my_order', 'delivery_date', 'change_address'], fallback: 0.07 },
  returns: { weight: 20, policy: 'bot', intents: ['start_return', 'refund_status', 'exchange_size'], fallback: 0.11 },
  rejected_payment: { weight: 14, policy: 'human', intents: ['card_declined', 'double_charge', 'payment_pending'], fallback: 0.18 },
  faq: { weight: 22, policy: 'bot', intents: ['store_hours', 'shipping_cost', 'warranty', 'payment_methods'], fallback: 0.1 },
} as const
type UseCase = keyof typeof USE_CASES
const USE_CASE_WEIGHTS = Object.entries(USE_CASES).map(([name, u]) => [name as UseCase, u.weight] as const)
const OUTSIDE_INTENTS = ['job_application', 'wholesale', 'warranty_claim']
const QUESTIONS = [
  '¿Puedo pagar en efectivo al recibir?',
  '¿Tienen tienda en Monterrey?',
  '¿Hacen envíos a Estados Unidos?',
  '¿Cómo uso mi cupón?',
  'quiero factura',
  '¿El producto tiene garantía internacional?',
]
const AGENTS = Array.from({ length: 24 }, (_, i) => `ag_${String(i + 1).padStart(2, '0')}`)
export const OLD_VERSION = 'v2.3.0'
export const NEW_VERSION = 'v2.4.0'
/** The release reaches everyone this many days before the end; the 3 days before it are a 50 % rollout. */
export const RELEASE_DAYS_BEFORE_END = 90

export type GenerateOptions = {
  file: string
  tenants: TenantSpec[]
  /** Last local day, YYYY-MM-DD. */
  endDate: string
  /** Days generated, counted back from endDate: from `fromDaysBack` (oldest) to `toDaysBack` (newest), inclusive; 0 is endDate. */
  fromDaysBack: number
  toDaysBack: number
  /** Mean conversations per weekday per tenant (weekends fewer). */
  conversationsPerDay: number
  onProgress?: (daysDone: number, daysTotal: number, lines: number) => void
}

export type GenerateSummary = { lines: number; duplicates: number; conversations: number; bytes: number; byTenant: Record<string, number> }

const DAY_MS = 86_400_000

function iso(ms: number, offsetMinutes: number): string {
  const local = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 23)
  if (offsetMinutes === 0) return `${local}Z`
  const sign = offsetMinutes < 0 ? '-' : '+'
  const abs = Math.abs(offsetMinutes)
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`
}

/** Conversations per weekday that give about `events` events per tenant over `days` days. */
export function conversationsPerDayFor(events: number, days: number): number {
  // weekdays ×1, Saturday ×0.8, Sunday ×0.6: a week has 6.4 weekday-equivalents
  return events / EVENTS_PER_CONVERSATION / (days * (6.4 / 7))
}

export async function generate(options: GenerateOptions): Promise<GenerateSummary> {
  const out = createWriteStream(options.file, { highWaterMark: 4 << 20 })
  const summary: GenerateSummary = { lines: 0, duplicates: 0, conversations: 0, bytes: 0, byTenant: {} }
  const endDay = Math.floor(Date.parse(`${options.endDate}T00:00:00Z`) / DAY_MS)
  // lines waiting for the day they arrive on (late CSAT, redeliveries), per day number
  const arriving = new Map<number, string[]>()
  // customers who come back, per tenant and day
  const returning = new Map<string, { customer: number; useCase: UseCase | null }[]>()
  const customerPool = Math.max(1000, Math.round(options.conversationsPerDay * 60))
  const daysTotal = options.fromDaysBack - options.toDaysBack + 1
  for (const t of options.tenants) summary.byTenant[t.id] = 0

  for (let back = options.fromDaysBack; back >= options.toDaysBack; back--) {
    const day = endDay - back
    const lines: string[] = arriving.get(day) ?? []
    arriving.delete(day)
    const arrive = (onDay: number, line: string) => {
      if (onDay === day) lines.push(line)
      else {
        const list = arriving.get(onDay)
        if (list) list.push(line)
        else arriving.set(onDay, [line])
      }
    }
    for (const tenant of options.tenants) {
      const rnd = new Rng(tenant.seed * 1_000_003 + day * 7919)
      const weekday = new Date(day * DAY_MS).getUTCDay()
      const volume = Math.round(options.conversationsPerDay * (weekday === 0 ? 0.6 : weekday === 6 ? 0.8 : 1) * (0.9 + rnd.next() * 0.2))
      const localMidnight = day * DAY_MS - tenant.offsetMinutes * 60_000
      const comebacks = returning.get(`${tenant.id}:${day}`) ?? []
      returning.delete(`${tenant.id}:${day}`)
      const version = back < RELEASE_DAYS_BEFORE_END - 3 ? NEW_VERSION : back < RELEASE_DAYS_BEFORE_END ? null : OLD_VERSION
      for (let i = 0; i < volume; i++) {
        summary.conversations++
        const conversationId = `c${day}-${String(i).padStart(5, '0')}`
        const comeback = i < comebacks.length ? comebacks[i]! : undefined
        const customer = comeback ? comeback.customer : rnd.chance(0.02) ? null : Math.floor(rnd.next() ** 1.6 * customerPool)
        const customerId =
          customer === null ? undefined : `${tenant.phonePrefix} ${String(1000 + (customer % 9000))} ${String(Math.floor(customer / 9000)).padStart(4, '0')}`
        // busy 08–22 local, some at night
        let t = localMidnight + (rnd.chance(0.9) ? rnd.int(8, 21) : rnd.int(0, 23)) * 3_600_000 + rnd.int(0, 3_599_999)
        const botVersion = version ?? (rnd.chance(0.5) ? NEW_VERSION : OLD_VERSION)
        const outside = !comeback?.useCase && rnd.chance(0.05)
        const useCase: UseCase | null = outside ? null : comeback?.useCase && rnd.chance(0.7) ? comeback.useCase : rnd.weighted(USE_CASE_WEIGHTS)
        const spec = useCase ? USE_CASES[useCase] : null
        const intent = spec ? rnd.pick(spec.intents) : rnd.pick(OUTSIDE_INTENTS)
        const channel = rnd.chance(0.05) ? 'web' : 'whatsapp'
        let n = 0
        const emit = (type: string, fields: Record<string, unknown>, at: number, segments = false) => {
          n++
          const event: Record<string, unknown> = {
            event_id: `${conversationId}:${n}`,
            tenant_id: tenant.id,
            conversation_id: conversationId,
            occurred_at: iso(at, tenant.offsetMinutes),
            type,
          }
          if (channel === 'web' || rnd.chance(0.5)) event.channel = channel
          if (customerId !== undefined && (n === 1 || rnd.chance(0.7))) event.customer_id = customerId
          if (segments) {
            if (useCase) event.use_case = useCase
            event.bot_version = botVersion
          }
          Object.assign(event, fields)
          const line = JSON.stringify(event)
          // arrival: late events wait for their own day; ~0.4 % are delivered a second time
          const arrivalDay = Math.floor((at + tenant.offsetMinutes * 60_000) / DAY_MS)
          arrive(Math.max(day, arrivalDay), line)
          summary.lines++
          summary.byTenant[tenant.id]!++
          if (rnd.chance(0.004)) {
            arrive(Math.max(day, arrivalDay) + rnd.int(0, 2), line)
            summary.lines++
            summary.duplicates++
            summary.byTenant[tenant.id]!++
          }
        }
        const step = (minMs: number, maxMs: number) => (t += rnd.int(minMs, maxMs))
        const cost = (component: string, amount: number, category?: string) => {
          const foreign = rnd.chance(0.01)
          emit(
            'cost',
            {
              amount: foreign ? Math.round(amount * 100) / 2000 : amount,
              currency: foreign ? 'USD' : tenant.currency,
              component,
              ...(category ? { category } : {}),
            },
            t,
          )
        }

        // a proactive order update or promotion opens some conversations; many go unanswered
        if (rnd.chance(0.08)) {
          const marketing = rnd.chance(0.3)
          emit(
            'proactive_sent',
            {
              template: marketing ? 'promo_temporada' : 'order_shipped',
              category: marketing ? 'marketing' : 'utility',
              campaign: marketing ? 'temporada' : 'order_updates',
            },
            t,
            true,
          )
          step(1, 50)
          cost('whatsapp', marketing ? 0.8125 : 0.1625, marketing ? 'marketing' : 'utility')
          if (rnd.chance(0.45)) continue
          step(60_000, 4 * 3_600_000)
        }
        // the customer writes; the intent detected first is sometimes refined later
        const refined = rnd.chance(0.2)
        emit(
          'message',
          { sender: 'customer', intent: refined ? 'unclear' : intent, ...(rnd.chance(0.3) ? { text: 'Hola, tengo una duda con mi pedido' } : {}) },
          t,
          true,
        )
        if (rnd.chance(0.01) && !refined) step(0, 0)
        else step(Math.round(rnd.logNormal(2200, 0.55) * (rnd.chance(0.03) ? 15 : 1)) + 1, Math.round(rnd.logNormal(2200, 0.55) * 1.2) + 2)
        emit('message', { sender: 'bot', ...(refined ? { intent } : {}) }, t, true)
        step(1, 20)
        cost('llm', rnd.int(8, 60) / 10000)
        const turns = rnd.chance(0.3) ? (rnd.chance(0.15) ? 2 : 1) : 0
        for (let k = 0; k < turns; k++) {
          step(5_000, 90_000)
          emit('message', { sender: 'customer' }, t, true)
          step(800, 6_000)
          emit('message', { sender: 'bot' }, t, true)
          step(1, 20)
          cost('llm', rnd.int(8, 60) / 10000)
        }
        const regressed = botVersion === NEW_VERSION && useCase === 'returns'
        const fellBack = rnd.chance((spec ? spec.fallback : 0.55) * (regressed ? 2 : 1))
        if (fellBack) {
          step(2_000, 40_000)
          emit('bot_fallback', { question: rnd.pick(QUESTIONS), confidence: rnd.int(5, 45) / 100 }, t, true)
        }
        const policyHandoff = spec?.policy === 'human' && rnd.chance(0.8)
        const escalated = policyHandoff || rnd.chance((fellBack ? 0.5 : 0.05) * (regressed ? 1.8 : 1))
        let resolved = false
        if (escalated) {
          step(3_000, 60_000)
          const full = rnd.chance(0.7)
          emit(
            'handoff',
            {
              reason: policyHandoff ? 'policy' : fellBack ? 'bot_fallback' : rnd.pick(['customer_request', 'sentiment', 'other']),
              context: { transcript: full || rnd.chance(0.5), customer_profile: full || rnd.chance(0.4), intent: full || rnd.chance(0.3) ? intent : null },
              queue: useCase === 'rejected_payment' ? 'pagos' : 'general',
            },
            t,
            true,
          )
          if (rnd.chance(0.94)) {
            const wait = rnd.chance(0.01) ? 0 : Math.round(rnd.logNormal(140_000, 0.9))
            t += wait
            emit('message', { sender: 'agent', agent_id: rnd.pick(AGENTS) }, t)
            step(20_000, 180_000)
            emit('message', { sender: 'customer' }, t)
            step(30_000, 600_000)
            emit('message', { sender: 'agent', agent_id: rnd.pick(AGENTS) }, t)
            step(1, 20)
            cost('agent', Math.round((wait / 60_000 + 5) * 8.5) / 10)
            if (rnd.chance(0.82)) {
              step(10_000, 120_000)
              emit('resolved', { resolved_by: 'agent' }, t)
              resolved = true
            }
          }
        } else if (rnd.chance(outside ? 0.3 : 0.86)) {
          step(5_000, 120_000)
          emit('message', { sender: 'bot' }, t, true)
          step(1_000, 30_000)
          emit('resolved', { resolved_by: 'bot' }, t)
          resolved = true
          // a few are reopened and closed again by an agent, later
          if (rnd.chance(0.01)) {
            step(600_000, 7_200_000)
            emit('resolved', { resolved_by: 'agent' }, t)
          }
        }
        step(1, 50)
        // service conversations are mostly free; the fee is recorded for some
        if (rnd.chance(0.5)) cost('whatsapp', rnd.chance(0.7) ? 0 : 0.1625, 'service')
        step(60_000, 600_000)
        emit('closed', {}, t)
        if (rnd.chance(0.3)) {
          const late = rnd.chance(0.15)
          const at = late ? t + rnd.int(20, 120) * 3_600_000 : t + rnd.int(30_000, 1_800_000)
          const good = escalated ? 0.55 : fellBack ? 0.4 : resolved ? 0.85 : 0.3
          const score = rnd.chance(good) ? rnd.int(4, 5) : rnd.int(1, 3)
          emit('csat', { score, ...(rnd.chance(0.1) ? { comment: score >= 4 ? 'Muy rápido' : 'No resolvieron' } : {}) }, at)
          if (rnd.chance(0.03)) emit('csat', { score: Math.min(5, score + 1) }, at + rnd.int(60_000, 3_600_000))
        }
        // the customer comes back when the problem stayed (or a new one comes up)
        if (customer !== null && rnd.chance(resolved ? 0.08 : 0.4)) {
          const on = day + rnd.int(1, 10)
          const key = `${tenant.id}:${on}`
          const entry = { customer, useCase }
          const list = returning.get(key)
          if (list) list.push(entry)
          else returning.set(key, [entry])
        }
      }
    }
    // out-of-order arrival within the day: swap neighbours
    for (let i = lines.length - 1; i > 0; i--) {
      if ((i * 2654435761) % 10 === 0) {
        const j = Math.max(0, i - 1 - ((i * 40503) % 50))
        ;[lines[i], lines[j]] = [lines[j]!, lines[i]!]
      }
    }
    if (lines.length) {
      const chunk = `${lines.join('\n')}\n`
      summary.bytes += Buffer.byteLength(chunk)
      if (!out.write(chunk)) await once(out, 'drain')
    }
    options.onProgress?.(options.fromDaysBack - back + 1, daysTotal, summary.lines)
  }
  // what arrives after the last day (late CSAT of the last days) arrives in day order
  for (const onDay of [...arriving.keys()].sort((a, b) => a - b)) {
    const chunk = `${arriving.get(onDay)!.join('\n')}\n`
    summary.bytes += Buffer.byteLength(chunk)
    if (!out.write(chunk)) await once(out, 'drain')
  }
  out.end()
  await once(out, 'finish')
  return summary
}
