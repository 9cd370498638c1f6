import { describe, expect, it } from 'vitest'
import { editDistance, fallbacksPerGroup, mergeNearDuplicates, similarity } from './questions.ts'

const row = (question_normalized: string, fallbacks: number, examples: string[] = [question_normalized]) => ({
  question_normalized,
  fallbacks,
  conversations: fallbacks,
  examples,
  use_cases: ['faq'],
})

describe('unanswered questions: near-duplicates merged', () => {
  it('edit distance counts single-character edits', () => {
    expect(editDistance('tienda', 'tiendas')).toBe(1)
    expect(editDistance('kitten', 'sitting')).toBe(3)
  })

  it('a plural or a typo merges; a different question does not', () => {
    const groups = mergeNearDuplicates([
      row('tienen tienda en monterrey', 7, ['¿Tienen tienda en Monterrey?']),
      row('tienen tiendas en monterrey', 2, ['tienen tiendas en monterrey??']),
      row('hacen envios a estados unidos', 4),
      row('hacen envios a estados unidso', 1),
      row('como uso mi cupon de descuento', 3),
    ])
    // 7 + 2 = 9 and 4 + 1 = 5 after merging; the coupon question stays alone
    expect(groups.map((g) => [g.question, g.fallbacks])).toEqual([
      ['tienen tienda en monterrey', 9],
      ['hacen envios a estados unidos', 5],
      ['como uso mi cupon de descuento', 3],
    ])
    expect(groups[0]!.variants).toEqual(['tienen tienda en monterrey', 'tienen tiendas en monterrey'])
    expect(groups[0]!.examples).toEqual(['¿Tienen tienda en Monterrey?', 'tienen tiendas en monterrey??'])
  })

  it('similarity of unrelated questions is low', () => {
    expect(similarity('puedo pagar en efectivo al recibir', 'tienen tienda en monterrey')).toBeLessThan(0.5)
  })

  it("counts the week before's fallbacks in this week's groups, by variant or by near text", () => {
    const groups = mergeNearDuplicates([row('tienen tienda en monterrey', 7), row('tienen tiendas en monterrey', 2), row('como uso mi cupon de descuento', 3)])
    const lastWeek = [
      row('tienen tiendas en monterrey', 4), // a variant of the first group
      row('tienen tienda en monterey', 1), // near its representative: a typo
      row('como uso mi cupon', 2), // too far from the coupon question (similarity < 0.85)
      row('puedo pagar en efectivo al recibir', 5), // in no group
    ]
    // first group: 4 + 1 = 5; coupon question: 0
    expect(fallbacksPerGroup(groups, lastWeek)).toEqual([5, 0])
  })
})
