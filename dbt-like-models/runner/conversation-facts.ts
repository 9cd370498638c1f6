// Keeps the stored per-conversation facts (fct_conversations, an incremental model) equal to
// what its SQL computes over all events, batch after batch. After events are stored, the
// conversations they touched are recomputed from all of their events and replace their rows.
//
// What a batch touches is wider than its events' conversations:
// - first contact resolution compares a customer's conversations, so every conversation of
//   every customer involved is recomputed together (the facts' window sees all of them);
// - WhatsApp events leave their conversation to Pulso ('auto'/'auto:…' ids with a customer, cut
//   by inactivity gaps in stg_events): a customer's sessions are recomputed from all of that
//   customer's such events, so a late message that joins two sessions removes the second.
// Each recomputation gets a version from the database's clock, taken before it reads anything;
// a newer version replaces a row at the same sort key. A row whose key changed (an earlier event
// moved a conversation's start) or that no longer exists (a joined session) gets a delete marker:
// see markStaleRows, which also settles two writers racing over one conversation or customer.
import { createHash } from 'node:crypto'
import { queryRows, runStatement, type Warehouse } from '../../warehouse/client.ts'
import { sqlString } from '../../warehouse/sql-literals.ts'
import { stringSet, stringSetParam } from '../../warehouse/string-set.ts'
import { isAutoConversationId, TouchedConversations } from '../../warehouse/touched-conversations.ts'
import { compileInlined, IncrementalModel } from './incremental.ts'
import type { Model, Project } from './project.ts'

export const CONVERSATION_FACTS_MODEL = 'fct_conversations'

const AUTO_SQL = (column: string) => `(${column} = 'auto' OR startsWith(${column}, 'auto:'))`

/** An event whose conversation Pulso cuts itself (stg_events' sessions of a customer). */
const AUTO_WITH_CUSTOMER_SQL = `(${AUTO_SQL('conversation_id')} AND customer_id IS NOT NULL)`

/** The conversations one recomputation covers: complete, with every conversation of every customer in it. */
type Scope = { tenantId: string; conversations: string[]; autoIds: string[]; customers: string[] }

function scopeParams(scope: Scope): Record<string, unknown> {
  return {
    scope_tenant: scope.tenantId,
    scope_conversations: stringSetParam(scope.conversations),
    scope_auto_ids: stringSetParam(scope.autoIds),
    scope_customers: stringSetParam(scope.customers),
  }
}

/** Customers (or conversations) a bulk recomputation takes at once: few passes over the tenant's keys, bounded memory. */
const BULK_CHUNK = 20_000

/**
 * Stored event rows a whole-tenant recomputation reads in one query, about: the query holds the
 * conversations of all the events it reads in memory at once, so a larger tenant is recomputed in
 * parts of about this many events (refreshInParts) to bound each query's memory.
 */
const EVENTS_PER_PART = 1_500_000

// How a whole-tenant recomputation splits the work, so that no query holds all of a large
// tenant's events and each reads only its own rows (see refreshInParts):
// 1. int_conversations (the per-conversation pass over the events, the costly part) runs over
//    ranges of conversation ids, which are ranges of the events table's sort key, so a range's
//    query reads only its own granules. Events Pulso cuts into sessions ('auto' ids with a
//    customer: a key range of their own) make up conversations by customer, so they go in parts
//    by a hash of the customer instead.
// 2. fct_conversations (first contact resolution looks at the customer's next conversation) runs
//    over the tenant's conversations at once, or, past CONVERSATIONS_PER_PART, over parts of them
//    by a hash of their customer (of their id without one), each holding all conversations of
//    its customers. The check for stale rows relies on that too: it deletes a customer's
//    conversation written at an older version than the customer's newest (markStaleRows); every
//    part is written at one version. In one query the rows are written in the table's order, so
//    the parts they make overlap neither each other nor another tenant's: reads need no merge
//    of them, and a load that brought the tenant in need not compact the table after.

/** The model the first stage computes: one row per conversation, before first contact resolution. */
const CONVERSATIONS_MODEL = 'int_conversations'

/** Conversation ids sampled per part to find the parts' range boundaries. */
const SAMPLE_PER_PART = 1_000

/**
 * Conversations the second stage takes in one query, at most. It holds one row per conversation
 * (not its events), so one query covers a tenant of ~15M events.
 */
