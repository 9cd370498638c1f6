// Opens Pulso's warehouse ready for work: schema migrated, tenants synced, models built.
import type { PulsoConfig } from '../config/config.ts'
import { BUILTIN_MODELS_DIR, loadProject, type Project } from '../dbt-like-models/runner/project.ts'
import { runModels } from '../dbt-like-models/runner/run.ts'
import { Intake } from '../ingest/intake.ts'
import { openWarehouse, type Warehouse } from '../warehouse/client.ts'
import { migrate } from '../warehouse/migrations.ts'
import { syncTenants } from '../warehouse/repositories/tenants.ts'

export type Runtime = { config: PulsoConfig; warehouse: Warehouse; intake: Intake; project: Project; close(): Promise<void> }

export function modelDirs(config: PulsoConfig): string[] {
  return [BUILTIN_MODELS_DIR, ...(config.extraModelsDir ? [config.extraModelsDir] : [])]
}

export async function openRuntime(config: PulsoConfig, options: { buildModels?: boolean } = {}): Promise<Runtime> {
  const project = loadProject(modelDirs(config))
  const warehouse = await openWarehouse(config)
  try {
    await migrate(warehouse)
    await syncTenants(warehouse, [...config.tenants.values()])
    if (options.buildModels !== false) await runModels(warehouse, project)
  } catch (error) {
    await warehouse.close()
    throw error
  }
  return { config, warehouse, intake: new Intake(warehouse, config), project, close: () => warehouse.close() }
}

/** Opens the runtime, runs `work` with it and closes it, also when `work` fails (the CLI's commands). */
export async function withRuntime<T>(config: PulsoConfig, work: (runtime: Runtime) => Promise<T>, options: { buildModels?: boolean } = {}): Promise<T> {
  const runtime = await openRuntime(config, options)
  try {
    return await work(runtime)
  } finally {
    await runtime.close()
  }
}
