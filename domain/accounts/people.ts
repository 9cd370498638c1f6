// An admin's management of a tenant's people: who has which role, changing a role, removing a
// person from the tenant (their sessions there end at once). Each change is in the audit log.
import { appendAudit } from '../../warehouse/repositories/audit-log.ts'
import { findRole, listTenantPeople, saveRole } from '../../warehouse/repositories/people.ts'
import { endSessionsOf } from '../../warehouse/repositories/sessions.ts'
import { AccountError, type Accounts, type ChangedBy, normalizeEmail } from './accounts.ts'
import { PERSON_ROLES, type PersonRole } from './roles.ts'

export type TenantMember = { email: string; name: string; role: PersonRole }

/** The person has no role in the tenant (never had, or was removed). */
export class PersonNotFound extends Error {
  override name = 'PersonNotFound'
}

export async function listPeople(accounts: Accounts, tenant: string): Promise<TenantMember[]> {
  return (await listTenantPeople(accounts.warehouse, tenant)) as TenantMember[]
}

/** A tenant keeps at least one admin person: otherwise nobody could manage its people from the dashboard. */
async function refuseLastAdmin(accounts: Accounts, tenant: string, email: string, what: string): Promise<void> {
  const admins = (await listPeople(accounts, tenant)).filter((p) => p.role === 'admin')
  if (admins.length === 1 && admins[0]!.email === email)
    throw new AccountError(`${email} is the last admin of tenant ${tenant}: ${what} would leave it without one`)
}

export async function changeRole(accounts: Accounts, tenant: string, emailGiven: string, role: string, by: ChangedBy): Promise<TenantMember> {
  const email = normalizeEmail(emailGiven)
  if (!PERSON_ROLES.includes(role as PersonRole)) throw new AccountError(`role: expected one of ${PERSON_ROLES.join(', ')}, got '${role}'`)
  const current = await findRole(accounts.warehouse, tenant, email)
  if (!current) throw new PersonNotFound(`${email} has no role in tenant ${tenant}`)
  if (current === 'admin' && role !== 'admin') await refuseLastAdmin(accounts, tenant, email, 'changing their role')
  if (current !== role) {
    await saveRole(accounts.warehouse, tenant, email, role)
    await appendAudit(accounts.warehouse, { tenant_id: tenant, ...by, action: 'update', object_kind: 'person', object_id: email })
    accounts.logger?.info({ tenant, email, role, by: by.actor }, 'role changed')
  }
  const person = (await listPeople(accounts, tenant)).find((p) => p.email === email)!
  return person
}

/** Removes the person's role in the tenant and ends their sessions there; their account stays for other tenants. */
export async function removePerson(accounts: Accounts, tenant: string, emailGiven: string, by: ChangedBy, now = new Date()): Promise<void> {
  const email = normalizeEmail(emailGiven)
  const current = await findRole(accounts.warehouse, tenant, email)
  if (!current) throw new PersonNotFound(`${email} has no role in tenant ${tenant}`)
  if (current === 'admin') await refuseLastAdmin(accounts, tenant, email, 'removing them')
  await saveRole(accounts.warehouse, tenant, email, current, true)
  const ended = await endSessionsOf(accounts.warehouse, tenant, email, now)
  await appendAudit(accounts.warehouse, { tenant_id: tenant, ...by, action: 'delete', object_kind: 'person', object_id: email })
  accounts.logger?.info({ tenant, email, sessions_ended: ended, by: by.actor }, 'person removed')
}
