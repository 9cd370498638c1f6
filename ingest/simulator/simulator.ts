// A realistic WhatsApp customer-service bot operation for the demo tenant: four use cases,
// fallbacks, handoffs with and without context, agent waits, CSAT (some late, some answered
// twice), costs by component, proactive messages and conversions, duplicates and late events.
// A bot release (v1.5.0) in the last two weeks doubles fallbacks and escalations on returns,
// so the regression detector has something real to find.
import { addLocalDays, localInstant, localTimestamp } from './local-time.ts'
import { Random } from './random.ts'

export type SimulatorOptions = {
  tenantId: string
  /** Last simulated day: its calendar date (as `Date.UTC` writes it) is a local date in `timeZone`. */
  endDate: Date
  /** Whole local days, the last one `endDate`; each starts at local midnight, so none is partial. */
  days: number
  /** The zone whose local days the simulation fills and whose offsets its producers write (the tenant's). Default America/Mexico_City. */
  timeZone?: string
  /** The present: what would occur at or after it has not happened yet and is not emitted (a live tenant's today). */
  now?: Date
  conversationsPerDay: number
  seed?: number
  /** Share of events delivered a second time (redelivery). */
  duplicateRate?: number
  /** false: no v1.5.0 release (every day on v1.4.0, nothing regresses). Default true. */
  release?: boolean
}

type SimEvent = Record<string, unknown> & { event_id: string; occurred_at: string }

export const USE_CASES = {
  order_status: { policy: 'bot', weight: 40, intents: ['where_is_my_order', 'delivery_date', 'change_address'], fallback: 0.08 },
  returns: { policy: 'bot', weight: 20, intents: ['start_return', 'refund_status', 'exchange_size'], fallback: 0.12 },
  rejected_payment: { policy: 'human', weight: 15, intents: ['card_declined', 'double_charge', 'payment_pending'], fallback: 0.2 },
  faq: { policy: 'bot', weight: 15, intents: ['store_hours', 'shipping_cost', 'warranty'], fallback: 0.1 },
} as const

const UNANSWERED_QUESTIONS = [
  '¿Puedo pagar en efectivo al recibir?',
  'puedo pagar en efectivo al recibir',
  '¿Tienen tienda en Monterrey?',
  'tienen tienda en monterrey??',
  '¿Hacen envíos a Estados Unidos?',
  '¿Cómo uso mi cupón de descuento?',
  'como uso mi cupon de descuento',
  '¿Puedo cambiar el color después de comprar?',
  'Quiero hablar con alguien sobre mi factura',
  '¿El producto tiene garantía internacional?',
]

const AGENTS = ['ag_ana', 'ag_luis', 'ag_marta', 'ag_pedro', 'ag_sofia']
const RELEASE_DAY_FROM_END = 14

