// `pulso users create`: a person with a role in a tenant (the first admin, or anyone); `pulso users
// list`, `role` and `remove`: the tenant's people, as the People page shows and changes them. The password
// is generated and printed once, or read from standard input (--password-stdin), never an argument
// (arguments show up in `ps` and in shell history).
import type { Command } from 'commander'
import { loadConfig } from '../../config/config.ts'
import type { NewPerson } from '../../domain/accounts/accounts.ts'
import { PERSON_ROLES } from '../../domain/accounts/roles.ts'

async function readStdin(): Promise<string> {
  let text = ''
  for await (const chunk of process.stdin) text += chunk
  return text.replace(/\r?\n$/, '')
}

export function register(program: Command): void {
  const users = program.command('users').description('people who sign in to the dashboard and the API, with a role per tenant')
  users
    .command('create')
    .description('create a person with a role in a tenant (viewer reads; editor also edits goals and use cases; admin also manages people and keys)')
    .requiredOption('--tenant <id>', 'tenant')
    .requiredOption('--email <email>', 'email, which they sign in with')
    .requiredOption('--name <name>', 'name shown in the dashboard and the audit log')
    .requiredOption('--role <role>', PERSON_ROLES.join(', '))
    .option('--password-stdin', 'read the password from standard input instead of generating one')
    .action(async (options: { tenant: string; email: string; name: string; role: string; passwordStdin?: boolean }) => {
      const config = loadConfig(process.env)
      const { generatePassword } = await import('../../domain/accounts/passwords.ts')
      const password = options.passwordStdin ? await readStdin() : generatePassword()
      const { withRuntime } = await import('../../runtime/runtime.ts')
      const { knownTenant } = await import('../../domain/tenants.ts')
      const { Accounts } = await import('../../domain/accounts/accounts.ts')
      await withRuntime(
        config,
        async (runtime) => {
          await knownTenant(config, runtime.warehouse, options.tenant)
          const accounts = new Accounts(runtime.warehouse, config.accounts)
          const { created } = await accounts.createPerson(
            {
              tenant: options.tenant,
              email: options.email,
              name: options.name,
              role: options.role as NewPerson['role'],
              password,
            },
            { actor_kind: 'cli', actor: 'pulso users create', address: 'cli' },
          )
          if (!created) {
            console.log(`${options.email} already had an account: now also ${options.role} in ${options.tenant}, with their own password`)
          } else if (options.passwordStdin) {
            console.log(`created ${options.email}, ${options.role} in ${options.tenant}, with the password from standard input`)
          } else {
            console.log(`created ${options.email}, ${options.role} in ${options.tenant}`)
            console.log(`password (shown only now): ${password}`)
          }
        },
        { buildModels: false },
      )
    })

  users
    .command('list')
    .description("list the tenant's people with their roles")
    .requiredOption('--tenant <id>', 'tenant')
    .action(async (options: { tenant: string }) => {
      await withAccounts(async (accounts) => {
        const { listPeople } = await import('../../domain/accounts/people.ts')
        const people = await listPeople(accounts, options.tenant)
        if (people.length === 0) console.log(`nobody has a role in ${options.tenant}`)
        for (const person of people) console.log(`${person.email}\t${person.role}\t${person.name}`)
      })
    })
  users
    .command('role')
    .description("change a person's role in a tenant (their sessions keep going with the new role)")
    .requiredOption('--tenant <id>', 'tenant')
    .requiredOption('--email <email>', 'the person')
    .requiredOption('--role <role>', PERSON_ROLES.join(', '))
    .action(async (options: { tenant: string; email: string; role: string }) => {
      await withAccounts(async (accounts) => {
        const { changeRole } = await import('../../domain/accounts/people.ts')
        const person = await changeRole(accounts, options.tenant, options.email, options.role, { actor_kind: 'cli', actor: 'pulso users role', address: 'cli' })
        console.log(`${person.email} is now ${person.role} in ${options.tenant}`)
      })
    })
  users
    .command('remove')
    .description('remove a person from a tenant: their sessions there end at once; their account stays for other tenants')
    .requiredOption('--tenant <id>', 'tenant')
    .requiredOption('--email <email>', 'the person')
    .action(async (options: { tenant: string; email: string }) => {
      await withAccounts(async (accounts) => {
        const { removePerson } = await import('../../domain/accounts/people.ts')
        await removePerson(accounts, options.tenant, options.email, { actor_kind: 'cli', actor: 'pulso users remove', address: 'cli' })
        console.log(`${options.email} removed from ${options.tenant}`)
      })
    })
}

/** Runs `work` with the accounts of the configured data folder (no models built). */
async function withAccounts(work: (accounts: import('../../domain/accounts/accounts.ts').Accounts) => Promise<void>): Promise<void> {
  const config = loadConfig(process.env)
  const { withRuntime } = await import('../../runtime/runtime.ts')
  const { Accounts } = await import('../../domain/accounts/accounts.ts')
  await withRuntime(config, (runtime) => work(new Accounts(runtime.warehouse, config.accounts)), { buildModels: false })
}