const CONVERSATIONS_PER_PART = 2_000_000

/** How much of a tenant one query of a whole-tenant recomputation takes, at most (tests make them small). */
export type PartSizes = { eventsPerPart: number; conversationsPerPart: number }

const PART_SIZES: PartSizes = { eventsPerPart: EVENTS_PER_PART, conversationsPerPart: CONVERSATIONS_PER_PART }

/** Hash buckets of customers the first stage's rows fall in; the second stage's parts are ranges of them. */
const CUSTOMER_BUCKETS = 1024

// Customers of customers' conversations: a conversation whose events name two customers links
// them. Real data settles after one or two rounds; the bound only stops a pathological chain.
const MAX_SCOPE_ROUNDS = 8

export class ConversationFacts {
  readonly store: IncrementalModel
  private readonly conversationsModel: Model

  constructor(
    private readonly warehouse: Warehouse,
    private readonly project: Project,
  ) {
    const model = project.models.find((m) => m.name === CONVERSATION_FACTS_MODEL)
    if (model?.doc.config.materialized !== 'incremental') throw new Error(`model ${CONVERSATION_FACTS_MODEL} must be materialized incremental`)
    const conversations = project.models.find((m) => m.name === CONVERSATIONS_MODEL)
    if (!conversations) throw new Error(`model ${CONVERSATIONS_MODEL} is missing`)
    this.store = new IncrementalModel(warehouse, project, model)
    this.conversationsModel = conversations
  }

  /** What callers asked to refresh while the recomputation in progress runs; it runs next, as one. */
  private waiting: { touched: TouchedConversations; done: Promise<void>; settle: (error?: unknown) => void } | undefined
  private running = false

  /**
   * Recomputes the facts of everything `touched` reaches; resolves once a recomputation that
   * started after this call has finished. Call after the events are stored. Calls that arrive
   * while one runs are merged into the next (many small HTTP batches cost one recomputation,
   * not one each), and answered together.
   */
  refresh(touched: TouchedConversations): Promise<void> {
    if (touched.size === 0) return Promise.resolve()
    if (!this.waiting) {
      let settle!: (error?: unknown) => void
      const done = new Promise<void>((resolve, reject) => (settle = (error) => (error === undefined ? resolve() : reject(error))))
      this.waiting = { touched: new TouchedConversations(), done, settle }
    }
    this.waiting.touched.addAll(touched)
    const { done } = this.waiting
    if (!this.running) void this.runWaiting()
    return done
  }

  private async runWaiting(): Promise<void> {
    this.running = true
    try {
      while (this.waiting) {
        const { touched, settle } = this.waiting
        this.waiting = undefined
        try {
          for (const [tenantId, { conversations, customers }] of touched.byTenant) {
            await this.restoreCustomerIndex(tenantId, [...conversations], [...customers])
            await this.refreshScope(tenantId, [...conversations], [...customers])
          }
          settle()
        } catch (error) {
          settle(error ?? new Error('refreshing the conversation facts failed'))
        }
      }
    } finally {
      this.running = false
    }
  }

  /**
   * refresh() for a large set (a bulk load): customers and conversations in chunks, so that no
   * single recomputation holds more than a chunk's events.
   */
  async refreshInChunks(touched: TouchedConversations, onProgress?: (done: number, total: number) => void, chunkSize = BULK_CHUNK): Promise<void> {
    // every conversation a customer's event named is recomputed with that customer
    const work = [...touched.byTenant].map(([tenantId, { customers }]) => ({
      tenantId,
      customers: [...customers],
      conversations: touched.conversationsWithoutCustomer(tenantId),
    }))
    const total = work.reduce((n, w) => n + w.customers.length + w.conversations.length, 0)
    let done = 0
    for (const { tenantId, customers, conversations } of work) {
      await this.refreshChunked(tenantId, customers, conversations, chunkSize, (n) => onProgress?.((done += n), total))
    }
    if (total > 0) await this.store.compact()
  }

