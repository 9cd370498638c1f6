// Maps a Twilio Programmable Messaging webhook for WhatsApp onto Pulso's data, as the Cloud API
// mapper does for Meta's (../whatsapp/map-notification.ts):
//   incoming message (SmsStatus 'received')  → a v1 `message` event, sender customer;
//   status callback (MessageStatus)           → a delivery fact in whatsapp_statuses, the table the
//                                               Cloud API fills, so GET /v1/proactive reads both;
//   a status callback that carries a price    → a v1 `cost` event, component whatsapp.
// Parameter names are those of Twilio's references: "Twilio's request to your incoming message
// Webhook URL" (twilio.com/docs/messaging/guides/webhook-request) and "Track the Message Status of
// Outbound Messages" (twilio.com/docs/messaging/guides/track-outbound-message-status).
//
// Twilio's webhooks carry no timestamp, so `occurred_at` is the time Pulso received the request,
// stored with the raw body: a replay maps to the same time. Ids are Twilio's MessageSid, so a
// redelivered request maps to the same events and facts.
import { pseudonymizeCustomerId } from '../contract/pseudonymize.ts'
import { toClickHouseTime } from '../contract/timestamp.ts'
import { AUTO_CONVERSATION, type StatusRow } from '../whatsapp/map-notification.ts'
import type { TwilioParams } from './signature.ts'

export type TwilioMapOptions = {
  tenantId: string
  hashKey: string
  /** When Pulso received the request (ISO 8601): Twilio sends no time of its own. */
  receivedAt: string
}

export type MappedTwilioWebhook = {
  /** v1 events, ready for the intake (customer_id is the raw WhatsApp number: the intake hashes it). */
  events: Record<string, unknown>[]
  statuses: StatusRow[]
  /** Why the request cannot be mapped at all: it is dead-lettered with this reason. */
  problems: string[]
  /** Parameters Pulso does not use (personal data, media URLs, SMS geography): kept raw in the inbox only. */
  unused: string[]
}

/** The states of an outbound message Twilio reports to a status callback (sent to WhatsApp or not yet). */
const OUTBOUND_STATUSES = new Set(['accepted', 'scheduled', 'canceled', 'queued', 'sending', 'sent', 'delivered', 'read', 'failed', 'undelivered'])
const INBOUND_STATUSES = new Set(['received', 'receiving'])

// What the mapping reads; everything else a request carries is listed as unused.
const READ_ALWAYS = ['MessageSid', 'SmsSid', 'SmsMessageSid', 'AccountSid', 'MessagingServiceSid', 'From', 'To', 'ApiVersion', 'SmsStatus', 'MessageStatus']
const READ_INBOUND = [
  'Body',
  'NumMedia',
  'NumSegments',
  'MediaContentType0',
  'MessageType',
  'WaId',
  'ButtonText',
  'ButtonPayload',
  'OriginalRepliedMessageSid',
  'OriginalRepliedMessageSender',
  'Forwarded',
  'FrequentlyForwarded',
  'ReferralSourceType',
  'ReferralCtwaClid',
]
const READ_STATUS = [
  'ErrorCode',
  'ErrorMessage',
  'ChannelPrefix',
  'ChannelToAddress',
  'ChannelInstallSid',
  'StructuredMessage',
  'EventType',
  'Price',
  'PriceUnit',
]

const WHATSAPP_PREFIX = 'whatsapp:'

/** The one value of a parameter (the first, if Twilio repeated it); undefined when absent or empty. */
function one(params: TwilioParams, name: string): string | undefined {
  const value = params[name]
  const first = Array.isArray(value) ? value[0] : value
  return first === undefined || first === '' ? undefined : first
}

/** The number of a `whatsapp:+14155238886` address, or undefined when the address is not WhatsApp's. */
function whatsappNumber(address: string | undefined): string | undefined {
  if (!address?.startsWith(WHATSAPP_PREFIX)) return undefined
  return address.slice(WHATSAPP_PREFIX.length) || undefined
}

/** Whether a request is an incoming message or a status callback of an outbound one. */
function kindOf(params: TwilioParams): 'inbound' | 'status' | undefined {
  const status = one(params, 'MessageStatus') ?? one(params, 'SmsStatus')
  if (status === undefined) return undefined
  if (INBOUND_STATUSES.has(status)) return 'inbound'
  if (OUTBOUND_STATUSES.has(status)) return 'status'
  return undefined
}

/** Non-personal details of an incoming message that analyses use, kept in `extra`. */
function inboundDetails(params: TwilioParams): Record<string, unknown> {
  const numMedia = Number(one(params, 'NumMedia') ?? 0)
  const details: Record<string, unknown> = {
    // MessageType is Twilio's (text, image, audio, video, document, location, button, interactive…);
    // older requests lack it, so a message with media is 'media'.
    tw_message_type: one(params, 'MessageType') ?? (numMedia > 0 ? 'media' : 'text'),
    tw_num_media: Number.isInteger(numMedia) ? numMedia : 0,
    tw_business_number: whatsappNumber(one(params, 'To')) ?? null,
  }
  const messagingService = one(params, 'MessagingServiceSid')
  if (messagingService) details.tw_messaging_service_sid = messagingService
  // The business message this one answers: the key by which a template's reply is found
  // (fct_proactive_sends joins it to the send's whatsapp_message_id, here a Twilio MessageSid).
  const replied = one(params, 'OriginalRepliedMessageSid')
  if (replied) details.wa_context_id = replied
  const payload = one(params, 'ButtonPayload')
  if (payload) details.wa_reply_id = payload
  const mime = one(params, 'MediaContentType0')
  if (mime) details.wa_mime_type = mime
  if (one(params, 'Forwarded') === 'true') details.wa_forwarded = true
  if (one(params, 'FrequentlyForwarded') === 'true') details.wa_frequently_forwarded = true
  const referral = one(params, 'ReferralSourceType')
  if (referral) details.wa_referral_source = referral
  return details
}