/** Simulates the operation and returns its events, in the (shuffled) order they would arrive. */
export function simulate(options: SimulatorOptions): SimEvent[] {
  const rnd = new Random(options.seed ?? 20240301)
  const events: SimEvent[] = []
  const customers = Array.from(
    { length: Math.max(50, Math.round(options.conversationsPerDay * options.days * 0.4)) },
    (_, i) => `+52 55 ${String(10000000 + i * 7919).slice(0, 4)} ${String(i).padStart(4, '0')}`,
  )
  const timeZone = options.timeZone ?? 'America/Mexico_City'
  const nowMs = options.now?.getTime() ?? Number.POSITIVE_INFINITY
  const lastDay = options.endDate.toISOString().slice(0, 10)
  const firstDay = addLocalDays(lastDay, 1 - options.days)
  let conversationNumber = 0

  for (let day = 0; day < options.days; day++) {
    const date = addLocalDays(firstDay, day)
    const weekday = new Date(`${date}T00:00:00Z`).getUTCDay()
    const volume = Math.round(options.conversationsPerDay * (weekday === 0 ? 0.6 : weekday === 6 ? 0.8 : 1) * (0.85 + rnd.next() * 0.3))
    const daysFromEnd = options.days - day
    const botVersion = options.release !== false && daysFromEnd <= RELEASE_DAY_FROM_END ? 'v1.5.0' : 'v1.4.0'
    for (let i = 0; i < volume; i++) {
      conversationNumber++
      const conversationId = `conv-${String(conversationNumber).padStart(6, '0')}`
      // Busy hours 09–21 local, some at night (21–09); every conversation starts within its local day.
      const localHour = rnd.chance(0.85) ? rnd.int(9, 20) : rnd.int(21, 32) % 24
      let t = localInstant(date, localHour * 3600_000 + rnd.int(0, 3599_999), timeZone)
      let n = 0
      const base = {
        tenant_id: options.tenantId,
        conversation_id: conversationId,
        customer_id: rnd.pick(customers),
        channel: rnd.chance(0.92) ? 'whatsapp' : 'web',
        bot_version: botVersion,
      }
      const emit = (type: string, fields: Record<string, unknown>, at = t) => {
        n++
        if (at >= nowMs) return // not happened yet
        events.push({ event_id: `${conversationId}-${n}`, ...base, type, occurred_at: localTimestamp(at, timeZone), ...fields } as SimEvent)
      }

      const outside = rnd.chance(0.07)
      const useCase = rnd.weighted(Object.entries(USE_CASES).map(([name, u]) => [name, u.weight] as const)) as keyof typeof USE_CASES
      const spec = USE_CASES[useCase]
      const intent = outside ? rnd.pick(['warranty_claim', 'job_application', 'wholesale']) : rnd.pick(spec.intents)
      const segment = outside ? { intent } : { use_case: useCase, intent }

      // Proactive messages: order updates (utility) and promotions (marketing).
      if (rnd.chance(0.12)) {
        const marketing = rnd.chance(0.35)
        const campaign = marketing ? 'buen_fin_2026' : 'order_updates'
        emit('proactive_sent', { template: marketing ? 'promo_buen_fin' : 'order_shipped', category: marketing ? 'marketing' : 'utility', campaign })
        emit('cost', { amount: marketing ? 0.95 : 0.35, currency: 'MXN', component: 'whatsapp', category: marketing ? 'marketing' : 'utility' })
        if (!rnd.chance(0.4)) continue // never answered
        t += rnd.int(60, 6 * 3600) * 1000
        if (marketing && rnd.chance(0.3)) emit('conversion', { value: rnd.int(300, 3000), currency: 'MXN', campaign }, t + 600_000)
      }

      emit('message', { sender: 'customer', ...segment, text: 'Hola, tengo una duda' })
      const frt = rnd.logNormal(2.5, 0.6) * 1000 * (rnd.chance(0.03) ? 20 : 1)
      t += frt
      emit('message', { sender: 'bot', ...segment, text: '¡Hola! Con gusto te ayudo.' })
      emit('cost', { amount: 0.04, currency: 'MXN', component: 'llm' })

      const regressed = botVersion === 'v1.5.0' && useCase === 'returns' && !outside
      const fallbackRate = (outside ? 0.6 : spec.fallback) * (regressed ? 2 : 1)
      const fellBack = rnd.chance(fallbackRate)
      if (fellBack) {
        t += rnd.int(5, 60) * 1000
        emit('bot_fallback', { question: rnd.pick(UNANSWERED_QUESTIONS), confidence: Math.round(rnd.next() * 40) / 100, ...segment })
      }
      const policyHandoff = !outside && spec.policy === 'human' && rnd.chance(0.85)
      const escalationChance = policyHandoff ? 1 : (fellBack ? 0.55 : 0.06) * (regressed ? 2 : 1)
      const escalated = rnd.chance(escalationChance)

      if (escalated) {
        t += rnd.int(10, 120) * 1000
        const reason = policyHandoff ? 'policy' : fellBack ? 'bot_fallback' : rnd.pick(['customer_request', 'sentiment', 'other'] as const)
        const complete = rnd.chance(0.72)
        emit('handoff', {
          reason,
          context: { transcript: complete || rnd.chance(0.5), customer_profile: complete || rnd.chance(0.3), intent: complete ? intent : null },
          queue: useCase === 'rejected_payment' ? 'pagos' : 'general',
          ...segment,
        })
        const wait = rnd.logNormal(150, 0.9) * 1000
        if (rnd.chance(0.95)) {
          t += wait
          const agent = rnd.pick(AGENTS)
          emit('message', { sender: 'agent', agent_id: agent, text: 'Hola, soy tu agente.' })
          emit('cost', { amount: Math.round((wait / 60000 + 6) * 9) / 10, currency: 'MXN', component: 'agent' })
          t += rnd.int(2, 15) * 60_000
          if (rnd.chance(0.85)) emit('resolved', { resolved_by: 'agent' })
        }
      } else if (rnd.chance(outside ? 0.3 : 0.88)) {
        t += rnd.int(20, 240) * 1000
        emit('message', { sender: 'bot', text: 'Listo, ¿algo más?' })
        emit('resolved', { resolved_by: 'bot' })
      }
      emit('cost', { amount: 0, currency: 'MXN', component: 'whatsapp', category: 'service' })
      t += rnd.int(1, 10) * 60_000
      emit('closed', {})

      if (rnd.chance(0.35)) {
        const late = rnd.chance(0.12)
        const at = late ? t + rnd.int(24, 60) * 3600_000 : t + rnd.int(1, 30) * 60_000
        const good = escalated ? 0.55 : fellBack ? 0.4 : 0.85
        const score = rnd.chance(good) ? rnd.int(4, 5) : rnd.int(1, 3)
        emit('csat', { score }, at)
        if (rnd.chance(0.03)) emit('csat', { score: Math.min(5, score + 1) }, at + 3600_000) // answered twice
      }
    }
  }

  // Late and out-of-order arrival: shuffle neighbours; redeliver a share of events.
  for (let i = events.length - 1; i > 0; i--) {
    if (rnd.chance(0.1)) {
      const j = Math.max(0, i - rnd.int(1, 50))
      ;[events[i], events[j]] = [events[j]!, events[i]!]
    }
  }
  const duplicateRate = options.duplicateRate ?? 0.02
  const redelivered = events.filter(() => rnd.chance(duplicateRate))
  return [...events, ...redelivered]
}