  /**
   * Refreshes customers, then conversations, `chunkSize` at a time, two chunks at once (the
   * engine runs each on a thread of its own, and a chunk's queries leave a core idle while they
   * wait on each other); calls `onChunk` with each chunk's size. The check for stale rows runs
   * once for the tenant after the last chunk instead of after each: a chunk's customers are spread
   * over the whole history, so each check would read all of the tenant's rows.
   */
  private async refreshChunked(tenantId: string, customers: string[], conversations: string[], chunkSize: number, onChunk: (n: number) => void): Promise<void> {
    const chunks: { conversations: string[]; customers: string[] }[] = []
    for (let i = 0; i < customers.length; i += chunkSize) chunks.push({ conversations: [], customers: customers.slice(i, i + chunkSize) })
    for (let i = 0; i < conversations.length; i += chunkSize) chunks.push({ conversations: conversations.slice(i, i + chunkSize), customers: [] })
    let next = 0
    const lane = async () => {
      while (next < chunks.length) {
        const chunk = chunks[next++]!
        await this.refreshScope(tenantId, chunk.conversations, chunk.customers, { markStale: false })
        onChunk(chunk.conversations.length + chunk.customers.length)
      }
    }
    await Promise.all([lane(), lane()])
    if (chunks.length) await this.markStaleRows({ scope_tenant: tenantId }, 'tenant')
  }

  /**
   * Only the check of a refresh: removes rows of what `touched` reaches that are no longer true
   * (markStaleRows). A refresh runs it itself; this is for a writer that must settle a race alone.
   */
  async settle(touched: TouchedConversations): Promise<void> {
    for (const [tenantId, { conversations, customers }] of touched.byTenant) {
      await this.markStaleRows(scopeParams(await this.completeScope(tenantId, [...conversations], [...customers])), 'scope')
    }
  }

  /**
   * Recomputes every conversation of every tenant from the events, a tenant at a time (see
   * refreshTenant), reporting progress. For a changed definition or settings, or a restored
   * backup; the result is the same as refreshing batch by batch.
   */
  async rebuild(onProgress?: (done: number, total: number, tenantId: string) => void, sizes = PART_SIZES): Promise<void> {
    const db = this.warehouse.database
    await runStatement(this.warehouse, `TRUNCATE TABLE ${this.store.table}`)
    const tenants = await queryRows<{ tenant_id: string }>(this.warehouse, `SELECT DISTINCT tenant_id FROM ${db}.events ORDER BY tenant_id`)
    for (const { tenant_id: tenantId } of tenants) await this.refreshTenant(tenantId, (done, total) => onProgress?.(done, total, tenantId), sizes)
    await this.store.compact()
  }

  /**
   * Recomputes every conversation of one tenant, without merging the stored rows after
   * (compact() does). For a rebuild, and for a load that touched too much of a tenant to keep the
   * list of what it touched. A tenant of more than `sizes.eventsPerPart` stored events is
   * recomputed in parts (refreshInParts). Reports progress in queries done.
   * The check for stale rows runs once, over the whole tenant, after them. Answers whether the
   * rows went in in the table's order (see how a whole-tenant recomputation splits the work):
   * then, for a tenant that had no stored rows, the table needs no compaction after.
   */
  async refreshTenant(tenantId: string, onProgress?: (done: number, total: number) => void, sizes = PART_SIZES): Promise<{ inOrder: boolean }> {
    const db = this.warehouse.database
    const [stored] = await queryRows<{ sessions: number | string; others: number | string }>(
      this.warehouse,
      `SELECT countIf(${AUTO_WITH_CUSTOMER_SQL}) AS sessions, count() - sessions AS others FROM ${db}.events WHERE tenant_id = {tenant:String}`,
      { tenant: tenantId },
    )
    const counts = { sessions: Number(stored?.sessions ?? 0), others: Number(stored?.others ?? 0) }
    let inOrder = true
    if (counts.sessions + counts.others <= sizes.eventsPerPart) {
      onProgress?.(0, 1)
      const tenantEvents = `(SELECT * FROM ${db}.events WHERE tenant_id = {scope_tenant:String})`
      await this.store.insertComputed(await this.store.newVersion(), { events: tenantEvents }, { scope_tenant: tenantId }, { inOrder: true })
      onProgress?.(1, 1)
    } else {
      inOrder = await this.refreshInParts(tenantId, counts, sizes, onProgress)
    }
    await this.markStaleRows({ scope_tenant: tenantId }, 'tenant')
    return { inOrder }
  }

