// The unit rule for durations: one unit per value, and per chart axis from its largest tick.
import { describe, expect, it } from 'vitest'
import { durationUnit } from './durations.ts'

describe('durationUnit', () => {
  it('writes under two minutes in seconds, under two hours in minutes, the rest in hours', () => {
    expect([0, 59, 119.9].map(durationUnit)).toEqual(['second', 'second', 'second'])
    expect([120, 200, 7199].map(durationUnit)).toEqual(['minute', 'minute', 'minute'])
    expect([7200, 90_000].map(durationUnit)).toEqual(['hour', 'hour'])
  })

  it("gives a whole axis its largest tick's unit: ticks 0, 50, 100, 150, 200 s are all minutes", () => {
    // the axis of a handoff wait that reached 3.3 min once read "100 sec" beside "3.3 min"
    const axis = [0, 50, 100, 150, 200]
    expect(durationUnit(Math.max(...axis))).toBe('minute')
  })

  it('treats a negative change like its size', () => {
    expect(durationUnit(-300)).toBe('minute')
  })
})
