// Maps a WhatsApp Cloud API webhook notification (entry[].changes[].value) onto Pulso's data:
// customer messages → v1 `message` events, billable statuses → v1 `cost` events, and every status →
// a delivery fact (whatsapp_statuses). WhatsApp has no conversation id for inbound messages, so
// the events carry conversation_id 'auto:wa' and the staging model assigns conversations (see
// docs/whatsapp.md). Ids are WhatsApp's own, so a redelivered notification maps to the same ids.
import type { PriceTable } from '../../config/whatsapp.ts'
import { pseudonymizeCustomerId } from '../contract/pseudonymize.ts'
import { toClickHouseTime } from '../contract/timestamp.ts'
import { contractCategory, marketOf, priceOf } from './market.ts'

/** The conversation id of events whose conversation Pulso assigns from the customer's activity. */
export const AUTO_CONVERSATION = 'auto:wa'

export type StatusRow = {
  tenant_id: string
  message_id: string
  status: string
  occurred_at: string
  recipient_id: string | null
  phone_number_id: string
  billable: boolean | null
  pricing_model: string | null
  pricing_category: string | null
  meta_conversation_id: string | null
  error_code: number | null
  error_title: string | null
  raw: string
}

export type MappedNotification = {
  /** v1 events, ready for the intake (customer_id is the raw wa_id: the intake hashes it). */
  events: Record<string, unknown>[]
  statuses: StatusRow[]
  /** What Pulso does not use (other webhook fields, system messages): kept raw in the inbox, listed here. */
  unused: string[]
}

export type MapOptions = { tenantId: string; hashKey: string; prices: PriceTable }

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : [])
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined)

/** WhatsApp timestamps are Unix seconds as strings. */
function isoFromUnixSeconds(value: unknown): string | undefined {
  const seconds = Number(value)
  if (!Number.isFinite(seconds) || seconds <= 0) return undefined
  return new Date(seconds * 1000).toISOString()
}

/** The words of a message, where it has any (stored only for tenants that store text). */
function textOf(message: Json): string | undefined {
  const type = str(message.type)
  const part = type ? message[type] : undefined
  if (type === 'text' && isObject(part)) return str(part.body)
  if (type === 'button' && isObject(part)) return str(part.text)
  if (type === 'interactive' && isObject(part)) {
    const reply = isObject(part.button_reply) ? part.button_reply : isObject(part.list_reply) ? part.list_reply : undefined
    if (reply) return str(reply.title)
    if (isObject(part.nfm_reply)) return str(part.nfm_reply.body)
  }
  if (type === 'order' && isObject(part)) return str(part.text)
  if (isObject(part)) return str(part.caption)
  return undefined
}

/** Non-personal details of a message that analyses use (reply ids, media kind), kept in `extra`. */
function detailsOf(message: Json): Json {
  const type = str(message.type) ?? 'unknown'
  const part = message[type]
  const details: Json = { wa_type: type }
  if (isObject(message.context)) details.wa_context_id = str(message.context.id) ?? null
  if (isObject(message.referral)) details.wa_referral_source = str(message.referral.source_type) ?? null
  if (type === 'interactive' && isObject(part)) {
    details.wa_interactive_type = str(part.type) ?? null
    const reply = isObject(part.button_reply) ? part.button_reply : isObject(part.list_reply) ? part.list_reply : undefined
    if (reply) details.wa_reply_id = str(reply.id) ?? null
  }
  if (type === 'button' && isObject(part)) details.wa_reply_id = str(part.payload) ?? null
  if (type === 'reaction' && isObject(part)) {
    details.wa_reacted_message_id = str(part.message_id) ?? null
    details.wa_emoji = str(part.emoji) ?? null
  }
  if (type === 'order' && isObject(part)) {
    details.wa_catalog_id = str(part.catalog_id) ?? null
    details.wa_order_items = asArray(part.product_items).length
  }
  if (['image', 'audio', 'video', 'document', 'sticker'].includes(type) && isObject(part)) {
    details.wa_mime_type = str(part.mime_type) ?? null
    if (type === 'audio') details.wa_voice = part.voice === true
  }
  if (type === 'unsupported') {
    const error = asArray(message.errors)[0]
    details.wa_error_code = isObject(error) && typeof error.code === 'number' ? error.code : null
  }
  return details
}

function mapMessage(message: Json, phoneNumberId: string | undefined, options: MapOptions): Record<string, unknown> | string {
  const id = str(message.id)
  const from = str(message.from)
  const occurredAt = isoFromUnixSeconds(message.timestamp)
  const type = str(message.type)
  if (type === 'system') return `system message ${id ?? ''} (${isObject(message.system) ? str(message.system.type) : 'unknown'})`
  if (!id || !from || !occurredAt) return `message without id, from or timestamp`
  const text = textOf(message)
  return {
    event_id: `wa:${id}`,
    tenant_id: options.tenantId,
    conversation_id: AUTO_CONVERSATION,
    occurred_at: occurredAt,
    type: 'message',
    sender: 'customer',
    channel: 'whatsapp',
    customer_id: from,
    ...(text !== undefined ? { text } : {}),
    wa_phone_number_id: phoneNumberId ?? null,
    ...detailsOf(message),
  }
}

