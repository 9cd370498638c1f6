// Bulk loads (`pulso ingest FILE`): blocks of event texts are prepared on a worker thread (the Kafka
// worker's BlockPreparer) while the block before is stored, so validating and encoding one block
// and ClickHouse storing the other use both cores. The stored facts are refreshed for the whole
// load at the end, each conversation once: those of what the load touched, or, for a tenant it
// touched too much of to keep the list, all of that tenant's.
import type { PulsoConfig } from '../config/config.ts'
import type { ConversationFacts } from '../dbt-like-models/runner/conversation-facts.ts'
import type { Warehouse } from '../warehouse/client.ts'
import { insertAroundRefusals } from '../warehouse/refused-rows.ts'
import { type DeadLetterRow, findStoredPositions, insertDeadLetters, insertEncodedEventRows } from '../warehouse/repositories/events.ts'
import { TouchedConversations } from '../warehouse/touched-conversations.ts'
import type { IntakeResult, Rejection } from './intake.ts'
import { BlockPreparer } from './kafka/block-preparer.ts'
import { type PackedValues, unpackValue } from './kafka/packed-values.ts'
import type { PreparedBlock, RowIdentities } from './kafka/prepare-block.ts'

export type BlockLoadOptions = {
  /** When set, events of any other tenant are rejected (`pulso ingest --tenant`). */
  tenantId?: string
  /**
   * Conversations and customers of one tenant the load keeps a list of; past it, the whole tenant
   * is recomputed at the end. Refreshing along the way instead would recompute the whole history
   * of a busy customer again at every refresh.
   */
  touchedLimit?: number
}

const TOUCHED_LIMIT = 500_000

/** What a load asks of the stored conversation facts. */
export type FactsWriter = Pick<ConversationFacts, 'refreshInChunks' | 'refreshTenant' | 'restoreCustomerIndex' | 'restoreCustomerIndexOfTenant' | 'store'>

export class BlockLoad {
  private readonly preparer: BlockPreparer
  /** Blocks are stored one after another, so a block's look-up of stored events sees the block before. */
  private storing: Promise<unknown> = Promise.resolve()
  private deferred = new TouchedConversations()
  /** Tenants whose every conversation is recomputed at the end (see touchedLimit). */
  private wholeTenants = new Set<string>()
  /** Tenants of wholeTenants that had events before the load: their customer index is restored first (deferWholeTenant). */
  private indexToRestore = new Set<string>()
  /** Tenants of wholeTenants that had no events before the load (deferWholeTenant): they had no stored facts either. */
  private newTenants = new Set<string>()
  private readonly touchedLimit: number

  constructor(
    private readonly warehouse: Warehouse,
    config: Pick<PulsoConfig, 'hashKey' | 'tenants'>,
    private readonly facts: FactsWriter,
    options: BlockLoadOptions = {},
  ) {
    this.touchedLimit = options.touchedLimit ?? TOUCHED_LIMIT
    this.preparer = new BlockPreparer(config, 1, { source: 'file', tenantId: options.tenantId, configuredTenantsOnly: false, identifyRows: true })
  }

  /**
   * Prepares the block at once (on the thread) and stores it after the blocks before. Events
   * already stored (a file loaded again after an interruption) count as duplicates, as in the
   * intake. The facts wait for refreshFacts().
   */
  load(values: PackedValues): Promise<IntakeResult> {
    const preparing = this.preparer.prepare(values)
    const stored = this.storing.then(() => preparing).then((block) => this.store(values, block))
    this.storing = stored.catch(() => undefined)
    return stored
  }

  /** Waits for the blocks handed over, then refreshes the facts of everything they stored. */
  async refreshFacts(onProgress?: (done: number, total: number) => void): Promise<void> {
    await this.storing
    const touched = this.deferred
    const wholeTenants = [...this.wholeTenants]
    const { indexToRestore, newTenants } = this
    this.deferred = new TouchedConversations()
    this.wholeTenants = new Set()
    this.indexToRestore = new Set()
    this.newTenants = new Set()
    if (touched.size) await this.facts.refreshInChunks(touched, onProgress)
    // The stored facts are merged after a whole tenant's recomputation replaced rows (each read
    // would merge the two versions until then), or wrote parts that overlap one another. A tenant
    // new to the load had no rows, and its recomputation writes them in the table's order.
    let compact = false
    for (const tenantId of wholeTenants) {
      if (indexToRestore.has(tenantId)) await this.facts.restoreCustomerIndexOfTenant(tenantId)
      const { inOrder } = await this.facts.refreshTenant(tenantId, onProgress)
      if (!newTenants.has(tenantId) || !inOrder) compact = true
    }
    if (compact) await this.facts.store.compact()
  }

  /**
   * Adds conversations stored by other means (a load in SQL) to what refreshFacts recomputes,
   * first writing the customer index rows their events should have made (as store() does for
   * repeats: they may be a load run again after a crash).
   */
  async deferRefresh(touched: TouchedConversations): Promise<void> {
    await this.restoreCustomerIndex(touched)
    this.defer(touched)
  }

