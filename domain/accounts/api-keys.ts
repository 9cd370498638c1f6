// API keys for machines, made by admins (API or CLI): a name, a scope (ingest or read), the secret
// shown once. Only the SHA-256 of the secret is stored: the secret is 32 random bytes, too many to
// guess, so a slow hash such as scrypt (needed for passwords people choose) would add nothing but
// a slow lookup on every request.
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import type { Warehouse } from '../../warehouse/client.ts'
import { type ApiKeyRow, findApiKeyByHash, listApiKeys, saveApiKey } from '../../warehouse/repositories/api-keys.ts'
import { AccountError } from './accounts.ts'
import type { Caller } from './roles.ts'

export const KEY_SCOPES = ['ingest', 'read'] as const
export type KeyScope = (typeof KEY_SCOPES)[number]

/** A key as listed: everything but its secret. */
export type ManagedKey = { id: string; name: string; scope: KeyScope; created_by: string; created_at: string }

const keyHash = (secret: string) => createHash('sha256').update(secret).digest('hex')
const listed = (row: ApiKeyRow): ManagedKey => ({
  id: row.key_id,
  name: row.name,
  scope: row.scope as KeyScope,
  created_by: row.created_by,
  created_at: `${row.created_at.replace(' ', 'T')}Z`,
})

export async function createApiKey(
  warehouse: Warehouse,
  input: { tenant: string; name: string; scope: string; createdBy: string },
): Promise<ManagedKey & { key: string }> {
  const name = input.name.trim()
  if (!name || name.length > 100) throw new AccountError('name: expected 1–100 characters')
  if (!KEY_SCOPES.includes(input.scope as KeyScope)) throw new AccountError(`scope: expected one of ${KEY_SCOPES.join(', ')}`)
  // the prefix tells a Pulso key apart in a secret scanner or a config file
  const key = `pulso_${randomBytes(32).toString('base64url')}`
  const row: ApiKeyRow = {
    key_hash: keyHash(key),
    key_id: randomUUID(),
    tenant: input.tenant,
    name,
    scope: input.scope,
    created_by: input.createdBy,
    created_at: new Date().toISOString().replace('T', ' ').replace('Z', ''),
  }
  await saveApiKey(warehouse, row)
  return { ...listed(row), key }
}

export async function listManagedKeys(warehouse: Warehouse, tenant: string): Promise<ManagedKey[]> {
  return (await listApiKeys(warehouse, tenant)).map(listed)
}

/** Revokes the tenant's key `id`; answers the key revoked, or undefined when it has no such live key. */
export async function revokeApiKey(warehouse: Warehouse, tenant: string, id: string): Promise<ManagedKey | undefined> {
  const row = (await listApiKeys(warehouse, tenant)).find((k) => k.key_id === id)
  if (!row) return undefined
  await saveApiKey(warehouse, row, true)
  return listed(row)
}

/** Who a presented secret stands for, if it is a live managed key. */
export async function callerOfManagedKey(warehouse: Warehouse, secret: string): Promise<Caller | undefined> {
  const row = await findApiKeyByHash(warehouse, keyHash(secret))
  return row ? { tenant: row.tenant, kind: 'key', role: row.scope as KeyScope, actor: `key ${row.name} (${row.key_id})` } : undefined
}
