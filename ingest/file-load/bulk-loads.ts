// Bulk loads of NDJSON, from `pulso ingest FILE` and POST /v1/events/bulk alike. On embedded chDB
// the engine reads the lines itself (sql-file-load.ts); on a ClickHouse server Node stores them in
// blocks (block-file-load.ts). A load runs on a connection of its own, so that its statements
// (seconds each on millions of events) run beside the requests instead of ahead of them; and one
// load runs at a time, because an embedded load's staging database is the data folder's one.
import type { PulsoConfig } from '../../config/config.ts'
import { ConversationFacts } from '../../dbt-like-models/runner/conversation-facts.ts'
import type { Project } from '../../dbt-like-models/runner/project.ts'
import { openAnotherConnection, type Warehouse } from '../../warehouse/client.ts'
import { BlockLoad } from '../block-load.ts'
import { loadInBlocks } from './block-file-load.ts'
import type { LoadInput } from './input-lines.ts'
import type { IngestSummary } from './load-summary.ts'
import { type LoadProgress, loadFileInSql } from './sql-file-load.ts'

export class BulkLoadBusyError extends Error {
  override name = 'BulkLoadBusyError'
}

export type BulkLoadOptions = {
  /** When set, events of any other tenant are rejected (an API key's tenant, `pulso ingest --tenant`). */
  tenantId?: string
  /** Lines BlockLoad takes at a time: the lines the engine cannot vouch for, or every line on a server. */
  blockLines?: number
  onProgress?: (progress: LoadProgress) => void
}

const BLOCK_LINES = 20_000

export class BulkLoads {
  private running = false

  constructor(private readonly runtime: { config: PulsoConfig; warehouse: Warehouse; project: Project }) {}

  /** True while a load runs; load() refuses another one meanwhile. */
  get busy(): boolean {
    return this.running
  }

  /** Loads NDJSON events from `input` and refreshes the stored facts of what they touched. */
  async load(input: LoadInput, options: BulkLoadOptions = {}): Promise<IngestSummary> {
    if (this.running) throw new BulkLoadBusyError('a bulk load is already running; send the next one once it has ended')
    this.running = true
    try {
      const { config, project } = this.runtime
      const warehouse = await openAnotherConnection(this.runtime.warehouse)
      const blockLoad = new BlockLoad(warehouse, config, new ConversationFacts(warehouse, project), { tenantId: options.tenantId })
      const blockLines = options.blockLines ?? BLOCK_LINES
      const onProgress = options.onProgress ?? (() => undefined)
      try {
        if (warehouse.engine === 'embedded')
          return await loadFileInSql(warehouse, config, blockLoad, input, { tenantId: options.tenantId, blockLines, onProgress })
        return await loadInBlocks(input, blockLoad, blockLines, onProgress)
      } finally {
        await blockLoad.close()
        await warehouse.close()
      }
    } finally {
      this.running = false
    }
  }
}
