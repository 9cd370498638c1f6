// Maps a Chatwoot webhook (the agent desk most teams put beside the WhatsApp Cloud API) onto v1
// events: agent and bot messages, handoffs (a bot-held `pending` conversation opened for humans),
// resolutions and CSAT survey answers. A contact with a phone number is a WhatsApp customer: its
// events carry conversation_id 'auto:…' and the contact's phone as customer_id, so the staging model
// puts them in the same conversation as the customer's WhatsApp messages (same phone pseudonym).
import { AUTO_CONVERSATION } from '../whatsapp/map-notification.ts'

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined)

export type ChatwootMapped = { events: Record<string, unknown>[]; unused: string[] }

const HANDOFF_REASONS = new Set(['customer_request', 'bot_fallback', 'policy', 'sentiment', 'other'])

/** Chatwoot writes times as Unix seconds, ISO strings or '2020-03-03 13:05:57 UTC'. */
export function chatwootTime(value: unknown): string | undefined {
  if (typeof value === 'number' && value > 0) return new Date(value * 1000).toISOString()
  if (typeof value === 'string' && value !== '') {
    const ms = Date.parse(value.replace(/ UTC$/, 'Z').replace(/^(\d{4}-\d{2}-\d{2}) /, '$1T'))
    if (!Number.isNaN(ms)) return new Date(ms).toISOString()
  }
  return undefined
}

/** The contact of a conversation payload (conversation.meta.sender) or of a message (sender, when a contact). */
function contactOf(payload: Json): Json | undefined {
  const conversation = isObject(payload.conversation) ? payload.conversation : payload
  const meta = isObject(conversation.meta) ? conversation.meta : undefined
  if (meta && isObject(meta.sender)) return meta.sender
  if (isObject(payload.sender) && payload.sender.type === 'contact') return payload.sender
  if (isObject(payload.contact)) return payload.contact
  return undefined
}

/** Conversation and customer of an event: joined with WhatsApp when the contact has a phone number. */
function threadOf(payload: Json, accountId: string, conversationId: string | undefined): { conversation_id: string; customer_id?: string; channel: string } {
  const contact = contactOf(payload)
  const conversation = isObject(payload.conversation) ? payload.conversation : payload
  const channelName = str(conversation.channel) ?? ''
  const phone = contact ? str(contact.phone_number) : undefined
  const channel =
    channelName === 'Channel::Whatsapp' || (phone && channelName === '') ? 'whatsapp' : channelName.replace(/^Channel::/, '').toLowerCase() || 'whatsapp'
  if (phone) return { conversation_id: AUTO_CONVERSATION, customer_id: phone, channel }
  const contactId = contact ? str(contact.id) : undefined
  return {
    conversation_id: `cw:${accountId}:${conversationId ?? 'unknown'}`,
    ...(contactId ? { customer_id: `cw:${accountId}:contact:${contactId}` } : {}),
    channel,
  }
}

function accountOf(payload: Json): string {
  return (isObject(payload.account) ? str(payload.account.id) : undefined) ?? 'default'
}

function mapMessage(payload: Json, tenantId: string, out: ChatwootMapped) {
  const accountId = accountOf(payload)
  const id = str(payload.id)
  const conversation = isObject(payload.conversation) ? payload.conversation : {}
  const conversationId = str(conversation.id) ?? str(payload.conversation_id)
  const occurredAt = chatwootTime(payload.created_at)
  if (!id || !occurredAt) return out.unused.push(`message without id or created_at`)
  if (payload.private === true) return out.unused.push(`private note ${id}`)
  const messageType = str(payload.message_type)
  const sender = isObject(payload.sender) ? payload.sender : {}
  const thread = threadOf(payload, accountId, conversationId)
  const base = { tenant_id: tenantId, occurred_at: occurredAt, ...thread, cw_conversation_id: conversationId ?? null, cw_message_id: id }
  const sourceId = str(payload.source_id)
  if (messageType === 'incoming' || messageType === '0') {
    // A WhatsApp message Chatwoot received carries its wamid as source_id: the same event id the
    // WhatsApp webhook gives it, so receiving both counts once.
    const eventId = sourceId?.startsWith('wamid.') ? `wa:${sourceId}` : `cw:${accountId}:msg:${id}`
    return out.events.push({ event_id: eventId, type: 'message', sender: 'customer', ...(str(payload.content) ? { text: str(payload.content) } : {}), ...base })
  }
  if (messageType === 'outgoing' || messageType === '1') {
    const isBot = sender.type === 'agent_bot' || sender.type === 'captain_assistant'
    return out.events.push({
      event_id: `cw:${accountId}:msg:${id}`,
      type: 'message',
      sender: isBot ? 'bot' : 'agent',
      ...(!isBot && str(sender.id) ? { agent_id: `cw:${str(sender.id)}` } : {}),
      ...(str(payload.content) ? { text: str(payload.content) } : {}),
      ...base,
    })
  }
  out.unused.push(`message ${id} of type ${messageType ?? 'unknown'}`)
}

