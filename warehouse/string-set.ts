// A large set of strings as a query parameter. ClickHouse turns an Array(String) parameter into a
// literal that the analyzer folds element by element: 50k event ids took seconds to minutes in an
// IN. One String parameter holding a JSON array, read into a set by a subquery, takes ~100 ms,
// and a subquery's set still narrows the primary key (use_index_for_in_with_subqueries).

/** `column IN stringSet('name')` in SQL; bind `name` to stringSetParam(values). */
export function stringSet(param: string): string {
  return `(SELECT arrayJoin(JSONExtract({${param}:String}, 'Array(String)')))`
}

export function stringSetParam(values: Iterable<string>): string {
  return JSON.stringify([...values])
}
