// Timestamps leave the warehouse as ISO 8601 with their zone: ClickHouse writes a DateTime64 as
// `YYYY-MM-DD hh:mm:ss.sss` without one, which a client would read in its own zone.

/** `2026-11-29 16:33:19.993` of a UTC column → `2026-11-29T16:33:19.993Z`; a value already ISO stays as it is. */
export function utcIso(value: string): string
export function utcIso(value: string | null): string | null
export function utcIso(value: string | null): string | null {
  if (value === null) return null
  return value.includes('T') ? value : `${value.replace(' ', 'T')}Z`
}
