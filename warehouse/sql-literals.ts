// Text written into a SQL statement where a bound parameter cannot go (DDL, SETTINGS, a table
// function's arguments, a parameterized view's arguments). Everywhere else values are bound.

/** A ClickHouse string literal: backslashes and single quotes escaped. */
export function sqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
}

/** A number as it is; anything else as a string literal. */
export function sqlValue(value: unknown): string {
  return typeof value === 'number' ? String(value) : sqlString(String(value))
}

/** A quoted identifier (a user, table or policy name): backticks doubled. */
export function sqlIdentifier(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``
}
