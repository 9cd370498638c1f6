// Writes a change made over the API to the audit log: who (the caller of the request), what, and
// from where (the client's address, as the sign-in lock sees it).
import type { Context } from 'hono'
import type { ChangedBy } from '../domain/accounts/accounts.ts'
import { type AuditEntry, appendAudit } from '../warehouse/repositories/audit-log.ts'
import { clientAddress } from './client-address.ts'
import type { AuthVariables } from './middleware/auth.ts'

export async function audit(
  c: Context<{ Variables: AuthVariables }>,
  action: AuditEntry['action'],
  objectKind: AuditEntry['object_kind'],
  objectId: string,
): Promise<void> {
  const accounts = c.get('accounts')
  // routes mounted without the app (a route's own test) have no accounts and keep no log
  if (!accounts) return
  const caller = c.get('apiKey')
  await appendAudit(accounts.warehouse, {
    tenant_id: caller.tenant,
    actor_kind: caller.kind,
    actor: caller.actor,
    action,
    object_kind: objectKind,
    object_id: objectId,
    address: clientAddress(c, accounts.settings.trustProxy),
  })
}

/** Who makes this request's change, as a domain operation that writes its own audit row wants it. */
export function changedBy(c: Context<{ Variables: AuthVariables }>, trustProxy: boolean): ChangedBy {
  const caller = c.get('apiKey')
  return { actor_kind: caller.kind, actor: caller.actor, address: clientAddress(c, trustProxy) }
}
