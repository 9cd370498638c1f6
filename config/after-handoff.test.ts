// The agents and sla sections of the config file: read into typed settings, bad values refused
// with a message naming where they are.
import { describe, expect, it } from 'vitest'
import { loadAfterHandoffConfig, slaPolicyFor } from './after-handoff.ts'

const fail = (message: string): never => {
  throw new Error(message)
}

describe('after-the-handoff configuration', () => {
  it('reads display names and policies, a policy without its own hours taking the tenant’s', () => {
    const config = loadAfterHandoffConfig(
      {
        agents: { acme: { a7: 'Ana' } },
        sla: {
          acme: {
            business_hours: { days: ['mon', 'fri'], from: '09:00', to: '24:00' },
            policies: [{ queue: 'vip', first_reply_minutes: 5, business_hours: null }, { resolution_minutes: 480 }],
          },
        },
      },
      fail,
    )
    expect(config.agentNames.get('acme')?.get('a7')).toBe('Ana')
    const policies = config.sla.get('acme')!
    expect(policies).toEqual([
      { queue: 'vip', firstReplyMinutes: 5, resolutionMinutes: null, businessHours: null },
      { queue: null, firstReplyMinutes: null, resolutionMinutes: 480, businessHours: { days: ['mon', 'fri'], from: '09:00', to: '24:00' } },
    ])
    // a queue without a policy of its own takes the one without a queue
    expect(slaPolicyFor(policies, 'vip')?.firstReplyMinutes).toBe(5)
    expect(slaPolicyFor(policies, 'general')?.resolutionMinutes).toBe(480)
    expect(slaPolicyFor(policies.slice(0, 1), 'general')).toBeNull()
  })

  it('gives the demo tenant policies and a display name unless the file sets its own', () => {
    const demo = loadAfterHandoffConfig({}, fail, true)
    expect(demo.sla.get('demo')?.map((p) => [p.queue, p.firstReplyMinutes, p.resolutionMinutes])).toEqual([
      ['pagos', 5, 240],
      [null, 10, 480],
    ])
    expect(demo.agentNames.get('demo')?.get('ag_ana')).toBe('Ana G.')
    const own = loadAfterHandoffConfig({ sla: { demo: { policies: [{ first_reply_minutes: 1 }] } } }, fail, true)
    expect(own.sla.get('demo')).toEqual([{ queue: null, firstReplyMinutes: 1, resolutionMinutes: null, businessHours: null }])
    expect(loadAfterHandoffConfig({}, fail, false).sla.size).toBe(0)
  })

  it('refuses what cannot be meant, naming where it is', () => {
    const refused = (sla: unknown) => () => loadAfterHandoffConfig({ sla: { acme: sla } }, fail)
    expect(refused({ policies: [{ queue: 'vip' }] })).toThrow('sla.acme.policies.0: a policy needs first_reply_minutes, resolution_minutes or both')
    expect(refused({ policies: [{ first_reply_minutes: 0 }] })).toThrow('sla.acme.policies.0.first_reply_minutes: must be more than 0')
    expect(refused({ business_hours: { days: ['monday'], from: '09:00', to: '18:00' }, policies: [{ first_reply_minutes: 5 }] })).toThrow(
      'sla.acme.business_hours.days.0: expected one of mon, tue, wed, thu, fri, sat, sun',
    )
    expect(refused({ business_hours: { days: ['mon'], from: '18:00', to: '09:00' }, policies: [{ first_reply_minutes: 5 }] })).toThrow(
      'sla.acme.business_hours.to: `from` must be before `to`',
    )
    expect(refused({ business_hours: { days: ['mon'], from: '9am', to: '18:00' }, policies: [{ first_reply_minutes: 5 }] })).toThrow(
      "sla.acme.business_hours.from: expected a local time 'HH:MM' from 00:00 to 24:00",
    )
    expect(refused({ policies: [{ first_reply_minutes: 5 }, { resolution_minutes: 5 }] })).toThrow(
      'sla.acme.policies: two policies for every other queue (no queue)',
    )
  })
})
