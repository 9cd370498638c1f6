// What a batch touched crosses from a preparing thread as plain arrays; it must come back whole,
// or a bulk refresh recomputes conversations it already recomputes with their customers.
import { describe, expect, it } from 'vitest'
import { TouchedConversations } from './touched-conversations.ts'

describe('touched conversations', () => {
  it('keep through toJSON/fromJSON which conversations a customer reaches', () => {
    const touched = new TouchedConversations()
    touched.add('acme', 'c1', 'ph_1')
    touched.add('acme', 'c2', null)
    touched.add('acme', 'auto', 'ph_2')
    touched.add('beta', 'c9', null)
    const back = TouchedConversations.fromJSON(touched.toJSON())
    expect(back.toJSON()).toEqual(touched.toJSON())
    expect(back.conversationsWithoutCustomer('acme')).toEqual(['c2'])
    expect(back.conversationsWithoutCustomer('beta')).toEqual(['c9'])
    expect(back.count).toBe(touched.count)
  })

  it('merge several shares of one block', () => {
    const first = new TouchedConversations()
    first.add('acme', 'c1', 'ph_1')
    const second = new TouchedConversations()
    second.add('acme', 'c1', null)
    second.add('acme', 'c3', null)
    const merged = TouchedConversations.fromJSON(first.toJSON(), second.toJSON())
    expect(merged.conversationsWithoutCustomer('acme')).toEqual(['c3'])
  })
})
