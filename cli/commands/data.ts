// Commands for data teams: `pulso models docs` (a static catalog site) and
// `pulso tenants grant TENANT` (a read-only ClickHouse user for BI tools, server deployment).
import { randomBytes } from 'node:crypto'
import path from 'node:path'
import { type Command, InvalidArgumentError } from 'commander'
import { ConfigError, loadConfig } from '../../config/config.ts'

/** The subcommand group `name` of `program`, created if no other module made it yet. */
function group(program: Command, name: string, description: string): Command {
  return program.commands.find((c) => c.name() === name) ?? program.command(name).description(description)
}

function tenantId(value: string): string {
  if (!/^[a-z0-9_-]{1,64}$/.test(value)) throw new InvalidArgumentError('tenant ids are 1–64 characters of [a-z0-9_-]')
  return value
}

export function register(program: Command): void {
  group(program, 'models', 'build and test the dbt-like models')
    .command('docs')
    .description('build the models and write a static docs site of the catalog (index.html, catalog.json)')
    .option('--out <dir>', 'folder to write the site into', 'pulso-docs')
    .action(async (options: { out: string }) => {
      const config = loadConfig({ ...process.env, PULSO_DEMO: process.env.PULSO_DEMO ?? '0' })
      const { withRuntime } = await import('../../runtime/runtime.ts')
      const { buildCatalog } = await import('../../dbt-like-models/runner/catalog.ts')
      const { writeDocsSite } = await import('../../dbt-like-models/runner/docs-site.ts')
      await withRuntime(config, async (runtime) => {
        const catalog = await buildCatalog(runtime.project, runtime.warehouse)
        const files = writeDocsSite(catalog, path.resolve(options.out))
        console.log(`${catalog.models.length} models documented:\n${files.map((f) => `  ${f}`).join('\n')}`)
      })
    })

  group(program, 'tenants', 'manage tenants')
    .command('grant')
    .description(
      'print (or with --execute, run) the SQL creating a read-only ClickHouse user, settings profile and row policies for one tenant, for Grafana, Metabase or DBeaver (ClickHouse server only)',
    )
    .argument('<tenant>', 'tenant id', tenantId)
    .option('--execute', 'run the statements on the ClickHouse server (CLICKHOUSE_URL)')
    .option('--password <password>', 'password for the new user (default: a random one, printed once)')
    .action(async (tenant: string, options: { execute?: boolean; password?: string }) => {
      const config = loadConfig({ ...process.env, PULSO_DEMO: process.env.PULSO_DEMO ?? '0' })
      if (options.execute && !config.clickhouse) {
        throw new ConfigError(
          '--execute needs a ClickHouse server (set CLICKHOUSE_URL): embedded chDB has no users, row policies or settings profiles; POST /v1/sql is its read-only path',
        )
      }
      const { withRuntime } = await import('../../runtime/runtime.ts')
      const { grantStatements, tenantTables } = await import('../../warehouse/grants.ts')
      const { runStatement } = await import('../../warehouse/client.ts')
      await withRuntime(
        config,
        async (runtime) => {
          const password = options.password ?? randomBytes(18).toString('base64url')
          const plan = grantStatements({
            tenantId: tenant,
            database: runtime.warehouse.database,
            tables: await tenantTables(runtime.warehouse),
            password,
            limits: config.sqlLimits,
          })
          console.log(`-- Read-only ClickHouse access for tenant ${tenant}: user ${plan.user}, profile ${plan.profile}`)
          console.log(`-- Row policies on: ${plan.tables.join(', ')}`)
          if (!options.password) console.log(`-- Password (shown once): ${password}`)
          for (const statement of plan.statements) console.log(`${statement};`)
          if (options.execute) {
            for (const statement of plan.statements) await runStatement(runtime.warehouse, statement)
            console.log(
              `-- Executed ${plan.statements.length} statements on ${config.clickhouse!.url}. Connect as ${plan.user} (database ${runtime.warehouse.database}).`,
            )
          }
        },
        { buildModels: false },
      )
    })

  group(program, 'cluster', 'a sharded ClickHouse cluster')
    .command('ddl')
    .description(
      "print the SQL that creates Pulso's stored tables on a sharded, replicated ClickHouse cluster (Replicated tables per shard behind Distributed ones, sharded so that a conversation's events and facts share a shard); see docs/kafka.md",
    )
    .requiredOption('--cluster <name>', "the cluster name of the servers' remote_servers configuration")
    .action(async (options: { cluster: string }) => {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(options.cluster)) throw new InvalidArgumentError('cluster names are letters, digits and _')
      const config = loadConfig({ ...process.env, PULSO_DEMO: process.env.PULSO_DEMO ?? '0' })
      const { withRuntime } = await import('../../runtime/runtime.ts')
      const { clusterStatements, describeStoredTables } = await import('../../warehouse/cluster-ddl.ts')
      await withRuntime(
        config,
        async (runtime) => {
          const tables = await describeStoredTables(runtime.warehouse, runtime.facts.store.orderBy)
          console.log(
            `-- Pulso on ClickHouse cluster ${options.cluster}; then run the migrations' other tables and \`pulso models run\` against any server of it`,
          )
          for (const statement of clusterStatements(runtime.warehouse.database, options.cluster, tables)) console.log(`${statement};\n`)
        },
        { buildModels: false },
      )
    })
}