  /**
   * refreshTenant's recomputation in parts, in two stages (see how a whole-tenant recomputation
   * splits the work, above). The first stage's rows go into a helper table sorted by their
   * customer's bucket (the second stage's parts are ranges of buckets), dropped after (and
   * before: a run killed midway leaves it behind). Its name carries a hash of the tenant, so that
   * two tenants refreshed at once (two loads into one ClickHouse server) do not share it. Answers whether the second stage ran in one query, its
   * rows written in the table's order.
   */
  private async refreshInParts(
    tenantId: string,
    counts: { sessions: number; others: number },
    sizes: PartSizes,
    onProgress?: (done: number, total: number) => void,
  ): Promise<boolean> {
    const db = this.warehouse.database
    const helper = `${this.store.table}_stage_${createHash('sha256').update(tenantId).digest('hex').slice(0, 16)}`
    const sessionParts = Math.ceil(counts.sessions / sizes.eventsPerPart)
    const ranges = await this.conversationRanges(tenantId, Math.ceil(counts.others / sizes.eventsPerPart))
    // the second stage's queries are counted once the first stage has told how many conversations there are
    let total = sessionParts + ranges.length + 1
    let done = 0
    onProgress?.(done, total)
    // every row is computed from events read after this version was taken (see refreshScope)
    const version = await this.store.newVersion()
    const params = { scope_tenant: tenantId }
    // int_conversations over the tenant's events that `filter` keeps, each row with its customer's bucket
    const conversationsOf = (filter: string) =>
      `SELECT toUInt32(cityHash64(coalesce(customer_id, conversation_id)) % ${CUSTOMER_BUCKETS}) AS bucket, * FROM (\n${compileInlined(
        this.project,
        this.conversationsModel,
        db,
        { events: `(SELECT * FROM ${db}.events WHERE tenant_id = {scope_tenant:String} AND ${filter})` },
      )}\n)`
    await runStatement(this.warehouse, `DROP TABLE IF EXISTS ${helper}`)
    try {
      await runStatement(this.warehouse, `CREATE TABLE ${helper} ENGINE = MergeTree ORDER BY bucket EMPTY AS ${conversationsOf('0')}`, params)
      const eventParts = [
        ...ranges.map((range) => `NOT ${AUTO_WITH_CUSTOMER_SQL} AND ${range}`),
        ...Array.from(
          { length: sessionParts },
          (_, part) => `${AUTO_WITH_CUSTOMER_SQL} AND cityHash64(assumeNotNull(customer_id)) % ${sessionParts} = ${part}`,
        ),
      ]
      for (const filter of eventParts) {
        await runStatement(this.warehouse, `INSERT INTO ${helper} ${conversationsOf(filter)}`, params)
        onProgress?.(++done, total)
      }
      const [stored] = await queryRows<{ n: number | string }>(this.warehouse, `SELECT count() AS n FROM ${helper}`)
      const parts = Math.max(1, Math.ceil(Number(stored?.n ?? 0) / sizes.conversationsPerPart))
      total += parts - 1
      for (let part = 0; part < parts; part++) {
        // the buckets b with intDiv(b × parts, CUSTOMER_BUCKETS) = part
        const buckets = { from: Math.ceil((part * CUSTOMER_BUCKETS) / parts), to: Math.ceil(((part + 1) * CUSTOMER_BUCKETS) / parts) }
        await this.store.insertComputed(
          version,
          { [CONVERSATIONS_MODEL]: `(SELECT * EXCEPT bucket FROM ${helper} WHERE bucket >= {from:UInt32} AND bucket < {to:UInt32})` },
          { scope_tenant: tenantId, ...buckets },
          { inOrder: parts === 1 },
        )
        onProgress?.(++done, total)
      }
      return parts === 1
    } finally {
      await runStatement(this.warehouse, `DROP TABLE IF EXISTS ${helper}`)
    }
  }

