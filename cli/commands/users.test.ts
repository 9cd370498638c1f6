// `pulso users create` makes a person who can then sign in: with a generated password printed
// once, or with one read from standard input; bad input is an error naming it.
import { afterAll, describe, expect, it } from 'vitest'
import { cliDataFolder } from '../../tests/cli-data-folder.ts'
import { openTestPulso } from '../../tests/helpers.ts'

const folder = cliDataFolder('users-cli', { PULSO_API_KEYS: 'acme:read:acme-read-key-12' })
const create = (args: string[], input?: string) => folder.run(['users', 'create', '--tenant', 'acme', '--name', 'Ana Admin', '--role', 'admin', ...args], input)

afterAll(() => folder.remove())

async function signIn(email: string, password: string): Promise<number> {
  const pulso = await openTestPulso({ PULSO_API_KEYS: 'acme:read:acme-read-key-12' }, folder.dataDir)
  try {
    const response = await pulso.app.request('/v1/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    })
    return response.status
  } finally {
    await pulso.cleanup()
  }
}

describe('pulso users create', () => {
  it('prints a generated password once, which signs in', async () => {
    const run = await create(['--email', 'ana@acme.test'])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const password = /password \(shown only now\): (\S+)/.exec(run.stdout)?.[1]
    expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/)
    expect(await signIn('ana@acme.test', password!)).toBe(200)
    expect(await signIn('ana@acme.test', 'something-else-entirely')).toBe(401)
  })

  it('reads the password from standard input and never prints it', async () => {
    const run = await create(['--email', 'bea@acme.test', '--password-stdin'], 'bea-chose-this-one\n')
    expect(run.code).toBe(0)
    expect(run.stdout).toBe('created bea@acme.test, admin in acme, with the password from standard input\n')
    expect(await signIn('bea@acme.test', 'bea-chose-this-one')).toBe(200)
  })

  it('refuses a short password, an unknown role or tenant, and a second role in the same tenant', async () => {
    expect((await create(['--email', 'cy@acme.test', '--password-stdin'], 'short\n')).stderr).toBe('pulso: password: is shorter than 12 characters\n')
    const badRole = await folder.run(['users', 'create', '--tenant', 'acme', '--email', 'cy@acme.test', '--name', 'Cy', '--role', 'owner'])
    expect(badRole.stderr).toBe('pulso: role: expected one of viewer, editor, admin\n')
    const badTenant = await folder.run(['users', 'create', '--tenant', 'nope', '--email', 'cy@acme.test', '--name', 'Cy', '--role', 'viewer'])
    expect(badTenant.stderr).toMatch(/^pulso: unknown tenant 'nope'/)
    const again = await create(['--email', 'ana@acme.test'])
    expect(again.code).toBe(1)
    expect(again.stderr).toBe('pulso: ana@acme.test already has a role in tenant acme\n')
  })
})

describe('pulso users list, role and remove', () => {
  const users = (args: string[]) => folder.run(['users', ...args, '--tenant', 'acme'])

  it("list the tenant's people, change a role, and remove a person, who then cannot sign in", async () => {
    await create(['--email', 'lia@acme.test', '--password-stdin'], 'lia-chose-this-one\n')
    await folder.run(
      ['users', 'create', '--tenant', 'acme', '--email', 'max@acme.test', '--name', 'Max', '--role', 'viewer', '--password-stdin'],
      'max-chose-this-one\n',
    )
    const listed = await users(['list'])
    expect(listed.code).toBe(0)
    expect(listed.stdout).toContain('max@acme.test\tviewer\tMax\n')
    expect(listed.stdout).toContain('lia@acme.test\tadmin\tAna Admin\n')

    const changed = await users(['role', '--email', 'MAX@acme.test', '--role', 'editor'])
    expect(changed.stdout).toBe('max@acme.test is now editor in acme\n')
    expect((await users(['list'])).stdout).toContain('max@acme.test\teditor\tMax\n')
    expect((await users(['role', '--email', 'max@acme.test', '--role', 'boss'])).stderr).toBe(
      "pulso: role: expected one of viewer, editor, admin, got 'boss'\n",
    )

    const removed = await users(['remove', '--email', 'max@acme.test'])
    expect(removed.stdout).toBe('max@acme.test removed from acme\n')
    expect((await users(['list'])).stdout).not.toContain('max@acme.test')
    expect(await signIn('max@acme.test', 'max-chose-this-one')).toBe(401)
    expect((await users(['remove', '--email', 'max@acme.test'])).stderr).toBe('pulso: max@acme.test has no role in tenant acme\n')
  })
})
