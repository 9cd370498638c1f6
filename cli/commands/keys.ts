// `pulso keys create|list|revoke`: API keys for machines, as admins manage them over /v1/keys. The
// secret is printed once, at creation; only its SHA-256 is stored.
import type { Command } from 'commander'
import { loadConfig } from '../../config/config.ts'
import { formatTable } from '../table.ts'

async function onWarehouse<T>(tenant: string, work: (warehouse: import('../../warehouse/client.ts').Warehouse) => Promise<T>): Promise<T> {
  const config = loadConfig(process.env)
  const { withRuntime } = await import('../../runtime/runtime.ts')
  const { knownTenant } = await import('../../domain/tenants.ts')
  return withRuntime(
    config,
    async (runtime) => {
      await knownTenant(config, runtime.warehouse, tenant)
      return work(runtime.warehouse)
    },
    { buildModels: false },
  )
}

export function register(program: Command): void {
  const keys = program
    .command('keys')
    .description('API keys for machines (intake, BI tools, scripts), made by admins; configured keys stay in the configuration')
  keys
    .command('create')
    .description('make a key and print its secret, once')
    .requiredOption('--tenant <id>', 'tenant')
    .requiredOption('--name <name>', 'what it is for, e.g. "Looker" or "nightly export"')
    .requiredOption('--scope <scope>', 'ingest (send events) or read (every read)')
    .action(async (options: { tenant: string; name: string; scope: string }) => {
      const { createApiKey } = await import('../../domain/accounts/api-keys.ts')
      const made = await onWarehouse(options.tenant, (warehouse) =>
        createApiKey(warehouse, { tenant: options.tenant, name: options.name, scope: options.scope, createdBy: 'pulso keys create' }),
      )
      console.log(`created key ${made.id} (${made.name}, ${made.scope}) for ${options.tenant}`)
      console.log(`key (shown only now): ${made.key}`)
    })
  keys
    .command('list')
    .description("the tenant's keys made by admins (never their secrets)")
    .requiredOption('--tenant <id>', 'tenant')
    .action(async (options: { tenant: string }) => {
      const { listManagedKeys } = await import('../../domain/accounts/api-keys.ts')
      const list = await onWarehouse(options.tenant, (warehouse) => listManagedKeys(warehouse, options.tenant))
      console.log(list.length ? formatTable(list) : `${options.tenant}: no keys made by admins`)
    })
  keys
    .command('revoke')
    .description('revoke a key at once')
    .requiredOption('--tenant <id>', 'tenant')
    .requiredOption('--id <id>', 'the key id (pulso keys list)')
    .action(async (options: { tenant: string; id: string }) => {
      const { revokeApiKey } = await import('../../domain/accounts/api-keys.ts')
      const revoked = await onWarehouse(options.tenant, (warehouse) => revokeApiKey(warehouse, options.tenant, options.id))
      if (!revoked) {
        console.error(`pulso: no key '${options.id}' for tenant ${options.tenant}`)
        process.exitCode = 1
        return
      }
      console.log(`revoked key ${revoked.id} (${revoked.name})`)
    })
}
