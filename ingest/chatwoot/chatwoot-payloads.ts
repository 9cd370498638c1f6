// Test fixtures: Chatwoot webhook bodies in the shapes of Chatwoot's "Webhook Events" reference
// (chatwoot/docs docs/product/others/webhook-events.md), for a WhatsApp inbox.

type Json = Record<string, unknown>
const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000)

export type Contact = { id: number; name: string; phone?: string; email?: string }
const ACCOUNT = { id: 1, name: 'Acme Inc' }
const AGENT = { id: 7, name: 'John', available_name: 'John', type: 'user', availability_status: 'online' }

function conversation(id: number, contact: Contact, status: string, at: string, assignee: boolean, extra: Json = {}): Json {
  return {
    additional_attributes: {},
    can_reply: true,
    channel: 'Channel::Whatsapp',
    id,
    inbox_id: 3,
    contact_inbox: { id: 12, contact_id: contact.id, inbox_id: 3, source_id: contact.phone?.replace(/\D/g, '') ?? 'x', hmac_verified: false },
    messages: [],
    meta: {
      sender: {
        additional_attributes: {},
        custom_attributes: {},
        email: contact.email ?? null,
        id: contact.id,
        identifier: null,
        name: contact.name,
        phone_number: contact.phone ?? null,
        thumbnail: '',
        type: 'contact',
      },
      ...(assignee ? { assignee: AGENT } : {}),
    },
    status,
    unread_count: 0,
    agent_last_seen_at: seconds(at),
    contact_last_seen_at: 0,
    timestamp: seconds(at),
    ...extra,
  }
}

/** message_created: incoming (customer), or outgoing from an agent (user) or an agent bot. */
export function messageCreated(fields: {
  id: number
  conversationId: number
  contact: Contact
  from: 'customer' | 'agent' | 'bot'
  at: string
  content?: string
  sourceId?: string
  private?: boolean
}): Json {
  const sender =
    fields.from === 'customer'
      ? { id: fields.contact.id, name: fields.contact.name, avatar: '', type: 'contact', phone_number: fields.contact.phone ?? null }
      : fields.from === 'agent'
        ? { id: AGENT.id, name: AGENT.name, email: 'john@acme.inc', type: 'user' }
        : { id: 2, name: 'Order bot', type: 'agent_bot' }
  return {
    id: fields.id,
    content: fields.content ?? 'hi',
    created_at: fields.at,
    message_type: fields.from === 'customer' ? 'incoming' : 'outgoing',
    content_type: 'text',
    private: fields.private ?? false,
    content_attributes: {},
    source_id: fields.sourceId ?? null,
    sender,
    inbox: { id: 3, name: 'Acme WhatsApp' },
    conversation: conversation(fields.conversationId, fields.contact, 'open', fields.at, fields.from === 'agent'),
    account: ACCOUNT,
    event: 'message_created',
  }
}

/** conversation_status_changed, with changed_attributes as Chatwoot sends them. */
export function statusChanged(fields: {
  conversationId: number
  contact: Contact
  from: string
  to: string
  at: string
  assignee: boolean
  intent?: string
  handoffReason?: string
}): Json {
  return {
    ...conversation(fields.conversationId, fields.contact, fields.to, fields.at, fields.assignee, {
      custom_attributes: { ...(fields.intent ? { intent: fields.intent } : {}), ...(fields.handoffReason ? { handoff_reason: fields.handoffReason } : {}) },
      labels: [],
    }),
    changed_attributes: [{ status: { previous_value: fields.from, current_value: fields.to } }],
    account: ACCOUNT,
    event: 'conversation_status_changed',
  }
}

/** message_updated of the CSAT survey message once the customer rated it. */
export function csatSubmitted(fields: { messageId: number; conversationId: number; contact: Contact; rating: number; at: string; feedback?: string }): Json {
  return {
    id: fields.messageId,
    content: 'Please rate the conversation',
    created_at: fields.at,
    updated_at: fields.at,
    message_type: 'template',
    content_type: 'input_csat',
    private: false,
    content_attributes: {
      display_type: 'emoji',
      submitted_values: { csat_survey_response: { rating: fields.rating, feedback_message: fields.feedback ?? '' } },
    },
    source_id: null,
    sender: { id: AGENT.id, name: AGENT.name, type: 'user' },
    inbox: { id: 3, name: 'Acme WhatsApp' },
    conversation: conversation(fields.conversationId, fields.contact, 'resolved', fields.at, true),
    account: ACCOUNT,
    event: 'message_updated',
  }
}
