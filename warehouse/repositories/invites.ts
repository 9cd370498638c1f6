// Invites to a tenant, known by the SHA-256 of their token (the token itself is only in the link).
// Every version is kept, the latest per token wins (FINAL); accepting writes one with accepted_at.
import { insertRows, queryRows, type Warehouse } from '../client.ts'
import { nextVersionTime } from './version-time.ts'

export type InviteRow = {
  token_hash: string
  invite_id: string
  tenant: string
  email: string
  role: string
  created_by: string
  created_at: string
  expires_at: string
  accepted_at: string | null
}

export async function saveInvite(warehouse: Warehouse, invite: InviteRow): Promise<void> {
  await insertRows(warehouse, `${warehouse.database}.invites`, [{ ...invite, updated_at: nextVersionTime() }])
}

/** The invite with this token hash, used or not, expired or not (the caller tells them apart). */
export async function findInvite(warehouse: Warehouse, tokenHash: string): Promise<InviteRow | undefined> {
  const [row] = await queryRows<InviteRow>(
    warehouse,
    `SELECT token_hash, invite_id, tenant, email, role, created_by, created_at, expires_at, accepted_at
FROM ${warehouse.database}.invites FINAL WHERE token_hash = {hash:String}`,
    { hash: tokenHash },
  )
  return row
}
