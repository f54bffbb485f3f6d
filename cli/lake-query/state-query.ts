import type { LakeTopic } from './lake-catalog.js';
import { quoteIdent } from './sql-text.js';

/** A query for a table's current state, and what it cannot know when it is not exact. */
export interface StateQuery {
  readonly sql: string;
  /**
   * a query whose first column counts the changes the state query cannot follow (run it, and
   * when it is above 0 print `caveat`); absent when the query is exact
   */
  readonly uncertainty?: { readonly countSql: string; readonly caveat: (count: number) => string };
}

/** The change rows of a topic as they landed, in log order. */
export function changesQuery(t: LakeTopic): string {
  return `SELECT * FROM ${t.scan} ORDER BY __source_pos`;
}

/**
 * The rows a table holds now, rebuilt from its change files:
 * - only changes after the table's last truncate count (`__op`/`op` = 't' empties the table);
 * - a table with a key: the newest change per key by `__source_pos` (which sorts in commit
 *   order), unless that change is a delete;
 * - a keyless table: the inserted rows minus the deleted ones, matched on the whole row (a
 *   multiset difference, EXCEPT ALL). The envelope layout keeps an update's before-image, so an
 *   update counts as a delete of the old row and an insert of the new one: exact (with REPLICA
 *   IDENTITY FULL, which a keyless table needs for UPDATE and DELETE once published). The flat
 *   layout keeps only the new row, so the old row of an update cannot be removed: the answer
 *   then holds every current row plus the replaced ones, and `uncertainty` says how many.
 * Changes replayed after a crash (at-least-once) carry the same `__source_pos` and count once.
 * Null when the files do not say what the key is (see LakeTopic.keyFields).
 */
export function currentStateQuery(t: LakeTopic): StateQuery | null {
  if (t.layout === 'rows') return { sql: `SELECT * FROM ${t.scan}` };
  if (t.keyFields === null) return null;
  const op = t.layout === 'flat' ? '__op' : 'op';
  const live = `live AS (SELECT DISTINCT ON (__source_pos) * FROM ${t.scan}
    WHERE ${op} <> 't' AND __source_pos > (SELECT coalesce(max(__source_pos), '') FROM ${t.scan} WHERE ${op} = 't'))`;
  const columns = t.columns.map(quoteIdent).join(', ');
  if (t.keyFields.length > 0) {
    const keys = t.keyFields.map(quoteIdent);
    const partition = t.layout === 'flat' ? keys.join(', ') : keys.map((k) => `CASE WHEN op = 'd' THEN before.${k} ELSE after.${k} END`).join(', ');
    const picked = t.layout === 'flat' ? columns : 'unnest(after)';
    return {
      sql: `WITH ${live},
  latest AS (SELECT *, row_number() OVER (PARTITION BY ${partition} ORDER BY __source_pos DESC) AS __rn FROM live)
SELECT ${picked} FROM latest WHERE __rn = 1 AND ${op} <> 'd' ORDER BY ${partition}`,
    };
  }
  if (t.layout === 'envelope') {
    return {
      sql: `WITH ${live}
SELECT * FROM (SELECT unnest(after) FROM live WHERE op IN ('c', 'r', 'u') EXCEPT ALL SELECT unnest(before) FROM live WHERE op IN ('u', 'd')) ORDER BY ALL`,
    };
  }
  return {
    sql: `WITH ${live}
SELECT * FROM (SELECT ${columns} FROM live WHERE __op IN ('c', 'r', 'u') EXCEPT ALL SELECT ${columns} FROM live WHERE __op = 'd') ORDER BY ALL`,
    uncertainty: {
      countSql: `WITH ${live} SELECT count(*) FROM live WHERE __op = 'u'`,
      caveat: (n) => `${t.topic} has no key and ${n} update(s) since its last truncate: the flat layout keeps only an update's new row, so the rows they replaced are still listed. ` +
        'For an exact state give the table a primary key, or land it with value.layout=envelope.',
    },
  };
}
