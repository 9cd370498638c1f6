// The conversations and customers whose events a batch stored, by tenant: what the stored
// conversation facts must recompute (dbt-like-models/runner/conversation-facts.ts). Every path that
// stores events collects one: the intake from its rows, the Kafka worker on its preparing thread.

/** A conversation id Pulso assigns itself when the event also has a customer (see stg_events). */
export function isAutoConversationId(id: string): boolean {
  return id === 'auto' || id.startsWith('auto:')
}

/** A TouchedConversations as plain arrays: [tenant, conversations, customers, reached by a customer] per tenant. */
export type TouchedEntries = [string, string[], string[], string[]][]

/** What a batch touched of one tenant. */
type Touched = {
  conversations: Set<string>
  customers: Set<string>
  /** Conversations a touched customer reaches anyway (one of their events named it). */
  reachedByCustomer: Set<string>
}

/** Conversations and customers whose events a batch stored, by tenant. */
export class TouchedConversations {
  readonly byTenant = new Map<string, Touched>()

  add(tenantId: string, conversationId: string, customerId: string | null | undefined): void {
    const touched = this.entry(tenantId)
    const auto = isAutoConversationId(conversationId)
    // An 'auto' event with a customer belongs to one of that customer's sessions, not to the
    // shared raw id: the customer stands for it.
    if (!(customerId && auto)) touched.conversations.add(conversationId)
    if (customerId) touched.customers.add(customerId)
    if (customerId && !auto) touched.reachedByCustomer.add(conversationId)
  }

  /** The touched conversations of a tenant that none of its touched customers reaches. */
  conversationsWithoutCustomer(tenantId: string): string[] {
    const touched = this.byTenant.get(tenantId)
    return touched ? [...touched.conversations].filter((id) => !touched.reachedByCustomer.has(id)) : []
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

  /** Conversations and customers touched of one tenant. */
  countOf(tenantId: string): number {
    const touched = this.byTenant.get(tenantId)
    return touched ? touched.conversations.size + touched.customers.size : 0
  }

  /** Drops what was touched of one tenant. */
  forget(tenantId: string): void {
    this.byTenant.delete(tenantId)
  }

  addAll(other: TouchedConversations): void {
    for (const [tenant, t] of other.byTenant) this.merge(tenant, t)
  }

  /** Plain arrays, to cross a thread boundary (the Kafka worker's preparing thread). */
  toJSON(): TouchedEntries {
    return [...this.byTenant].map(([tenant, t]) => [tenant, [...t.conversations], [...t.customers], [...t.reachedByCustomer]])
  }

  /**
   * Back from toJSON; several sets of entries (a block prepared in shares) are merged. Which
   * conversations a customer reaches is carried too: without it, a bulk refresh (refreshInChunks)
   * would recompute every such conversation twice, once with its customer and once alone.
   */
  static fromJSON(...entrySets: TouchedEntries[]): TouchedConversations {
    const touched = new TouchedConversations()
    for (const entries of entrySets) {
      for (const [tenant, conversations, customers, reachedByCustomer] of entries) touched.merge(tenant, { conversations, customers, reachedByCustomer })
    }
    return touched
  }

  private merge(tenantId: string, from: { [K in keyof Touched]: Iterable<string> }): void {
    const into = this.entry(tenantId)
    for (const id of from.conversations) into.conversations.add(id)
    for (const id of from.customers) into.customers.add(id)
    for (const id of from.reachedByCustomer) into.reachedByCustomer.add(id)
  }

  private entry(tenantId: string): Touched {
    let touched = this.byTenant.get(tenantId)
    if (!touched) this.byTenant.set(tenantId, (touched = { conversations: new Set(), customers: new Set(), reachedByCustomer: new Set() }))
    return touched
  }
}
