// `pulso keys create|list|revoke`: a key printed once works against the API by its scope, is listed
// without its secret, and is refused once revoked; configured keys keep working beside it.
import { afterAll, describe, expect, it } from 'vitest'
import { cliDataFolder } from '../../tests/cli-data-folder.ts'
import { openTestPulso } from '../../tests/helpers.ts'

const CONFIGURED = 'acme:read:acme-read-key-12'
const folder = cliDataFolder('keys-cli', { PULSO_API_KEYS: CONFIGURED })
const pulso = (...args: string[]) => folder.run(['keys', ...args])

afterAll(() => folder.remove())

/** The role GET /v1/tenant answers for each key, or its status when refused. */
async function tenantRoles(...keys: string[]): Promise<(string | number)[]> {
  const server = await openTestPulso({ PULSO_API_KEYS: CONFIGURED }, folder.dataDir)
  try {
    return await Promise.all(
      keys.map(async (key) => {
        const response = await server.app.request('/v1/tenant', { headers: { authorization: `Bearer ${key}` } })
        return response.status === 200 ? ((await response.json()) as { role: string }).role : response.status
      }),
    )
  } finally {
    await server.cleanup()
  }
}

describe('pulso keys', () => {
  it('creates a key shown once, lists it without the secret, revokes it', async () => {
    const created = await pulso('create', '--tenant', 'acme', '--name', 'nightly export', '--scope', 'read')
    expect(created.code).toBe(0)
    const key = /key \(shown only now\): (pulso_\S+)/.exec(created.stdout)?.[1]
    const id = /created key (\S+) \(nightly export, read\) for acme/.exec(created.stdout)?.[1]
    expect(key).toBeDefined()
    expect(await tenantRoles(key!, 'acme-read-key-12')).toEqual(['read', 'read'])

    const listed = await pulso('list', '--tenant', 'acme')
    expect(listed.stdout).toContain(id)
    expect(listed.stdout).toContain('nightly export')
    expect(listed.stdout).not.toContain(key)

    expect((await pulso('revoke', '--tenant', 'acme', '--id', id!)).stdout).toBe(`revoked key ${id} (nightly export)\n`)
    expect(await tenantRoles(key!, 'acme-read-key-12')).toEqual([401, 'read'])
    expect((await pulso('list', '--tenant', 'acme')).stdout).toBe('acme: no keys made by admins\n')
  })

  it('names a bad scope and an unknown key', async () => {
    expect((await pulso('create', '--tenant', 'acme', '--name', 'x', '--scope', 'admin')).stderr).toBe('pulso: scope: expected one of ingest, read\n')
    const unknown = await pulso('revoke', '--tenant', 'acme', '--id', 'nope')
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toBe("pulso: no key 'nope' for tenant acme\n")
  })
})
