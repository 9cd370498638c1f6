// An insert is all or nothing: when ClickHouse refuses one row of it (a value a column cannot
// parse, a constraint an operator added, a check in a view fed by the table), it stores none of
// them. The contract accepts only what the columns hold (ingest/contract/), so this is the fallback
// that keeps it true whatever the table says: one row the engine refuses never takes the valid rows
// beside it down with it.
/**
 * ClickHouse errors about the values of the rows inserted. Any other error (the engine unreachable
 * or overloaded, out of memory or disk, a table missing) is about the engine, not the rows: the
 * insert fails whole and is retried, and no row is blamed for it.
 */
const ROW_REFUSALS = new Set([
  'CANNOT_PARSE_TEXT',
  'CANNOT_PARSE_ESCAPE_SEQUENCE',
  'CANNOT_PARSE_QUOTED_STRING',
  'CANNOT_PARSE_INPUT_ASSERTION_FAILED',
  'CANNOT_PARSE_DATE',
  'CANNOT_PARSE_DATETIME',
  'CANNOT_PARSE_NUMBER',
  'CANNOT_PARSE_BOOL',
  'CANNOT_CONVERT_TYPE',
  'CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN',
  'ARGUMENT_OUT_OF_BOUND',
  'VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE',
  'DECIMAL_OVERFLOW',
  'INCORRECT_DATA',
  'TOO_LARGE_STRING_SIZE',
  'UNKNOWN_ELEMENT_OF_ENUM',
  'VIOLATED_CONSTRAINT',
  'FUNCTION_THROW_IF_VALUE_IS_NON_ZERO',
])

/**
 * Why the engine refused an insert because of its rows' values, or undefined for any other error.
 * ClickHouse's errors are told by their type (ClickHouseError's `type`), not by `instanceof`: chDB
 * raises them from its own load of @clickhouse/client-common, another copy of the class.
 */
export function refusalReason(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined
  const type = (error as { type?: unknown }).type
  if (typeof type !== 'string' || !ROW_REFUSALS.has(type)) return undefined
  const message = error.message.split('\n', 1)[0]!.trim()
  return `the warehouse refused to store this event (${type}): ${message.length > 300 ? `${message.slice(0, 300)}…` : message}`
}

/** A row the engine refused on its own: its position among the rows inserted, and the engine's reason. */
export type RefusedRow = { index: number; reason: string }

/**
 * Inserts rows 0 … count−1 through `insertRange(from, to)` (rows from ≤ i < to). When the engine
 * refuses an insert because of its rows, each half is inserted apart, down to single rows, so every
 * row it does not refuse alone is stored and the ones it does are returned. A batch with k refused
 * rows among n costs about 2·k·log2(n/k) inserts more, each a part of its own; refusals are rare.
 * Any other error is thrown: ranges inserted before it stay stored, so a retry must tolerate
 * repeats (the intake looks up stored events; a Kafka block names each range with its own token).
 */
export async function insertAroundRefusals(count: number, insertRange: (from: number, to: number) => Promise<void>): Promise<RefusedRow[]> {
  const refused: RefusedRow[] = []
  const insertOrSplit = async (from: number, to: number): Promise<void> => {
    try {
      await insertRange(from, to)
    } catch (error) {
      const reason = refusalReason(error)
      if (reason === undefined) throw error
      if (to - from === 1) {
        refused.push({ index: from, reason })
        return
      }
      const middle = from + Math.ceil((to - from) / 2)
      await insertOrSplit(from, middle)
      await insertOrSplit(middle, to)
    }
  }
  if (count > 0) await insertOrSplit(0, count)
  return refused
}
