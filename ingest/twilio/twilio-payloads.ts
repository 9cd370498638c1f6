// Test fixtures: Twilio Programmable Messaging webhooks for WhatsApp, with the parameters Twilio's
// references list — "Twilio's request to your incoming message Webhook URL" (MessageSid, SmsSid,
// SmsMessageSid, AccountSid, MessagingServiceSid, From, To, Body, NumMedia, NumSegments,
// MediaContentType0/MediaUrl0, and for WhatsApp ProfileName, WaId, MessageType, ButtonText,
// ButtonPayload, OriginalRepliedMessageSid/Sender, ReferralNumMedia) and "Track the Message Status
// of Outbound Messages" (MessageStatus, SmsStatus, ErrorCode and, for WhatsApp, ChannelPrefix,
// ChannelInstallSid, ChannelToAddress, StructuredMessage, EventType) — as form parameters.
import { type TwilioParams, twilioSignature } from './signature.ts'

export const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef'
export const BUSINESS_NUMBER = '+14155238886'
const CHANNEL_INSTALL_SID = 'XE0123456789abcdef0123456789abcdef'

/** A 34-character SID: a two-letter prefix and 32 hex digits, derived from a short label. */
export function sid(prefix: 'SM' | 'MM', label: string): string {
  const hex = Buffer.from(label).toString('hex').padEnd(32, '0').slice(0, 32)
  return `${prefix}${hex}`
}

type Inbound = {
  sid: string
  /** The customer's number in E.164, e.g. +5215512345678. */
  from: string
  body?: string
  profileName?: string
  messageType?: string
  media?: { contentType: string; url: string }
  button?: { text: string; payload: string }
  /** The business message the customer replied to (a swipe reply or a template button). */
  repliedTo?: string
}

/** An incoming WhatsApp message, as Twilio posts it to the number's or Messaging Service's webhook. */
export function incomingMessage(m: Inbound): TwilioParams {
  const params: TwilioParams = {
    SmsMessageSid: m.sid,
    NumMedia: m.media ? '1' : '0',
    ProfileName: m.profileName ?? 'Sheena Nelson',
    MessageType: m.messageType ?? (m.button ? 'button' : m.media ? m.media.contentType.split('/')[0]! : 'text'),
    SmsSid: m.sid,
    WaId: m.from.replace(/^\+/, ''),
    SmsStatus: 'received',
    Body: m.body ?? m.button?.text ?? '',
    To: `whatsapp:${BUSINESS_NUMBER}`,
    NumSegments: '1',
    ReferralNumMedia: '0',
    MessageSid: m.sid,
    AccountSid: ACCOUNT_SID,
    From: `whatsapp:${m.from}`,
    ApiVersion: '2010-04-01',
  }
  if (m.media) {
    params.MediaContentType0 = m.media.contentType
    params.MediaUrl0 = m.media.url
  }
  if (m.button) {
    params.ButtonText = m.button.text
    params.ButtonPayload = m.button.payload
  }
  if (m.repliedTo) {
    params.OriginalRepliedMessageSender = `whatsapp:${BUSINESS_NUMBER}`
    params.OriginalRepliedMessageSid = m.repliedTo
  }
  return params
}

type Status = {
  sid: string
  /** The recipient's number in E.164. */
  to: string
  status: 'queued' | 'sent' | 'delivered' | 'read' | 'failed' | 'undelivered'
  errorCode?: string
  /** Twilio's price of the message, as the Message resource writes it: a charge is negative. */
  price?: { price: string; unit: string }
}

/** A status callback of an outbound WhatsApp message. */
export function statusCallback(s: Status): TwilioParams {
  const params: TwilioParams = {
    ChannelPrefix: 'whatsapp',
    ApiVersion: '2010-04-01',
    MessageStatus: s.status,
    SmsSid: s.sid,
    SmsStatus: s.status,
    ChannelInstallSid: CHANNEL_INSTALL_SID,
    To: `whatsapp:${s.to}`,
    From: `whatsapp:${BUSINESS_NUMBER}`,
    MessageSid: s.sid,
    AccountSid: ACCOUNT_SID,
    ChannelToAddress: s.to,
  }
  if (s.status === 'sent') params.StructuredMessage = 'false'
  if (s.status === 'delivered' || s.status === 'read' || s.status === 'undelivered') params.EventType = s.status.toUpperCase()
  if (s.errorCode) {
    params.ErrorCode = s.errorCode
    params.ErrorMessage = 'Unknown error'
  }
  if (s.price) {
    params.Price = s.price.price
    params.PriceUnit = s.price.unit
  }
  return params
}

/** The request body Twilio sends: application/x-www-form-urlencoded. */
export function formBody(params: TwilioParams): string {
  const form = new URLSearchParams()
  for (const [name, value] of Object.entries(params)) for (const each of Array.isArray(value) ? value : [value]) form.append(name, each)
  return form.toString()
}

/** The body and the X-Twilio-Signature Twilio would send for `params` to `url`. */
export function signedRequest(url: string, params: TwilioParams, authToken: string): { body: string; signature: string } {
  return { body: formBody(params), signature: twilioSignature(authToken, url, params) }
}
