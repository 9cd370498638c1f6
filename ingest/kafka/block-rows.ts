// Storing a Kafka block's rows: one insert, named by the block's offsets (its token). When
// ClickHouse refuses it because of a row's values (warehouse/refused-rows.ts; rare, as the contract
// accepts only what the columns hold), the block is prepared again on this thread, this time
// knowing each row's message, and inserted around the rows the engine refuses: every other event
// is stored, and the refused ones come back as dead letters of their messages. Retried forever as
// a whole, one such row would have stalled its partitions.
import type { Warehouse } from '../../warehouse/client.ts'
import { insertAroundRefusals, refusalReason } from '../../warehouse/refused-rows.ts'
import { insertEncodedEventRows } from '../../warehouse/repositories/events.ts'
import type { Block } from './block.ts'
import { unpackValue } from './packed-values.ts'
import { type BlockDeadLetter, KAFKA_BLOCKS, type PrepareConfig, type PreparedBlock, type PrepareOptions, prepareBlock } from './prepare-block.ts'

/**
 * Inserts the block's prepared rows; returns the rows the engine refused, as dead letters (none
 * when it took the block). Any other error is thrown, for the caller to retry. Each range of a
 * split block is named by the block's token and its rows, so a block read again after a crash
 * is split the same way and its ranges already stored are dropped as repeats.
 */
export async function insertBlockRows(
  warehouse: Warehouse,
  config: PrepareConfig,
  block: Block,
  prepared: PreparedBlock,
  token: string,
  options: PrepareOptions = KAFKA_BLOCKS,
): Promise<BlockDeadLetter[]> {
  try {
    await insertEncodedEventRows(warehouse, prepared.encodedRows, token)
    return []
  } catch (error) {
    if (refusalReason(error) === undefined) throw error
  }
  const identified = prepareBlock(block.values, config, { ...options, identifyRows: true })
  const { ends, indexes, tenants, events } = identified.rowIdentities!
  const startOf = (row: number) => (row === 0 ? 0 : ends[row - 1]!)
  const refused = await insertAroundRefusals(identified.rows, (from, to) =>
    insertEncodedEventRows(warehouse, identified.encodedRows.subarray(startOf(from), ends[to - 1]), `${token}:rows ${from}-${to - 1}`),
  )
  return refused.map(({ index: row, reason }) => {
    const message = indexes[row]!
    return {
      index: message,
      tenant_id: tenants[row]!,
      event_id: events[row]!,
      reason,
      payload: Buffer.from(unpackValue(block.values, message) ?? new Uint8Array()).toString('utf8'),
    }
  })
}
