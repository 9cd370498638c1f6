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
  /** Conversations a touched customer reaches anyway (one of their events named it): by tenant. */
  readonly reachedByCustomer = new Map<string, Set<string>>()

  add(tenantId: string, conversationId: string, customerId: string | null | undefined): void {
    let touched = this.byTenant.get(tenantId)
    if (!touched) this.byTenant.set(tenantId, (touched = { conversations: new Set(), customers: new Set() }))
    // An 'auto' event with a customer belongs to one of that customer's sessions, not to the
    // shared raw id: the customer stands for it.
    if (!(customerId && isAutoConversationId(conversationId))) touched.conversations.add(conversationId)
    if (customerId) touched.customers.add(customerId)
    if (customerId && !isAutoConversationId(conversationId)) {
      let reached = this.reachedByCustomer.get(tenantId)
      if (!reached) this.reachedByCustomer.set(tenantId, (reached = new Set()))
      reached.add(conversationId)
    }
  }

  /** The touched conversations of a tenant that none of its touched customers reaches. */
  conversationsWithoutCustomer(tenantId: string): string[] {
    const reached = this.reachedByCustomer.get(tenantId)
    return [...(this.byTenant.get(tenantId)?.conversations ?? [])].filter((id) => !reached?.has(id))
  }

  /** Tenants touched. */
  get size(): number {
    return this.byTenant.size
  }

  /** Conversations and customers touched, all tenants. */
  get count(): number {
    let n = 0
    for (const t of this.byTenant.values()) n += t.conversations.size + t.customers.size
    return n
  }

  addAll(other: TouchedConversations): void {
    for (const [tenant, t] of other.byTenant) {
      let into = this.byTenant.get(tenant)
      if (!into) this.byTenant.set(tenant, (into = { conversations: new Set(), customers: new Set() }))
      for (const id of t.conversations) into.conversations.add(id)
      for (const id of t.customers) into.customers.add(id)
      const reached = other.reachedByCustomer.get(tenant)
      if (reached) {
        let reachedInto = this.reachedByCustomer.get(tenant)
        if (!reachedInto) this.reachedByCustomer.set(tenant, (reachedInto = new Set()))
        for (const id of reached) reachedInto.add(id)
      }
    }
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
        const part = new TouchedConversations()
        part.byTenant.set(tenant, { conversations: new Set(conversations), customers: new Set(customers) })
        touched.addAll(part)
      }
    }
    return touched
  }
}

