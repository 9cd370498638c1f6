// Opens Pulso's warehouse ready for work: schema migrated, tenants synced, models built. The one
// place the parts are wired together, below both the API server and the CLI's commands that open it.
import type { PulsoConfig } from '../config/config.ts'
import { ConversationFacts } from '../dbt-like-models/runner/conversation-facts.ts'
import { BUILTIN_MODELS_DIR, loadProject, type Project } from '../dbt-like-models/runner/project.ts'
import { runModels } from '../dbt-like-models/runner/run.ts'
import { BulkLoads } from '../ingest/file-load/bulk-loads.ts'
import { Intake } from '../ingest/intake.ts'
import { openWarehouse, type Warehouse } from '../warehouse/client.ts'
import { migrate } from '../warehouse/migrations.ts'
import { syncTenants } from '../warehouse/repositories/tenants.ts'

export type Runtime = {
  config: PulsoConfig
  warehouse: Warehouse
  intake: Intake
  /** Loads of NDJSON files and streams (`pulso ingest FILE`, POST /v1/events/bulk). */
  bulkLoads: BulkLoads
  project: Project
  facts: ConversationFacts
  close(): Promise<void>
}

export type RuntimeOptions = {
  /** Build the models' views (default). A Kafka worker only needs the stored facts' table. */
  buildModels?: boolean
  /** Progress of a recomputation of the stored facts (first start, changed definition or settings). */
  onRebuildProgress?: (done: number, total: number, tenantId: string) => void
}

export function modelDirs(config: PulsoConfig): string[] {
  return [BUILTIN_MODELS_DIR, ...(config.extraModelsDir ? [config.extraModelsDir] : [])]
}

export async function openRuntime(config: PulsoConfig, options: RuntimeOptions = {}): Promise<Runtime> {
  const project = loadProject(modelDirs(config))
  const warehouse = await openWarehouse(config)
  let facts: ConversationFacts
  try {
    await migrate(warehouse)
    await syncTenants(warehouse, [...config.tenants.values()])
    facts = new ConversationFacts(warehouse, project)
    if (options.buildModels !== false) {
      const report = await runModels(warehouse, project)
      // The stored facts are recomputed from the events when they are new or came from another
      // definition or other settings; otherwise they are current, whatever the history's size.
      for (const stale of report.rebuildNeeded) {
        await facts.rebuild(options.onRebuildProgress)
        await facts.store.markBuilt(stale.fingerprint)
      }
    } else {
      await facts.store.ensure()
    }
  } catch (error) {
    await warehouse.close()
    throw error
  }
  return {
    config,
    warehouse,
    intake: new Intake(warehouse, config, facts),
    bulkLoads: new BulkLoads({ config, warehouse, project }),
    project,
    facts,
    close: () => warehouse.close(),
  }
}

/** Opens the runtime, runs `work` with it and closes it, also when `work` fails (the CLI's commands). */
export async function withRuntime<T>(config: PulsoConfig, work: (runtime: Runtime) => Promise<T>, options: RuntimeOptions = {}): Promise<T> {
  const runtime = await openRuntime(config, options)
  try {
    return await work(runtime)
  } finally {
    await runtime.close()
  }
}
