// Amounts (`cost.amount`, `conversion.value`) as the events table stores them: Decimal(18, 6),
// at most 12 digits before the point and 6 after. The contract accepts exactly what the column
// holds, and hands the amount on as decimal text, so no amount passes through a float on its way
// to ClickHouse (which parses the text into the decimal exactly).
//
// Decimal text ("12.50") is taken digit for digit. A JSON number has already been read as a
// double by the JSON parser; it is stored as its shortest decimal form (what JavaScript prints),
// which is the number the producer wrote whenever that had at most 15 significant digits (a
// double tells every such number apart). A number whose shortest form needs more digits may not
// be what the producer wrote, and is refused with the advice to send it as text.

export const DECIMAL_INTEGER_DIGITS = 12
export const DECIMAL_FRACTION_DIGITS = 6
/** Significant digits a double keeps for every decimal number (DBL_DIG). */
const DOUBLE_DIGITS = 15

/** The form of decimal text: digits, optionally a point and more digits; a sign only for zero. */
export const DECIMAL_TEXT_PATTERN = /^-?\d+(\.\d+)?$/

const COLUMN = `Decimal(${DECIMAL_INTEGER_DIGITS + DECIMAL_FRACTION_DIGITS}, ${DECIMAL_FRACTION_DIGITS})`

/** Decimal text without a sign, split into integer digits and fraction digits. */
type Digits = { integer: string; fraction: string; negative: boolean }

function digitsOf(value: unknown): Digits | undefined {
  let text: string
  if (typeof value === 'string') {
    if (!DECIMAL_TEXT_PATTERN.test(value)) return undefined
    text = value
  } else if (typeof value === 'number' && Number.isFinite(value)) {
    text = numberText(value)
  } else {
    return undefined
  }
  const negative = text.charCodeAt(0) === 45 /* - */
  const point = text.indexOf('.')
  const start = negative ? 1 : 0
  let integer = point === -1 ? text.slice(start) : text.slice(start, point)
  let fraction = point === -1 ? '' : text.slice(point + 1)
  // leading zeros of the integer part and trailing zeros of the fraction say nothing
  let from = 0
  while (from < integer.length - 1 && integer.charCodeAt(from) === 48) from++
  integer = integer.slice(from)
  let to = fraction.length
  while (to > 0 && fraction.charCodeAt(to - 1) === 48) to--
  fraction = fraction.slice(0, to)
  return { integer, fraction, negative: negative && (integer !== '0' || fraction !== '') }
}

/** A finite number as plain decimal digits (no exponent): its shortest form, expanded. */
function numberText(value: number): string {
  const text = String(value)
  const e = text.indexOf('e')
  if (e === -1) return text
  // 1e21 and up, 1e-7 and down print as d.ddde±x: expand them so the digits can be counted
  const sign = value < 0 ? '-' : ''
  const digits = text.slice(sign.length, e).replace('.', '')
  const pointAt = 1 + Number(text.slice(e + 1)) // digits before the decimal point
  return sign + (pointAt <= 0 ? `0.${'0'.repeat(-pointAt)}${digits}` : digits.padEnd(pointAt, '0'))
}

function significantDigits({ integer, fraction }: Digits): number {
  const all = (integer === '0' ? '' : integer) + fraction
  let from = 0
  while (from < all.length && all.charCodeAt(from) === 48) from++
  return all.length - from
}

/** Why `value` is not an amount the column holds, or undefined when it is one. */
export function decimalProblem(value: unknown): string | undefined {
  const digits = digitsOf(value)
  if (!digits) return 'expected a decimal number'
  if (digits.negative) return 'must be ≥ 0'
  if (digits.integer.length > DECIMAL_INTEGER_DIGITS) {
    return `at most ${DECIMAL_INTEGER_DIGITS} digits before the decimal point (amounts are stored as ${COLUMN}), got ${describe(value)}`
  }
  if (digits.fraction.length > DECIMAL_FRACTION_DIGITS) {
    return `at most ${DECIMAL_FRACTION_DIGITS} decimal places (amounts are stored as ${COLUMN}), got ${describe(value)}`
  }
  if (typeof value === 'number' && significantDigits(digits) > DOUBLE_DIGITS) {
    return `a JSON number keeps ${DOUBLE_DIGITS} significant digits exactly; send this amount as decimal text, e.g. "${decimalText(digits)}"`
  }
  return undefined
}

/** The amount as decimal text for the column ("12.5", "0"), or undefined when it is not one it holds. */
export function toDecimalText(value: unknown): string | undefined {
  if (decimalProblem(value) !== undefined) return undefined
  return decimalText(digitsOf(value)!)
}

function decimalText({ integer, fraction }: Digits): string {
  return fraction === '' ? integer : `${integer}.${fraction}`
}

function describe(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : numberText(value as number)
  return text.length > 40 ? `${text.slice(0, 40)}… (${text.length} characters)` : text
}
