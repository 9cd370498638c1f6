// API keys made by admins, known by the SHA-256 of their secret. Every version is kept; the
// latest per key wins (FINAL), a revocation is a version with revoked = 1.
import { insertRows, queryRows, type Warehouse } from '../client.ts'
import { nextVersionTime } from './version-time.ts'

export type ApiKeyRow = { key_hash: string; key_id: string; tenant: string; name: string; scope: string; created_by: string; created_at: string }

const COLUMNS = 'key_hash, key_id, tenant, name, scope, created_by, created_at'

export async function saveApiKey(warehouse: Warehouse, key: ApiKeyRow, revoked = false): Promise<void> {
  await insertRows(warehouse, `${warehouse.database}.api_keys`, [{ ...key, revoked: revoked ? 1 : 0, updated_at: nextVersionTime() }])
}

/** The live key with this hash, if any. */
export async function findApiKeyByHash(warehouse: Warehouse, hash: string): Promise<ApiKeyRow | undefined> {
  const [row] = await queryRows<ApiKeyRow>(
    warehouse,
    `SELECT ${COLUMNS} FROM ${warehouse.database}.api_keys FINAL WHERE key_hash = {hash:String} AND revoked = 0`,
    { hash },
  )
  return row
}

/** The tenant's live keys, oldest first. */
export async function listApiKeys(warehouse: Warehouse, tenant: string): Promise<ApiKeyRow[]> {
  return queryRows<ApiKeyRow>(
    warehouse,
    `SELECT ${COLUMNS} FROM ${warehouse.database}.api_keys FINAL WHERE tenant = {tenant:String} AND revoked = 0 ORDER BY created_at, key_id`,
    { tenant },
  )
}