  /**
   * Has refreshFacts recompute every conversation of a tenant. With `hadEvents` (the tenant had
   * events before the load, which may be a load run again after a crash), its customer index is
   * restored first; a tenant new to the load has no index to restore and no stored facts.
   */
  deferWholeTenant(tenantId: string, options: { hadEvents: boolean }): void {
    this.wholeTenants.add(tenantId)
    this.deferred.forget(tenantId)
    if (options.hadEvents) this.indexToRestore.add(tenantId)
    else this.newTenants.add(tenantId)
  }

  /** The customer index rows of what `touched` reaches that are missing (ConversationFacts.restoreCustomerIndex). */
  private async restoreCustomerIndex(touched: TouchedConversations): Promise<void> {
    for (const [tenantId, { conversations, customers }] of touched.byTenant) await this.facts.restoreCustomerIndex(tenantId, [...conversations], [...customers])
  }

  /** Adds what a block touched to what waits for the end, bounded per tenant by touchedLimit. */
  private defer(touched: TouchedConversations): void {
    for (const tenantId of this.wholeTenants) touched.forget(tenantId)
    this.deferred.addAll(touched)
    for (const tenantId of touched.byTenant.keys()) {
      if (this.deferred.countOf(tenantId) < this.touchedLimit) continue
      this.wholeTenants.add(tenantId)
      this.deferred.forget(tenantId)
    }
  }

  async close(): Promise<void> {
    await this.preparer.close()
  }

  private async store(values: PackedValues, block: PreparedBlock): Promise<IntakeResult> {
    const identities = block.rowIdentities!
    const stored = await this.storedRows(identities)
    const kept = stored.size === 0 ? undefined : Array.from(identities.ends.keys()).filter((row) => !stored.has(row))
    const keptCount = kept ? kept.length : identities.ends.length
    const rowAt = (position: number) => (kept ? kept[position]! : position)
    const deadLetters = block.deadLetters.map(
      ({ index, tenant_id, event_id, reason, payload }): DeadLetterRow => ({ tenant_id, source: 'file', batch_index: index, event_id, reason, payload }),
    )
    await insertDeadLetters(this.warehouse, deadLetters)
    // An event the engine refuses is rejected alone, as in the intake (warehouse/refused-rows.ts).
    const refused = await insertAroundRefusals(keptCount, (from, to) =>
      insertEncodedEventRows(this.warehouse, encodedRange(block.encodedRows, identities.ends, from, to, rowAt)),
    )
    const rejected: Rejection[] = block.deadLetters.map((d) => ({ index: d.index, event_id: d.event_id, reason: d.reason }))
    if (refused.length) {
      const refusedLetters = refused.map(({ index, reason }): DeadLetterRow => {
        const row = rowAt(index)
        const line = identities.indexes[row]!
        const payload = Buffer.from(unpackValue(values, line) ?? new Uint8Array()).toString('utf8')
        return { tenant_id: identities.tenants[row]!, source: 'file', batch_index: line, event_id: identities.events[row]!, reason, payload }
      })
      await insertDeadLetters(this.warehouse, refusedLetters)
      rejected.push(...refusedLetters.map((d) => ({ index: d.batch_index, event_id: d.event_id, reason: d.reason })))
      rejected.sort((a, b) => a.index - b.index)
    }
    // Repeats too: a file loaded again after a crash between its insert and the refresh refreshes now.
    const touched = TouchedConversations.fromJSON(block.touched)
    // A crash can also fall between an insert and the customer index its materialized view writes
    // after it; the repeats of a load run again restore what the index misses (see restoreCustomerIndex).
    if (stored.size > 0) await this.restoreCustomerIndex(touched)
    this.defer(touched)
    return { accepted: keptCount - refused.length, duplicates: block.duplicates + stored.size, rejected }
  }

  /** Positions (in the block) of the rows whose event is already stored. */
  private storedRows({ tenants, conversations, events }: RowIdentities): Promise<Set<number>> {
    return findStoredPositions(
      this.warehouse,
      tenants.map((tenant_id, row) => ({ tenant_id, conversation_id: conversations[row]!, event_id: events[row]! })),
    )
  }
}

/**
 * The encoded rows at positions from ≤ p < to of the rows kept (`rowAt` maps a position to its
 * row; `ends`: where each row ends). Without rows left out, a view of the block, not a copy.
 */
function encodedRange(encodedRows: Uint8Array, ends: Int32Array, from: number, to: number, rowAt: (position: number) => number): Uint8Array {
  const startOf = (row: number) => (row === 0 ? 0 : ends[row - 1]!)
  if (rowAt(to - 1) - rowAt(from) === to - 1 - from) return encodedRows.subarray(startOf(rowAt(from)), ends[rowAt(to - 1)])
  const pieces: Uint8Array[] = []
  for (let position = from; position < to; position++) pieces.push(encodedRows.subarray(startOf(rowAt(position)), ends[rowAt(position)]))
  return Buffer.concat(pieces)
}
