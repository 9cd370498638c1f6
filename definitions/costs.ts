// How cost is split in the cost composition (dbt-like-models/marts/fct_cost_composition.sql): by
// what was paid for (the cost event's component) or by WhatsApp's pricing category. Plain data, so
// the dashboard's bundle takes it too.

/** `by=` of GET /v1/costs and `pulso costs`. */
export const COST_SPLITS = ['component', 'category'] as const
export type CostSplit = (typeof COST_SPLITS)[number]

/** The parts of each split, in the contract's order; a category part of null is a cost without a category. */
export const COST_PARTS = {
  component: ['whatsapp', 'llm', 'agent', 'other'],
  category: ['service', 'utility', 'marketing', 'authentication', null],
} as const satisfies Record<CostSplit, readonly (string | null)[]>
