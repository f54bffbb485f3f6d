import { TributaryError, type SourceOffset } from '../../../../plugins/api/index.js';

/**
 * Where query mode is. Reads go in passes: a pass fixes an upper SCN (`upper`) and reads every
 * captured table `AS OF SCN upper` for rows changed after the previous pass's upper (`lower`;
 * null: the first pass, a snapshot of every row). All rows of one transaction share one
 * ORA_ROWSCN, and a page may end inside such a group, so within a table the read continues by
 * keyset after (`scn`, `key`): the last row read, ordered by ORA_ROWSCN then the primary key.
 * `row` counts rows read from the table in this pass and makes the record positions; because
 * the pass reads a fixed flashback point, a resumed pass reads the same rows in the same order.
 *
 * With `query.cursor=timestamp_incrementing` `scn` holds the timestamp column's text and `key`
 * the incrementing column's value, and `upper` the timestamp read at the pass's start.
 */
export interface QueryCursor {
  readonly lower: string | null;
  readonly upper: string;
  readonly table: number;
  readonly scn: string | null;
  readonly key: readonly (string | null)[] | null;
  readonly row: number;
}

export function encodeQueryOffset(c: QueryCursor): SourceOffset {
  return { mode: 'query', lower: c.lower, upper: c.upper, table: c.table, scn: c.scn, key: c.key === null ? null : JSON.stringify(c.key), row: c.row };
}

export function decodeQueryOffset(offset: SourceOffset | null): QueryCursor | null {
  if (!offset) return null;
  if (offset.mode !== 'query' || typeof offset.upper !== 'string' || typeof offset.table !== 'number' || typeof offset.row !== 'number') {
    throw new TributaryError('offsets.invalid', `The stored offset ${JSON.stringify(offset)} is not a query-mode offset; was capture.mode changed? Delete the connector's offsets to start over.`);
  }
  return {
    lower: typeof offset.lower === 'string' ? offset.lower : null, upper: offset.upper, table: offset.table,
    scn: typeof offset.scn === 'string' ? offset.scn : null, key: typeof offset.key === 'string' ? (JSON.parse(offset.key) as (string | null)[]) : null, row: offset.row,
  };
}

/** the position of the `row`-th record of table `table` in the pass up to `upper`: sorts in read order */
export function queryPosition(upper: string, table: number, row: number): string {
  return `${upper.padStart(24, '0')}.${String(table).padStart(4, '0')}.${String(row).padStart(12, '0')}`;
}

/** a delete found by key-set diffing, after every row read of the table in that pass ('D' sorts after the digits) */
export function deletePosition(upper: string, table: number, n: number): string {
  return `${upper.padStart(24, '0')}.${String(table).padStart(4, '0')}.D${String(n).padStart(12, '0')}`;
}

/**
 * The predicate of the next page after (scn, key), as SQL over quoted column names with `?`
 * parameters: `(S > ?) OR (S = ? AND (k1 > ? OR (k1 = ? AND k2 > ?)))`; null key: the first page.
 * Keys compare with the database's own order (the same ORDER BY), never as text here.
 */
/** `k1 > ? OR (k1 = ? AND (k2 > ? ...))` with its parameters: the rows after `key` in key order */
export function keyAfterPredicate(keyColumns: readonly string[], key: readonly (string | null)[]): { sql: string; params: unknown[] } {
  const { sql, params } = keysetPredicate('0', keyColumns, { scn: '0', key });
  // drop the constant SCN comparison keysetPredicate puts in front
  return { sql: sql.slice('(0 > ? OR (0 = ? AND ('.length, -')))'.length), params: params.slice(2) };
}

export function keysetPredicate(scnExpr: string, keyColumns: readonly string[], after: { scn: string; key: readonly (string | null)[] } | null): { sql: string; params: unknown[] } {
  if (!after) return { sql: '1 = 1', params: [] };
  const params: unknown[] = [after.scn, after.scn];
  if (keyColumns.length === 0) return { sql: `${scnExpr} > ?`, params: [after.scn] };
  const parts: string[] = [];
  for (let i = keyColumns.length - 1; i >= 0; i--) {
    const here = `${keyColumns[i]} > ?`;
    parts.unshift(i === keyColumns.length - 1 ? here : `${here} OR (${keyColumns[i]} = ? AND (${parts.shift()}))`);
  }
  const keyParams: unknown[] = [];
  keyColumns.forEach((_, i) => {
    if (i < keyColumns.length - 1) keyParams.push(after.key[i], after.key[i]);
    else keyParams.push(after.key[i]);
  });
  return { sql: `(${scnExpr} > ? OR (${scnExpr} = ? AND (${parts[0]})))`, params: [...params, ...keyParams] };
}
