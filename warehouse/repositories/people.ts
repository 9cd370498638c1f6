// People (email, name, password hash) and their role in each tenant. Every version is kept; the
// latest per key wins (FINAL), a deletion is a version with deleted = 1.
import { insertRows, queryRows, type Warehouse } from '../client.ts'
import { nextVersionTime } from './version-time.ts'

export type PersonRow = { email: string; name: string; password_hash: string }
export type TenantPerson = { email: string; name: string; role: string }

/** The person with this email (lower-cased by the caller), if there is one. */
export async function findPerson(warehouse: Warehouse, email: string): Promise<PersonRow | undefined> {
  const [row] = await queryRows<PersonRow>(
    warehouse,
    `SELECT email, name, password_hash FROM ${warehouse.database}.people FINAL WHERE email = {email:String} AND deleted = 0`,
    { email },
  )
  return row
}

export async function savePerson(warehouse: Warehouse, person: PersonRow): Promise<void> {
  await insertRows(warehouse, `${warehouse.database}.people`, [{ ...person, deleted: 0, updated_at: nextVersionTime() }])
}

/** The person's role in `tenant`, if any (a removed person has none). */
export async function findRole(warehouse: Warehouse, tenant: string, email: string): Promise<string | undefined> {
  const [row] = await queryRows<{ role: string }>(
    warehouse,
    `SELECT role FROM ${warehouse.database}.people_roles FINAL
WHERE tenant = {tenant:String} AND email = {email:String} AND deleted = 0`,
    { tenant, email },
  )
  return row?.role
}

/** Whether an admin removed the person from `tenant` (their latest role there is a deletion). */
export async function wasRemoved(warehouse: Warehouse, tenant: string, email: string): Promise<boolean> {
  const [row] = await queryRows<{ removed: number }>(
    warehouse,
    `SELECT count() AS removed FROM ${warehouse.database}.people_roles FINAL
WHERE tenant = {tenant:String} AND email = {email:String} AND deleted = 1`,
    { tenant, email },
  )
  return Number(row?.removed ?? 0) > 0
}

/** The tenants where the person has a role, by tenant id. */
export async function rolesOf(warehouse: Warehouse, email: string): Promise<{ tenant: string; role: string }[]> {
  return queryRows<{ tenant: string; role: string }>(
    warehouse,
    `SELECT tenant, role FROM ${warehouse.database}.people_roles FINAL WHERE email = {email:String} AND deleted = 0 ORDER BY tenant`,
    { email },
  )
}

export async function saveRole(warehouse: Warehouse, tenant: string, email: string, role: string, deleted = false): Promise<void> {
  await insertRows(warehouse, `${warehouse.database}.people_roles`, [{ tenant, email, role, deleted: deleted ? 1 : 0, updated_at: nextVersionTime() }])
}

/** The tenant's people and their roles, by email. */
export async function listTenantPeople(warehouse: Warehouse, tenant: string): Promise<TenantPerson[]> {
  return queryRows<TenantPerson>(
    warehouse,
    `SELECT r.email AS email, p.name AS name, r.role AS role
FROM (SELECT email, role FROM ${warehouse.database}.people_roles FINAL WHERE tenant = {tenant:String} AND deleted = 0) AS r
INNER JOIN (SELECT email, name FROM ${warehouse.database}.people FINAL WHERE deleted = 0) AS p ON p.email = r.email
ORDER BY email`,
    { tenant },
  )
}