function statusRow(status: Json, phoneNumberId: string | undefined, options: MapOptions): StatusRow | undefined {
  const messageId = str(status.id)
  const state = str(status.status)
  const occurredAt = isoFromUnixSeconds(status.timestamp)
  if (!messageId || !state || !occurredAt) return undefined
  const pricing = isObject(status.pricing) ? status.pricing : undefined
  const conversation = isObject(status.conversation) ? status.conversation : undefined
  const error = asArray(status.errors)[0]
  const recipient = pseudonymizeCustomerId(str(status.recipient_id), options.hashKey) ?? null
  // The raw status, with the phone number replaced by its pseudonym.
  const raw = { ...status, ...(status.recipient_id !== undefined ? { recipient_id: recipient } : {}) }
  return {
    tenant_id: options.tenantId,
    message_id: messageId,
    status: state,
    occurred_at: toClickHouseTime(Date.parse(occurredAt)),
    recipient_id: recipient,
    phone_number_id: phoneNumberId ?? '',
    billable: pricing && typeof pricing.billable === 'boolean' ? pricing.billable : null,
    pricing_model: pricing ? (str(pricing.pricing_model) ?? null) : null,
    pricing_category: pricing ? (str(pricing.category) ?? null) : null,
    meta_conversation_id: conversation ? (str(conversation.id) ?? null) : null,
    error_code: isObject(error) && typeof error.code === 'number' ? error.code : null,
    error_title: isObject(error) ? (str(error.title) ?? null) : null,
    raw: JSON.stringify(raw),
  }
}

/**
 * A billable status → one cost event. Per-message pricing (PMP) charges each billable message once;
 * the older per-conversation pricing (CBP) charged each Meta conversation once. The event id is the
 * charged thing's id, so the sent and delivered statuses that both carry the pricing count once.
 */
function costEvent(status: Json, options: MapOptions): Record<string, unknown> | undefined {
  const pricing = isObject(status.pricing) ? status.pricing : undefined
  if (pricing?.billable !== true) return undefined
  const category = contractCategory(str(pricing.category))
  const messageId = str(status.id)
  const occurredAt = isoFromUnixSeconds(status.timestamp)
  const recipient = str(status.recipient_id)
  if (!category || !messageId || !occurredAt) return undefined
  const model = str(pricing.pricing_model) ?? 'PMP'
  const metaConversation = isObject(status.conversation) ? str(status.conversation.id) : undefined
  const chargedId = model === 'CBP' && metaConversation ? `conv:${metaConversation}` : messageId
  const market = marketOf(recipient)
  return {
    event_id: `wa:cost:${chargedId}`,
    tenant_id: options.tenantId,
    conversation_id: AUTO_CONVERSATION,
    occurred_at: occurredAt,
    type: 'cost',
    channel: 'whatsapp',
    ...(recipient ? { customer_id: recipient } : {}),
    amount: priceOf(options.prices, market, category),
    currency: options.prices.currency,
    component: 'whatsapp',
    category,
    wa_message_id: messageId,
    wa_pricing_category: str(pricing.category) ?? null,
    wa_pricing_model: model,
    wa_market: market,
  }
}

export function mapNotification(payload: unknown, options: MapOptions): MappedNotification {
  const mapped: MappedNotification = { events: [], statuses: [], unused: [] }
  if (!isObject(payload)) {
    mapped.unused.push('the body is not a JSON object')
    return mapped
  }
  if (payload.object !== 'whatsapp_business_account') mapped.unused.push(`object '${String(payload.object)}' is not whatsapp_business_account`)
  for (const entry of asArray(payload.entry)) {
    if (!isObject(entry)) continue
    for (const change of asArray(entry.changes)) {
      if (!isObject(change)) continue
      const value = isObject(change.value) ? change.value : undefined
      if (change.field !== 'messages' || !value) {
        mapped.unused.push(`change field '${String(change.field)}'`)
        continue
      }
      const phoneNumberId = isObject(value.metadata) ? str(value.metadata.phone_number_id) : undefined
      for (const message of asArray(value.messages)) {
        if (!isObject(message)) continue
        const event = mapMessage(message, phoneNumberId, options)
        if (typeof event === 'string') mapped.unused.push(event)
        else mapped.events.push(event)
      }
      for (const status of asArray(value.statuses)) {
        if (!isObject(status)) continue
        const row = statusRow(status, phoneNumberId, options)
        if (row) mapped.statuses.push(row)
        else mapped.unused.push('status without id, status or timestamp')
        const cost = costEvent(status, options)
        if (cost) mapped.events.push(cost)
      }
      for (const key of Object.keys(value)) {
        if (!['messaging_product', 'metadata', 'contacts', 'messages', 'statuses'].includes(key)) mapped.unused.push(`value.${key}`)
      }
    }
  }
  return mapped
}
