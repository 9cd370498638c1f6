// Sign-in sessions, known by the SHA-256 of their id (the id itself is only in the browser's
// cookie). A session ends when it expires or when a later version says ended = 1 (sign-out).
import { insertRows, queryRows, type Warehouse } from '../client.ts'
import { nextVersionTime } from './version-time.ts'

export type SessionRow = { session_hash: string; tenant: string; email: string; address: string; created_at: string; expires_at: string }

/** ClickHouse's DateTime64(3) text for an instant. */
const clickhouseTime = (at: Date) => at.toISOString().replace('T', ' ').replace('Z', '')

export async function saveSession(
  warehouse: Warehouse,
  session: { hash: string; tenant: string; email: string; address: string; createdAt: Date; expiresAt: Date },
): Promise<void> {
  await insertRows(warehouse, `${warehouse.database}.sessions`, [
    {
      session_hash: session.hash,
      tenant: session.tenant,
      email: session.email,
      address: session.address,
      created_at: clickhouseTime(session.createdAt),
      expires_at: clickhouseTime(session.expiresAt),
      ended: 0,
      updated_at: nextVersionTime(),
    },
  ])
}

/** The session with this hash while it lasts (not ended, not expired at `now`). */
export async function findLiveSession(warehouse: Warehouse, hash: string, now: Date): Promise<SessionRow | undefined> {
  const [row] = await queryRows<SessionRow>(
    warehouse,
    `SELECT session_hash, tenant, email, address, created_at, expires_at FROM ${warehouse.database}.sessions FINAL
WHERE session_hash = {hash:String} AND ended = 0 AND expires_at > {now:DateTime64(3, 'UTC')}`,
    { hash, now: clickhouseTime(now) },
  )
  return row
}

export async function endSession(warehouse: Warehouse, session: SessionRow): Promise<void> {
  await insertRows(warehouse, `${warehouse.database}.sessions`, [{ ...session, ended: 1, updated_at: nextVersionTime() }])
}

/** Ends every live session of the person in the tenant (they were removed from it). Answers how many. */
export async function endSessionsOf(warehouse: Warehouse, tenant: string, email: string, now: Date): Promise<number> {
  const live = await queryRows<SessionRow>(
    warehouse,
    `SELECT session_hash, tenant, email, address, created_at, expires_at FROM ${warehouse.database}.sessions FINAL
WHERE tenant = {tenant:String} AND email = {email:String} AND ended = 0 AND expires_at > {now:DateTime64(3, 'UTC')}`,
    { tenant, email, now: clickhouseTime(now) },
  )
  for (const session of live) await endSession(warehouse, session)
  return live.length
}
