// Data of the Weekly review page: GET /v1/review for the week, then the week before for the
// trend of each unanswered question.
import type { Api, WeeklyReview } from '../lib/api.ts'

export function loadReview(api: Api, week: string): Promise<WeeklyReview> {
  return api.review(week)
}

/** Fallbacks per normalised question in a week, for comparing with the week before. */
export async function loadQuestionCounts(api: Api, week: string): Promise<Map<string, number>> {
  const review = await api.review(week)
  return new Map(review.unanswered_questions.groups.map((g) => [g.question, g.fallbacks]))
}

export function reviewCsv(api: Api, week: string): Promise<string> {
  return api.reviewCsv(week)
}
