// The conversations and customers whose events a batch stored, by tenant: what the stored
// conversation facts must recompute (dbt-like-models/runner/conversation-facts.ts). Every path that
// stores events collects one: the intake from its rows, the Kafka worker on its preparing thread.

/** A conversation id Pulso assigns itself when the event also has a customer (see stg_events). */
export function isAutoConversationId(id: string): boolean {
  return id === 'auto' || id.startsWith('auto:')
}

/** A TouchedConversations as plain arrays: [tenant, conversations, customers] per tenant. */
export type TouchedEntries = [string, string[], string[]][]

/** Conversations and customers whose events a batch stored, by tenant. */
export class TouchedConversations {
  readonly byTenant = new Map<string, { conversations: Set<string>; customers: Set<string> }>()

  add(tenantId: string, conversationId: string, customerId: string | null | undefined): void {
    let touched = this.byTenant.get(tenantId)
    if (!touched) this.byTenant.set(tenantId, (touched = { conversations: new Set(), customers: new Set() }))
    // An 'auto' event with a customer belongs to one of that customer's sessions, not to the
    // shared raw id: the customer stands for it.
    if (!(customerId && isAutoConversationId(conversationId))) touched.conversations.add(conversationId)
    if (customerId) touched.customers.add(customerId)
  }

  get size(): number {
    return this.byTenant.size
  }

  /** Plain arrays, to cross a thread boundary (the Kafka worker's preparing thread). */
  toJSON(): TouchedEntries {
    return [...this.byTenant].map(([tenant, t]) => [tenant, [...t.conversations], [...t.customers]])
  }

  /** Back from toJSON; several sets of entries (a block prepared in shares) are merged. */
  static fromJSON(...entrySets: TouchedEntries[]): TouchedConversations {
    const touched = new TouchedConversations()
    for (const entries of entrySets) {
      for (const [tenant, conversations, customers] of entries) {
        let into = touched.byTenant.get(tenant)
        if (!into) touched.byTenant.set(tenant, (into = { conversations: new Set(), customers: new Set() }))
        for (const id of conversations) into.conversations.add(id)
        for (const id of customers) into.customers.add(id)
      }
    }
    return touched
  }
}