  /**
   * `parts` conditions on conversation_id splitting the tenant's events that are not cut into
   * sessions into ranges of about equal size, at boundaries taken from a sample of their ids.
   */
  private async conversationRanges(tenantId: string, parts: number): Promise<string[]> {
    if (parts === 0) return []
    const [row] = await queryRows<{ sample: string[] }>(
      this.warehouse,
      `SELECT arraySort(groupArraySample({size:UInt32}, 1)(conversation_id)) AS sample
FROM ${this.warehouse.database}.events WHERE tenant_id = {tenant:String} AND NOT ${AUTO_WITH_CUSTOMER_SQL}`,
      { tenant: tenantId, size: parts * SAMPLE_PER_PART },
    )
    const sample = row?.sample ?? []
    // ascending, as the sample is; an id sampled many times cuts once
    const cuts = new Set<string>()
    for (let k = 1; k < parts; k++) {
      const id = sample[Math.floor((k * sample.length) / parts)]
      if (id !== undefined) cuts.add(id)
    }
    const boundaries = [...cuts]
    return Array.from({ length: boundaries.length + 1 }, (_, k) => {
      const from = k === 0 ? '1' : `conversation_id >= ${sqlString(boundaries[k - 1]!)}`
      const to = k === boundaries.length ? '1' : `conversation_id < ${sqlString(boundaries[k]!)}`
      return `${from} AND ${to}`
    })
  }

  /** How many conversations the stored facts hold, all tenants. */
  async countStored(): Promise<number> {
    const [row] = await queryRows<{ n: number }>(this.warehouse, `SELECT count() AS n FROM ${this.warehouse.database}.${CONVERSATION_FACTS_MODEL}`)
    return Number(row?.n ?? 0)
  }

  private async refreshScope(tenantId: string, conversations: string[], customers: string[], options = { markStale: true }): Promise<void> {
    // The version is taken before the scope is read: a writer whose events land after this
    // point takes a newer version, and its recomputation (which sees these events too) wins.
    const version = await this.store.newVersion()
    const scope = await this.completeScope(tenantId, conversations, customers)
    if (scope.conversations.length === 0 && scope.customers.length === 0) return
    const params = scopeParams(scope)
    await this.store.insertComputed(version, { events: this.scopedEvents() }, params)
    if (options.markStale) await this.markStaleRows(params, 'scope')
  }

  /**
   * Writes the customer_conversations rows the touched events should have made and did not.
   * The materialized view writes them after the events' part, not with it: a process killed in
   * between (kill -9) leaves events the index does not know, and the retry of that insert never
   * reaches the view (the intake finds the events stored; a Kafka block's insert is dropped by its
   * token). Unhealed, the customer's next recomputation would not see the conversation and would
   * mark it deleted. Every batch refreshes the facts of all its rows, repeats too, so the retry
   * heals the index here; the insert writes nothing when no row is missing.
   */
  async restoreCustomerIndex(tenantId: string, conversations: string[], customers: string[]): Promise<void> {
    if (customers.length === 0) return
    const customerFilter = `customer_id IN ${stringSet('customers')}`
    await this.insertMissingIndexRows(
      `${customerFilter} AND (conversation_id IN ${stringSet('conversations')} OR ${AUTO_SQL('conversation_id')})`,
      customerFilter,
      { tenant: tenantId, conversations: stringSetParam(conversations), customers: stringSetParam(customers) },
    )
  }

  /**
   * restoreCustomerIndex for every event of a tenant: for a bulk load that repeated stored events
   * of a tenant it then recomputes whole (refreshTenant reads the events, not the index, but later
   * refreshes find a customer's conversations through it).
   */
  async restoreCustomerIndexOfTenant(tenantId: string): Promise<void> {
    await this.insertMissingIndexRows('customer_id IS NOT NULL', '1', { tenant: tenantId })
  }

  /** Writes the index rows of the tenant's events that `eventFilter` keeps and the index (rows `indexFilter` keeps) lacks. */
  private async insertMissingIndexRows(eventFilter: string, indexFilter: string, params: Record<string, unknown>): Promise<void> {
    const db = this.warehouse.database
    await runStatement(
      this.warehouse,
      `INSERT INTO ${db}.customer_conversations (tenant_id, customer_id, conversation_id)
SELECT DISTINCT tenant_id, assumeNotNull(customer_id), conversation_id FROM ${db}.events
WHERE tenant_id = {tenant:String} AND ${eventFilter}
  AND (customer_id, conversation_id) NOT IN (
    SELECT customer_id, conversation_id FROM ${db}.customer_conversations
    WHERE tenant_id = {tenant:String} AND ${indexFilter})`,
      params,
    )
  }

