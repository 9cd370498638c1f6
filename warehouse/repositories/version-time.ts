// Versioned registry rows (goals, use cases) are ordered by updated_at: two writes in the same
// millisecond from this process still get increasing times, so the later one wins.
let last = 0

/** An increasing UTC timestamp in ClickHouse's DateTime64(3) text form. */
export function nextVersionTime(): string {
  last = Math.max(Date.now(), last + 1)
  return new Date(last).toISOString().replace('T', ' ').replace('Z', '')
}
