// A worker's health, as GET /healthz reports it (and docker compose's healthcheck reads it): healthy
// only while the worker runs, the group coordinator lists it among the group's members, ClickHouse
// answers, and blocks are being stored. Each part is asked live, with a deadline, and every
// problem is named so that whoever reads the answer knows what to look at.
import { queryRows, type Warehouse } from '../../warehouse/client.ts'
import { withDeadline } from './deadline.ts'
import type { GroupObserver } from './group-observer.ts'

export type HealthReport = {
  status: 'ok' | 'unhealthy'
  /** One line per problem, empty when healthy. */
  problems: string[]
  state: string
  group: { name: string; member: string | null; state: string | null }
  database: { engine: Warehouse['engine']; answers: boolean }
}

/** What the worker knows of itself; the rest is asked of the broker and ClickHouse. */
export type WorkerSelf = {
  state: 'idle' | 'running' | 'draining' | 'stopped'
  group: string
  /** The member id of the worker's last group join; undefined before it and after it left or its consumer crashed. */
  memberId: string | undefined
  /** Why the worker is not a member, when it knows (its consumer crashed and kafkajs restarts it). */
  notMemberBecause: string | undefined
  /** Set while storing a block fails (it is retried): since when, and the last error. */
  storeFailure: { since: number; operation: string; error: string } | undefined
}

export async function checkHealth(self: WorkerSelf, observer: GroupObserver, warehouse: Warehouse, deadlineMs = 3_000, now = Date.now): Promise<HealthReport> {
  const [group, database] = await Promise.all([checkGroup(self, observer), checkDatabase(warehouse, deadlineMs)])
  const problems = [
    ...(self.state === 'running' ? [] : [`the worker is ${self.state === 'idle' ? 'starting' : self.state}`]),
    ...group.problems,
    ...database.problems,
    ...(self.storeFailure
      ? [
          `storing blocks has failed for ${Math.round((now() - self.storeFailure.since) / 1000)} s (${self.storeFailure.operation}, retried): ${self.storeFailure.error}`,
        ]
      : []),
  ]
  return {
    status: problems.length ? 'unhealthy' : 'ok',
    problems,
    state: self.state,
    group: { name: self.group, member: self.memberId ?? null, state: group.state },
    database: { engine: warehouse.engine, answers: database.problems.length === 0 },
  }
}

async function checkGroup(self: WorkerSelf, observer: GroupObserver): Promise<{ state: string | null; problems: string[] }> {
  const name = `consumer group ${self.group}`
  let membership: Awaited<ReturnType<GroupObserver['membership']>>
  try {
    membership = await observer.membership()
  } catch (error) {
    return { state: null, problems: [`${name}: the broker does not answer (${(error as Error).message})`] }
  }
  if (!self.memberId)
    return { state: membership.state, problems: [`${name}: this worker is not a member${self.notMemberBecause ? ` (${self.notMemberBecause})` : ' yet'}`] }
  if (!membership.memberIds.includes(self.memberId)) {
    return {
      state: membership.state,
      problems: [
        `${name}: the coordinator does not list this worker (${self.memberId}) among the group's ${membership.memberIds.length} members (group ${membership.state}); it was dropped and has not joined again`,
      ],
    }
  }
  return { state: membership.state, problems: [] }
}

async function checkDatabase(warehouse: Warehouse, deadlineMs: number): Promise<{ problems: string[] }> {
  try {
    const answer = queryRows(warehouse, 'SELECT 1', {}, { signal: AbortSignal.timeout(deadlineMs) })
    await withDeadline(answer, deadlineMs, 'SELECT 1')
    return { problems: [] }
  } catch (error) {
    return { problems: [`database (${warehouse.engine}): ${(error as Error).message}`] }
  }
}