  /**
   * Grows a set of conversations and customers until it is closed: the customers of its
   * conversations' events, and every conversation of its customers. Every lookup is a range of a
   * primary key (events by conversation, customer_conversations by customer).
   */
  private async completeScope(tenantId: string, conversationIds: string[], customerIds: string[]): Promise<Scope> {
    const db = this.warehouse.database
    const conversations = new Set(conversationIds)
    const customers = new Set(customerIds)
    const autoIds = new Set<string>()
    let newConversations = [...conversations]
    let newCustomers = [...customers]
    for (let round = 0; round < MAX_SCOPE_ROUNDS && (newConversations.length || newCustomers.length); round++) {
      // one query a round: the customers of the new conversations' events, and the
      // conversations of the new customers
      const found = await queryRows<{ kind: 'customer' | 'conversation'; id: string }>(
        this.warehouse,
        `SELECT DISTINCT 'customer' AS kind, assumeNotNull(customer_id) AS id FROM ${db}.events
WHERE tenant_id = {tenant:String} AND conversation_id IN ${stringSet('conversations')}
  AND customer_id IS NOT NULL AND NOT ${AUTO_SQL('conversation_id')}
UNION ALL
SELECT DISTINCT 'conversation' AS kind, conversation_id AS id FROM ${db}.customer_conversations
WHERE tenant_id = {tenant:String} AND customer_id IN ${stringSet('customers')}`,
        { tenant: tenantId, conversations: stringSetParam(newConversations), customers: stringSetParam(newCustomers) },
      )
      newConversations = []
      newCustomers = []
      for (const { kind, id } of found) {
        if (kind === 'customer') {
          if (!customers.has(id)) {
            customers.add(id)
            newCustomers.push(id)
          }
        } else if (isAutoConversationId(id)) {
          autoIds.add(id)
        } else if (!conversations.has(id)) {
          conversations.add(id)
          newConversations.push(id)
        }
      }
    }
    return { tenantId, conversations: [...conversations], autoIds: [...autoIds], customers: [...customers] }
  }

  /**
   * The events of a scope, complete per conversation: all events of its conversations, and all
   * of its customers' events under 'auto' ids (their sessions). Both are primary-key ranges of
   * the events table, sorted by (tenant, conversation, customer, event).
   */
  private scopedEvents(): string {
    return `(SELECT * FROM ${this.warehouse.database}.events
WHERE tenant_id = {scope_tenant:String}
  AND ((conversation_id IN ${stringSet('scope_conversations')} AND NOT ${AUTO_WITH_CUSTOMER_SQL})
    OR (conversation_id IN ${stringSet('scope_auto_ids')} AND ifNull(customer_id, '') IN ${stringSet('scope_customers')})))`
  }

  /**
   * Writes delete markers for rows of the scope that are no longer true:
   * - a conversation with live rows at two keys (its start moved; or two writers raced) keeps
   *   the newest and loses the others;
   * - a customer's conversation that the newest recomputation of that customer did not produce
   *   (every recomputation covers all of a customer's conversations) no longer exists: a joined
   *   WhatsApp session, or a conversation whose customer changed.
   * Every writer runs this after its insert, so whichever runs last sees every row and settles it.
   */
  private async markStaleRows(params: Record<string, unknown>, over: 'scope' | 'tenant'): Promise<void> {
    const table = this.store.table
    await runStatement(
      this.warehouse,
      `INSERT INTO ${table} (tenant_id, started_at, conversation_id, _version, _deleted)
SELECT tenant_id, started_at, conversation_id, greatest(conversation_newest, customer_newest), toUInt8(1)
FROM (
    SELECT
        tenant_id, started_at, conversation_id, _version,
        max(_version) OVER (PARTITION BY conversation_id) AS conversation_newest,
        if(customer_id IS NULL, toUInt64(0), max(_version) OVER (PARTITION BY customer_id)) AS customer_newest
    FROM ${table} FINAL
    WHERE tenant_id = {scope_tenant:String}
      ${over === 'scope' ? `AND (conversation_id IN ${stringSet('scope_conversations')} OR customer_id IN ${stringSet('scope_customers')})` : ''}
)
WHERE _version < conversation_newest OR conversation_newest < customer_newest`,
      params,
    )
  }
}
