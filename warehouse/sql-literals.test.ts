// What the quoting helpers write is read back by ClickHouse (embedded chDB) as the very text given.
import { query } from 'chdb'
import { describe, expect, it } from 'vitest'
import { sqlIdentifier, sqlString, sqlValue } from './sql-literals.ts'

const TRICKY = ["it's", 'back\\slash', "\\'", "''", 'tab\there\nnew line', 'ñandú ✓', '`tick`', '']

describe('SQL literals', () => {
  it('a string literal reads back as the same text', () => {
    const rows = JSON.parse(query(`SELECT [${TRICKY.map(sqlString).join(', ')}] AS v`, 'JSON')).data as { v: string[] }[]
    expect(rows[0]!.v).toEqual(TRICKY)
  })

  it('a number stays a number, anything else becomes a string', () => {
    expect(JSON.parse(query(`SELECT ${sqlValue(42)} AS n, toTypeName(n) AS t, ${sqlValue("o'k")} AS s`, 'JSONEachRow'))).toEqual({
      n: 42,
      t: 'UInt8',
      s: "o'k",
    })
  })

  it('an identifier names exactly that column', () => {
    const name = 'weird `name` here'
    expect(JSON.parse(query(`SELECT 1 AS ${sqlIdentifier(name)}`, 'JSONEachRow'))).toEqual({ [name]: 1 })
  })
})
