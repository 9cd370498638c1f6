// Unanswered questions for the weekly review: the warehouse groups fallbacks by normalised text
// (fct_fallback_questions); here near-duplicates that normalisation leaves apart ("tienen tienda
// en monterrey" / "tienen tiendas en monterrey") are merged by string similarity.
import type { QuestionGroup } from '../definitions/api.ts'
import type { QuestionGroupRow } from '../warehouse/repositories/review.ts'

/** Levenshtein distance, two rows of the table at a time. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[b.length]!
}

/** 1 for identical texts, 0 for nothing in common: the larger of character and word similarity. */
export function similarity(a: string, b: string): number {
  const chars = 1 - editDistance(a, b) / Math.max(a.length, b.length, 1)
  const wordsA = new Set(a.split(' ').filter(Boolean))
  const wordsB = new Set(b.split(' ').filter(Boolean))
  const shared = [...wordsA].filter((w) => wordsB.has(w)).length
  const words = shared / Math.max(1, new Set([...wordsA, ...wordsB]).size)
  return Math.max(chars, words)
}

/** A group of one week's questions, before it is compared with the week before. */
export type MergedQuestions = Omit<QuestionGroup, 'fallbacks_previous_week'>

/**
 * Greedy merge, most frequent first: a group joins the first earlier group whose representative
 * is at least `threshold` similar. The representative is the most frequent normalised text.
 */
export function mergeNearDuplicates(rows: QuestionGroupRow[], threshold = 0.85): MergedQuestions[] {
  const sorted = [...rows].sort((a, b) => b.fallbacks - a.fallbacks || a.question_normalized.localeCompare(b.question_normalized))
  const groups: MergedQuestions[] = []
  for (const row of sorted) {
    const target = groups.find((g) => similarity(g.question, row.question_normalized) >= threshold)
    if (target) {
      target.fallbacks += row.fallbacks
      // a conversation may ask two variants; the sum can count it twice, so it is an upper bound
      target.conversations += row.conversations
      target.variants.push(row.question_normalized)
      target.examples = [...new Set([...target.examples, ...row.examples])].slice(0, 5)
      target.use_cases = [...new Set([...target.use_cases, ...row.use_cases])].sort()
    } else {
      groups.push({
        question: row.question_normalized,
        fallbacks: row.fallbacks,
        conversations: row.conversations,
        variants: [row.question_normalized],
        examples: row.examples.slice(0, 5),
        use_cases: [...row.use_cases],
      })
    }
  }
  return groups.sort((a, b) => b.fallbacks - a.fallbacks || a.question.localeCompare(b.question))
}

/**
 * Another week's fallbacks per group (the weekly review's trend): a question of that week counts
 * for the first group that lists it among its variants or whose representative it is near, as
 * `mergeNearDuplicates` would have merged it; a question near no group counts for none.
 */
export function fallbacksPerGroup(groups: MergedQuestions[], rows: QuestionGroupRow[], threshold = 0.85): number[] {
  const counts = groups.map(() => 0)
  for (const row of rows) {
    const i = groups.findIndex((g) => g.variants.includes(row.question_normalized) || similarity(g.question, row.question_normalized) >= threshold)
    if (i >= 0) counts[i]! += row.fallbacks
  }
  return counts
}
