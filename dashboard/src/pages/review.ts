// Data of the Weekly review page: GET /v1/review for the week, then the week before for the
// trend of each unanswered question.
import type { Api, WeeklyReview } from '../lib/api.ts'


/** null: the review API is not on this server (yet). */
export async function loadReview(api: Api, week: string): Promise<WeeklyReview | null> {
  const answer = await api.review(week)
  return answer.available ? answer.data : null
}

/** Fallbacks per normalised question in a week, for comparing with the week before. */
export async function loadQuestionCounts(api: Api, week: string): Promise<Map<string, number>> {
  const answer = await api.review(week)
  if (!answer.available) return new Map()
  return new Map(answer.data.unanswered_questions.groups.map((g) => [g.question, g.fallbacks]))
}

export function reviewCsv(api: Api, week: string): Promise<string> {
  return api.reviewCsv(week)
}

