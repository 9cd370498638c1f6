// The pricing market of a WhatsApp number: Meta prices by the recipient's country calling code.
import type { PriceTable, WhatsAppPriceCategory } from '../../config/whatsapp.ts'

// Calling code → ISO 3166 market. Longest prefix wins (e.g. 1 is North America).
const CALLING_CODE_LIST: [string, string][] = [
  ['1', 'US'],
  ['7', 'RU'],
  ['20', 'EG'],
  ['27', 'ZA'],
  ['31', 'NL'],
  ['33', 'FR'],
  ['34', 'ES'],
  ['39', 'IT'],
  ['44', 'GB'],
  ['49', 'DE'],
  ['51', 'PE'],
  ['52', 'MX'],
  ['54', 'AR'],
  ['55', 'BR'],
  ['56', 'CL'],
  ['57', 'CO'],
  ['60', 'MY'],
  ['62', 'ID'],
  ['90', 'TR'],
  ['91', 'IN'],
  ['92', 'PK'],
  ['234', 'NG'],
  ['966', 'SA'],
  ['971', 'AE'],
  ['972', 'IL'],
  ['502', 'GT'],
  ['503', 'SV'],
  ['506', 'CR'],
  ['507', 'PA'],
  ['593', 'EC'],
  ['598', 'UY'],
]
const CALLING_CODES = [...CALLING_CODE_LIST].sort((a, b) => b[0].length - a[0].length)

/** The market (ISO 3166 code) of a phone number or wa_id, or 'default' when unknown. */
export function marketOf(phone: string | undefined): string {
  const digits = (phone ?? '').replace(/\D/g, '')
  if (!digits) return 'default'
  return CALLING_CODES.find(([code]) => digits.startsWith(code))?.[1] ?? 'default'
}

/** Meta's pricing categories folded onto the four of the event contract. */
export function contractCategory(category: string | undefined): WhatsAppPriceCategory | undefined {
  switch (category) {
    case 'marketing':
    case 'marketing_lite':
      return 'marketing'
    case 'utility':
      return 'utility'
    case 'authentication':
    case 'authentication_international':
      return 'authentication'
    case 'service':
    case 'referral_conversion':
      return 'service'
    default:
      return undefined
  }
}

/** The price of one billable message: the market's price for the category, else the default market's. */
export function priceOf(table: PriceTable, market: string, category: WhatsAppPriceCategory): number {
  return table.markets[market]?.[category] ?? table.markets.default?.[category] ?? 0
}