function mapInbound(params: TwilioParams, messageSid: string, options: TwilioMapOptions, out: MappedTwilioWebhook) {
  // WaId is the sender's WhatsApp id (its number without '+'); From is 'whatsapp:+<number>'.
  const customer = one(params, 'WaId') ?? whatsappNumber(one(params, 'From'))
  if (!customer) {
    out.problems.push(`incoming message ${messageSid}: From '${one(params, 'From') ?? ''}' is not a whatsapp: address and there is no WaId (SMS is not mapped)`)
    return
  }
  // The words: the body, or the tapped button's text (stored only where the tenant sets store_text).
  const text = one(params, 'Body') ?? one(params, 'ButtonText')
  out.events.push({
    event_id: `tw:${messageSid}`,
    tenant_id: options.tenantId,
    conversation_id: AUTO_CONVERSATION,
    occurred_at: options.receivedAt,
    type: 'message',
    sender: 'customer',
    channel: 'whatsapp',
    customer_id: customer,
    ...(text !== undefined ? { text } : {}),
    ...inboundDetails(params),
  })
}

/** Twilio's price of a message ('-0.00500': a charge is negative) as the amount of a cost event, or undefined. */
function chargedAmount(price: string | undefined): string | undefined {
  const match = price === undefined ? null : /^-?(\d+(?:\.\d+)?)$/.exec(price.trim())
  if (!match || Number(match[1]) === 0) return undefined
  return match[1]
}

function mapStatus(params: TwilioParams, messageSid: string, options: TwilioMapOptions, out: MappedTwilioWebhook) {
  const recipient = whatsappNumber(one(params, 'To'))
  if (!recipient && one(params, 'ChannelPrefix') !== 'whatsapp') {
    out.problems.push(`status callback of ${messageSid}: To '${one(params, 'To') ?? ''}' is not a whatsapp: address (SMS is not mapped)`)
    return
  }
  const twilioStatus = one(params, 'MessageStatus') ?? one(params, 'SmsStatus')!
  const pseudonym = pseudonymizeCustomerId(recipient ?? one(params, 'ChannelToAddress'), options.hashKey) ?? null
  const errorCode = Number(one(params, 'ErrorCode'))
  // The raw request without the recipient's number (its pseudonym instead) and without any text.
  const raw: Record<string, unknown> = { ...params }
  for (const personal of ['To', 'ChannelToAddress']) if (personal in raw) raw[personal] = pseudonym
  delete raw.Body
  out.statuses.push({
    tenant_id: options.tenantId,
    message_id: messageSid,
    // Twilio's 'undelivered' (WhatsApp reported it could not deliver) is WhatsApp's 'failed', the
    // status GET /v1/proactive counts; the raw request keeps Twilio's word.
    status: twilioStatus === 'undelivered' ? 'failed' : twilioStatus,
    occurred_at: toClickHouseTime(Date.parse(options.receivedAt)),
    recipient_id: pseudonym,
    phone_number_id: whatsappNumber(one(params, 'From')) ?? one(params, 'MessagingServiceSid') ?? '',
    billable: null,
    pricing_model: null,
    pricing_category: null,
    meta_conversation_id: null,
    error_code: Number.isInteger(errorCode) && errorCode > 0 ? errorCode : null,
    error_title: one(params, 'ErrorMessage') ?? null,
    raw: JSON.stringify(raw),
  })
  // A price only where Twilio gives one: the Message resource's price and price_unit, which Twilio
  // posts to the status callback once known. Twilio does not say which WhatsApp pricing category
  // it charged, so the cost has none.
  const amount = chargedAmount(one(params, 'Price'))
  const currency = one(params, 'PriceUnit')
  if (amount !== undefined && currency && /^[A-Z]{3}$/.test(currency)) {
    out.events.push({
      // One charge per message, however many callbacks repeat the price.
      event_id: `tw:cost:${messageSid}`,
      tenant_id: options.tenantId,
      conversation_id: AUTO_CONVERSATION,
      occurred_at: options.receivedAt,
      type: 'cost',
      channel: 'whatsapp',
      ...(recipient ? { customer_id: recipient } : {}),
      amount,
      currency,
      component: 'whatsapp',
      tw_message_sid: messageSid,
    })
  } else if (one(params, 'Price') !== undefined) {
    out.unused.push(`Price '${one(params, 'Price')}' ${currency ?? ''} (not a charge with an ISO 4217 PriceUnit)`)
  }
}

/** Maps the parameters of one Twilio webhook request. */
export function mapTwilioWebhook(params: TwilioParams, options: TwilioMapOptions): MappedTwilioWebhook {
  const out: MappedTwilioWebhook = { events: [], statuses: [], problems: [], unused: [] }
  const messageSid = one(params, 'MessageSid') ?? one(params, 'SmsSid')
  if (!messageSid) {
    out.problems.push('no MessageSid: not a Twilio Programmable Messaging webhook')
    return out
  }
  const kind = kindOf(params)
  if (kind === 'inbound') mapInbound(params, messageSid, options, out)
  else if (kind === 'status') mapStatus(params, messageSid, options, out)
  else {
    const status = one(params, 'MessageStatus') ?? one(params, 'SmsStatus')
    out.problems.push(`message ${messageSid}: MessageStatus/SmsStatus '${status ?? ''}' is neither an incoming message nor an outbound status`)
  }
  const read = new Set([...READ_ALWAYS, ...(kind === 'inbound' ? READ_INBOUND : READ_STATUS)])
  for (const name of Object.keys(params)) if (!read.has(name)) out.unused.push(name)
  return out
}
