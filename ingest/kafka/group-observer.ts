// What the broker knows about the workers' consumer group, asked for /metrics (the committed lag
// of the partitions a worker owns) and /healthz (is this worker still a member). The worker's own
// view cannot answer either: it knows how far it has read, not what the group committed, and a
// worker the group expelled still believes it owns its partitions until it hears otherwise.
// One admin connection, opened on first use and dropped after a failure so that the next
// question reconnects; every question has a deadline, so neither endpoint hangs without a broker.
import type { Admin, Kafka } from 'kafkajs'
import { withDeadline } from './deadline.ts'

export type PartitionLag = { partition: number; lag: number }
export type GroupMembership = { state: string; memberIds: string[] }

export class GroupObserver {
  private admin: Promise<Admin> | undefined

  constructor(
    private readonly kafka: Kafka,
    private readonly group: string,
    private readonly deadlineMs = 3_000,
  ) {}

  /**
   * High watermark minus the group's committed offset, for each of `partitions` of `topic`: what
   * the group would read again if every worker stopped now. A partition the group never
   * committed counts from its first retained message, where a worker starts reading.
   */
  committedLag(topic: string, partitions: number[]): Promise<PartitionLag[]> {
    return this.ask(`the committed offsets of group ${this.group}`, async (admin) => {
      const [ends, [committed]] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId: this.group, topics: [topic] })])
      const committedOffset = new Map(committed?.partitions.map((p) => [p.partition, Number(p.offset)]))
      return partitions.flatMap((partition) => {
        const end = ends.find((e) => e.partition === partition)
        if (!end) return []
        const offset = committedOffset.get(partition) ?? -1
        return [{ partition, lag: Math.max(0, Number(end.high) - (offset >= 0 ? offset : Number(end.low))) }]
      })
    })
  }

  /** The group's state and its members, as the group coordinator sees them. */
  membership(): Promise<GroupMembership> {
    return this.ask(`the members of group ${this.group}`, async (admin) => {
      const { groups } = await admin.describeGroups([this.group])
      const group = groups.find((g) => g.groupId === this.group)
      return { state: group?.state ?? 'Dead', memberIds: group?.members.map((m) => m.memberId) ?? [] }
    })
  }

  async close(): Promise<void> {
    const admin = this.admin
    this.admin = undefined
    await admin?.then((a) => a.disconnect()).catch(() => undefined)
  }

  private async ask<T>(what: string, question: (admin: Admin) => Promise<T>): Promise<T> {
    this.admin ??= this.connect()
    try {
      return await withDeadline(this.admin.then(question), this.deadlineMs, `Kafka: ${what}`)
    } catch (error) {
      await this.close()
      throw error
    }
  }

  private async connect(): Promise<Admin> {
    // Few retries: a question that fails is asked again at the next scrape or health check.
    const admin = this.kafka.admin({ retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1_000 } })
    await admin.connect()
    return admin
  }
}
