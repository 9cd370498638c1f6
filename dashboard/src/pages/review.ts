// Data of the Weekly review page: GET /v1/review for the week (each unanswered question carries
// its count in the week before, for the trend).
import type { Api, WeeklyReview } from '../lib/api.ts'

export function loadReview(api: Api, week: string): Promise<WeeklyReview> {
  return api.review(week)
}

export function reviewCsv(api: Api, week: string): Promise<string> {
  return api.reviewCsv(week)
}
