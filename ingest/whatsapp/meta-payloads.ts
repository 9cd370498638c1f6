// Test fixtures: WhatsApp Cloud API webhook notifications in the exact shapes of Meta's
// "messages" webhook reference (developers.facebook.com/documentation/business-messaging/whatsapp/
// webhooks/reference/messages/…), with parameters so tests can place messages in time.

export const BUSINESS = { wabaId: '102290129340398', displayPhoneNumber: '15550783881', phoneNumberId: '106540352242922' }

type Json = Record<string, unknown>

/** Unix seconds as WhatsApp writes them: a string. */
export const unixSeconds = (iso: string) => String(Math.floor(Date.parse(iso) / 1000))

/** The envelope of every notification: object, entry[].changes[].value with metadata. */
export function notification(value: Json, field = 'messages'): Json {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: BUSINESS.wabaId,
        changes: [
          {
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: BUSINESS.displayPhoneNumber, phone_number_id: BUSINESS.phoneNumberId },
              ...value,
            },
            field,
          },
        ],
      },
    ],
  }
}

/** A notification with inbound messages from one WhatsApp user. */
export function inbound(waId: string, messages: Json[], name = 'Sheena Nelson'): Json {
  return notification({ contacts: [{ profile: { name }, wa_id: waId }], messages })
}

const CONTEXT = { from: BUSINESS.displayPhoneNumber, id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3MTE5MjU0QzNGNTg0NzM4NjcA' }

export const MESSAGE_PARTS: Record<string, Json> = {
  text: { text: { body: 'Does it come in another color?' } },
  image: { image: { caption: 'This is a caption', mime_type: 'image/jpeg', sha256: 'NfbQq9OzqMZZuGpPVYCb2NTBrgcVTFxbhYFATyTvzmo=', id: '1003383421387256' } },
  audio: { audio: { mime_type: 'audio/ogg; codecs=opus', sha256: 'U0g9T0TCxt2n0FUj4yVJVusQprk/J4z3WRGvWQm1cuU=', id: '1003383421387257', voice: true } },
  video: { video: { caption: 'Look!', mime_type: 'video/mp4', sha256: 'sPprh0eFYtzGb1YDEqHrHrCTmixb3bmJGx2RMXAiBVY=', id: '1003383421387258' } },
  document: {
    document: {
      caption: 'Lucky Shrub Invoice',
      filename: 'lucky-shrub-invoice.pdf',
      mime_type: 'application/pdf',
      sha256: 'rGWJhf8YYhbE8HQdwLdqFW+2oTBpT4kWqC2sSYjRR8s=',
      id: '1003383421387259',
    },
  },
  sticker: { sticker: { mime_type: 'image/webp', sha256: 'zJRDzmRyJsnIHmCn9QWmNYZWnXTIJqSCOcbyJ3nSZDE=', id: '1003383421387260', animated: false } },
  location: {
    location: {
      address: '1 Hacker Way, Menlo Park, CA 94025',
      latitude: 37.483307,
      longitude: -122.148981,
      name: 'Philz Coffee',
      url: 'https://philzcoffee.com/',
    },
  },
  contacts: {
    contacts: [
      {
        name: { formatted_name: 'Barbara J. Johnson', first_name: 'Barbara', last_name: 'Johnson', middle_name: 'Joana' },
        phones: [{ phone: '+1 (940) 555-1234', wa_id: '19405551234', type: 'HOME' }],
      },
    ],
  },
  reaction: { reaction: { message_id: 'wamid.HBgLMTY0NjcwNDM1OTUVAgARGBI1RjQyNUE3NEYxMzAzMzQ5MkEA', emoji: '\u{1F600}' } },
  interactive_button_reply: { context: CONTEXT, interactive: { type: 'button_reply', button_reply: { id: 'change-button', title: 'Change' } } },
  interactive_list_reply: {
    context: CONTEXT,
    interactive: { type: 'list_reply', list_reply: { id: 'priority_express', title: 'Priority Mail Express', description: 'Next Day to 2 Days' } },
  },
  button: { context: CONTEXT, button: { payload: 'Track my order', text: 'Track my order' } },
  order: {
    order: {
      catalog_id: '194836987003835',
      text: 'Here is my order',
      product_items: [{ product_retailer_id: 'di9ozbzfi4', quantity: 2, item_price: 30, currency: 'USD' }],
    },
  },
  unsupported: {
    errors: [
      { code: 131051, title: 'Message type unknown', message: 'Message type unknown', error_data: { details: 'Message type is currently not supported.' } },
    ],
    unsupported: { type: 'edit' },
  },
}

/** Every documented inbound type, as [fixture name, WhatsApp `type`]. */
export const MESSAGE_TYPES: [string, string][] = [
  ['text', 'text'],
  ['interactive_button_reply', 'interactive'],
  ['interactive_list_reply', 'interactive'],
  ['button', 'button'],
  ['image', 'image'],
  ['audio', 'audio'],
  ['video', 'video'],
  ['document', 'document'],
  ['sticker', 'sticker'],
  ['location', 'location'],
  ['contacts', 'contacts'],
  ['reaction', 'reaction'],
  ['order', 'order'],
  ['unsupported', 'unsupported'],
]

/** A message of fixture `name` (its WhatsApp type is looked up in MESSAGE_TYPES). */
export function messageOf(name: string, fields: { id: string; from: string; at: string }): Json {
  const type = MESSAGE_TYPES.find(([n]) => n === name)?.[1] ?? name
  return { from: fields.from, id: fields.id, timestamp: unixSeconds(fields.at), type, ...MESSAGE_PARTS[name] }
}

export type StatusFields = {
  id: string
  status: 'sent' | 'delivered' | 'read' | 'failed'
  recipient: string
  at: string
  /** Pricing of a billable (or free) message; omitted on read statuses, as Meta does. */
  pricing?: { billable: boolean; category: string; pricing_model?: 'PMP' | 'CBP'; type?: string }
  /** Per-conversation pricing (CBP) statuses also carry the Meta conversation. */
  conversation?: { id: string; origin: string; expiresAt?: string }
}

export function status(fields: StatusFields): Json {
  const s: Json = { id: fields.id, status: fields.status, timestamp: unixSeconds(fields.at), recipient_id: fields.recipient }
  if (fields.conversation) {
    s.conversation = {
      id: fields.conversation.id,
      ...(fields.conversation.expiresAt ? { expiration_timestamp: unixSeconds(fields.conversation.expiresAt) } : {}),
      origin: { type: fields.conversation.origin },
    }
  }
  if (fields.pricing) {
    s.pricing = {
      billable: fields.pricing.billable,
      pricing_model: fields.pricing.pricing_model ?? 'PMP',
      category: fields.pricing.category,
      ...(fields.pricing.pricing_model === 'CBP' ? {} : { type: fields.pricing.type ?? 'regular' }),
    }
  }
  if (fields.status === 'failed') {
    s.errors = [
      {
        code: 131050,
        title: 'Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business',
        message: 'Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business',
        error_data: { details: 'Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business' },
        href: 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/',
      },
    ]
  }
  return s
}

export function statuses(list: StatusFields[]): Json {
  return notification({ statuses: list.map(status) })
}