/** A submitted CSAT survey: Chatwoot updates the input_csat message with the rating. */
function mapCsat(payload: Json, tenantId: string, out: ChatwootMapped) {
  const attributes = isObject(payload.content_attributes) ? payload.content_attributes : {}
  const submitted = isObject(attributes.submitted_values) ? attributes.submitted_values : {}
  const response = isObject(submitted.csat_survey_response) ? submitted.csat_survey_response : undefined
  const rating = response ? Number(response.rating) : NaN
  if (!Number.isInteger(rating) || rating < 1 || rating > 5) return out.unused.push(`input_csat message ${str(payload.id)} without a rating 1–5`)
  const accountId = accountOf(payload)
  const conversation = isObject(payload.conversation) ? payload.conversation : {}
  const conversationId = str(conversation.id) ?? str(payload.conversation_id)
  const occurredAt = chatwootTime(payload.updated_at) ?? chatwootTime(payload.created_at)
  if (!occurredAt) return out.unused.push(`csat without a time`)
  out.events.push({
    // A customer who changes the rating sends a new answer: the latest by time wins in the models.
    event_id: `cw:${accountId}:csat:${str(payload.id)}:${rating}`,
    tenant_id: tenantId,
    occurred_at: occurredAt,
    type: 'csat',
    score: rating,
    ...(str(response!.feedback_message) ? { comment: str(response!.feedback_message) } : {}),
    ...threadOf(payload, accountId, conversationId),
    cw_conversation_id: conversationId ?? null,
  })
}

function previousStatus(payload: Json): string | undefined {
  for (const change of Array.isArray(payload.changed_attributes) ? payload.changed_attributes : []) {
    if (isObject(change) && isObject(change.status)) return str(change.status.previous_value)
  }
  return undefined
}

function mapStatusChange(payload: Json, tenantId: string, out: ChatwootMapped) {
  const accountId = accountOf(payload)
  const conversationId = str(payload.id)
  const status = str(payload.status)
  const occurredAt = chatwootTime(payload.updated_at) ?? chatwootTime(payload.timestamp)
  if (!conversationId || !status || !occurredAt) return out.unused.push('conversation status change without id, status or time')
  const meta = isObject(payload.meta) ? payload.meta : {}
  const attributes = isObject(payload.custom_attributes) ? payload.custom_attributes : {}
  const base = { tenant_id: tenantId, occurred_at: occurredAt, ...threadOf(payload, accountId, conversationId), cw_conversation_id: conversationId }
  const idBase = `cw:${accountId}:conv:${conversationId}:${status}:${Date.parse(occurredAt)}`
  if (status === 'resolved') {
    // Resolved with a human assignee → the agent resolved it; with none, the bot did.
    return out.events.push({ event_id: idBase, type: 'resolved', resolved_by: isObject(meta.assignee) ? 'agent' : 'bot', ...base })
  }
  const previous = previousStatus(payload)
  if (status === 'open' && (previous === 'pending' || previous === undefined)) {
    // Chatwoot's bot convention: a bot holds a conversation as `pending` and hands it to humans by opening it.
    const contact = contactOf(payload)
    const labels = Array.isArray(payload.labels) ? payload.labels.filter((l): l is string => typeof l === 'string') : []
    const intent = str(attributes.intent) ?? labels[0] ?? null
    const reason = str(attributes.handoff_reason)
    return out.events.push({
      event_id: idBase,
      type: 'handoff',
      reason: reason && HANDOFF_REASONS.has(reason) ? reason : 'other',
      // The agent reads the bot's transcript in the same Chatwoot conversation; the profile is there
      // when the contact has a phone number or an email.
      context: { transcript: true, customer_profile: Boolean(contact && (str(contact.phone_number) || str(contact.email))), intent },
      ...(isObject(payload.meta) && isObject(meta.team) && str(meta.team.name) ? { queue: str(meta.team.name) } : {}),
      ...(intent ? { intent } : {}),
      ...base,
    })
  }
  out.unused.push(`conversation ${conversationId} status ${previous ?? '?'} → ${status}`)
}

export function mapChatwootWebhook(payload: unknown, tenantId: string): ChatwootMapped {
  const out: ChatwootMapped = { events: [], unused: [] }
  if (!isObject(payload)) {
    out.unused.push('the body is not a JSON object')
    return out
  }
  switch (payload.event) {
    case 'message_created':
      mapMessage(payload, tenantId, out)
      break
    case 'message_updated':
      if (payload.content_type === 'input_csat') mapCsat(payload, tenantId, out)
      else out.unused.push(`message_updated ${str(payload.id)}`)
      break
    case 'conversation_status_changed':
    case 'conversation_resolved':
      mapStatusChange(payload, tenantId, out)
      break
    default:
      out.unused.push(`event '${String(payload.event)}'`)
  }
  return out
}
