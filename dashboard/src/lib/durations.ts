// Which unit a duration is written in: seconds up to two minutes, minutes up to two hours, then
// hours. A chart axis picks the unit of its largest tick for all its labels, so one axis never
// mixes "100 sec" with "3.3 min".
export const DURATION_UNIT_SECONDS = { second: 1, minute: 60, hour: 3600 } as const
export type DurationUnit = keyof typeof DURATION_UNIT_SECONDS

/** The unit for a duration of this many seconds (or for an axis whose largest value it is). */
export function durationUnit(seconds: number): DurationUnit {
  const abs = Math.abs(seconds)
  if (abs < 120) return 'second'
  if (abs < 7200) return 'minute'
  return 'hour'
}
