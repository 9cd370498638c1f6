// The audit log: one row per change of a goal, use case, person or key, never rewritten.
import { insertRows, queryRows, type Warehouse } from '../client.ts'

export type AuditEntry = {
  tenant_id: string
  actor_kind: 'person' | 'key' | 'cli'
  actor: string
  action: 'create' | 'update' | 'delete' | 'revoke' | 'accept'
  object_kind: 'goal' | 'use_case' | 'person' | 'key' | 'invite'
  object_id: string
  address: string
}
export type AuditRow = AuditEntry & { at: string }

export async function appendAudit(warehouse: Warehouse, entry: AuditEntry): Promise<void> {
  await insertRows(warehouse, `${warehouse.database}.audit_log`, [entry])
}

/** The tenant's latest changes, newest first. */
export async function listAudit(warehouse: Warehouse, tenant: string, limit: number): Promise<AuditRow[]> {
  return queryRows<AuditRow>(
    warehouse,
    `SELECT tenant_id, at, actor_kind, actor, action, object_kind, object_id, address FROM ${warehouse.database}.audit_log
WHERE tenant_id = {tenant:String} ORDER BY at DESC LIMIT {limit:UInt32}`,
    { tenant, limit },
  )
}
