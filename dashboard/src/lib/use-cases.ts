// The rows of the use-case scorecard (GET /v1/use-cases/scorecard): a registered use case by its
// name, or one of the two rows the registry keeps for conversations outside it.
import { t } from './i18n.svelte.ts'

export const OUTSIDE_ROW = '(outside)'
export const NO_CUSTOMER_MESSAGE_ROW = '(no customer message)'

/** A scorecard row's name as the page shows it: the two rows outside the registry are translated. */
export function scorecardRowName(useCase: string): string {
  if (useCase === OUTSIDE_ROW) return t('ops.outside')
  if (useCase === NO_CUSTOMER_MESSAGE_ROW) return t('ops.noCustomerMessage')
  return useCase
}
