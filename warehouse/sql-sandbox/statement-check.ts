// Judges a data team's statement from ClickHouse's own reading of it: the parse tree of
// `EXPLAIN AST` (before anything runs) and the resolved tree of `EXPLAIN QUERY TREE` (every
// name bound to a real table, CTE or table function by the analyzer). Nothing here looks
// at the SQL text itself, so comments, quoting, case and aliases cannot hide a table.

/** System tables that say nothing about any tenant: constants and the engine's vocabulary. */
export const ALLOWED_SYSTEM_TABLES = new Set([
  'one',
  'numbers',
  'numbers_mt',
  'zeros',
  'zeros_mt',
  'functions',
  'table_functions',
  'formats',
  'data_type_families',
  'time_zones',
  'aggregate_function_combinators',
])

/** Table functions that generate rows in memory; every other one reaches files, URLs, other
 * tables or other databases (file, url, s3, remote, merge, mysql, view, dictionary, input…). */
export const ALLOWED_TABLE_FUNCTIONS = new Set(['numbers', 'numbers_mt', 'zeros', 'zeros_mt', 'generate_series', 'generateseries', 'values', 'primes'])

/** Ordinary functions that read outside the query's tables: files on the host, dictionaries,
 * Join tables, model files, or other tables' schemas. Compared in lower case. */
const BLOCKED_FUNCTIONS = new Set([
  'file',
  'joinget',
  'joingetornull',
  'catboostevaluate',
  'naivebayesclassifier',
  'evalmlmethod',
  'hascolumnintable',
  'getserversetting',
  'getmergetreesetting',
  'filesystemavailable',
  'filesystemcapacity',
  'filesystemunreserved',
])

/** Introspection functions: they read the server process's own memory and binary. Compared in lower case. */
const INTROSPECTION_FUNCTIONS = new Set(['addresstoline', 'addresstolinewithinlines', 'addresstosymbol', 'demangle'])

/** Why an ordinary function is refused, or undefined when it may run. */
function functionRefusal(name: string): string | undefined {
  const lower = name.toLowerCase()
  if (BLOCKED_FUNCTIONS.has(lower) || lower.startsWith('dict')) return `function ${name}() is not allowed: it reads outside your tenant's relations`
  if (INTROSPECTION_FUNCTIONS.has(lower)) return `function ${name}() is not allowed: it reads the server's own memory`
  return undefined
}

/** The refusal of a SETTINGS clause, wherever it is found. */
export const SETTINGS_REFUSAL = 'a SETTINGS clause is not allowed: settings and limits are fixed by Pulso'

export type AstContext = {
  /** Every database on the server: an identifier `db.x` that starts with one is refused. */
  databases: Set<string>
  /** Parameterized views of the tenant's sandbox, which are called like table functions. */
  parameterizedViews: Set<string>
}

type Node = { depth: number; type: string; rest: string }

function parseTree(lines: string[]): Node[] {
  return lines
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const match = /^(\s*)(\S+)\s*(.*)$/.exec(line)!
      return { depth: match[1]!.length, type: match[2]!, rest: match[3]! }
    })
}

/** Reasons to refuse a statement, from its `EXPLAIN AST` lines; empty when it may go on. */
export function refusalsFromAst(lines: string[], context: AstContext): string[] {
  const nodes = parseTree(lines)
  const reasons: string[] = []
  const top = nodes[0]
  if (top?.type !== 'SelectWithUnionQuery') {
    return [`only a SELECT statement is allowed; this statement is ${top ? top.type.replace(/Query$/, '') : 'empty'}`]
  }
  if (!/^\(children 1\)$/.test(top.rest)) {
    reasons.push('FORMAT, INTO OUTFILE and SETTINGS clauses are not allowed: choose the output with the `format` field; limits are fixed by Pulso')
  }
  const stack: Node[] = []
  for (const node of nodes) {
    while (stack.length && stack[stack.length - 1]!.depth >= node.depth) stack.pop()
    const parent = stack[stack.length - 1]
    stack.push(node)
    const name = node.rest.split(' ')[0] ?? ''
    if (node.type === 'Set') reasons.push(SETTINGS_REFUSAL)
    if (node.type === 'Function') {
      if (parent?.type === 'TableExpression') {
        if (!ALLOWED_TABLE_FUNCTIONS.has(name.toLowerCase()) && !context.parameterizedViews.has(name)) {
          reasons.push(
            `table function ${name}() is not allowed: it reads outside your tenant's relations (allowed: ${[...ALLOWED_TABLE_FUNCTIONS].join(', ')})`,
          )
        }
      } else {
        const refusal = functionRefusal(name)
        if (refusal) reasons.push(refusal)
      }
    }
    if (node.type === 'TableIdentifier') reasons.push(...tableIdentifierRefusals(name))
    if (node.type === 'Identifier' && name.includes('.')) {
      const first = name.split('.')[0]!.replace(/^`|`$/g, '')
      if (context.databases.has(first))
        reasons.push(`${name} names the database ${first}: read relations by their bare name (fct_conversations, not ${first}.fct_conversations)`)
    }
  }
  return [...new Set(reasons)]
}

function tableIdentifierRefusals(name: string): string[] {
  const dot = name.indexOf('.')
  if (dot === -1) return []
  const database = name.slice(0, dot).replace(/^`|`$/g, '')
  const table = name.slice(dot + 1).replace(/^`|`$/g, '')
  if (database === 'system' && ALLOWED_SYSTEM_TABLES.has(table)) return []
  if (database === 'system') return [`system.${table} is not allowed (allowed system tables: ${[...ALLOWED_SYSTEM_TABLES].join(', ')})`]
  return [`${name}: read relations by their bare name (${table}, not ${database}.${table}); only your tenant's relations are visible`]
}

/** Reasons to refuse a statement, from its `EXPLAIN QUERY TREE` lines: every table the analyzer
 * resolved must be one of the tenant's sandbox views or an allowed system table. */
export function refusalsFromQueryTree(lines: string[], sandboxDatabase: string): string[] {
  const reasons: string[] = []
  for (const { type, rest } of parseTree(lines)) {
    if (type === 'TABLE') {
      const table = /table_name: ([^,\s]+)/.exec(rest)?.[1]
      if (!table) continue
      const [database, name] = [table.slice(0, table.indexOf('.')), table.slice(table.indexOf('.') + 1)]
      if (database === sandboxDatabase) continue
      if (database === 'system' && ALLOWED_SYSTEM_TABLES.has(name)) continue
      reasons.push(`${table} is outside your tenant's relations`)
    }
    if (type === 'TABLE_FUNCTION') {
      const fn = /table_function_name: ([^,\s]+)/.exec(rest)?.[1] ?? ''
      if (!ALLOWED_TABLE_FUNCTIONS.has(fn.toLowerCase())) reasons.push(`table function ${fn}() is not allowed`)
    }
    if (type === 'FUNCTION') {
      const refusal = functionRefusal(/function_name: ([^,\s]+)/.exec(rest)?.[1] ?? '')
      if (refusal) reasons.push(refusal)
    }
  }
  return [...new Set(reasons)]
}
