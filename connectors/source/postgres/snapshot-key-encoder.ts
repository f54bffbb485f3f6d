import type { Queryable } from './pg-connection.js';
import { hex32, int64TextHex, utf8Hex, VARIABLE_END as END } from '../../../plugins/cdc/index.js';
import { daysFromCivil } from './pg-temporal-text.js';

/**
 * Snapshot rows positioned by their primary key rather than by their ordinal.
 *
 * A snapshot interrupted by a crash is resumed later, inside another MVCC snapshot (the exported
 * one died with its connection), from the start of the chunk it was in. Rows already landed in
 * a sink are recognised by position and not handed over again. With ordinal positions that is
 * exact only when no row of the unread part was inserted or deleted in between: a deleted row
 * shifts every later row down one ordinal, and the row that takes a landed ordinal would be
 * skipped. A position derived from the key names the same row in every attempt, so skipping is
 * exact whatever happened to the table.
 *
 * That needs an encoding whose byte order is the order the snapshot reads in (`ORDER BY` the
 * key, using its index): integers, booleans, dates, uuids, bytea, and text under a byte-order
 * collation (`C`, `POSIX`, or the builtin provider's). Other key types (numeric, text under a
 * linguistic collation, ...) keep ordinal positions; the README says what that means.
 */
export type KeyEncoder = (keyTexts: readonly (string | null)[]) => string;

/** Marks a key-encoded position (ordinal ones are 12 digits), so the two never compare equal. */
const KEY_MARK = 'k';

type PartEncoder = (text: string) => string;

const PARTS: Record<string, PartEncoder> = {
  int2: (t) => hex32(Number(t) + 0x8000_0000),
  int4: (t) => hex32(Number(t) + 0x8000_0000),
  int8: int64TextHex,
  oid: (t) => hex32(Number(t)),
  bool: (t) => (t === 't' ? '1' : '0'),
  // uuid_out writes lower-case hex; upper case keeps one case for the byte order
  uuid: (t) => t.replace(/-/g, '').toUpperCase(),
  bytea: (t) => t.slice(2).toUpperCase() + END,
  text: utf8Hex,
  varchar: utf8Hex,
  name: utf8Hex,
};

/** Dates as days since 2000-01-01 from the ISO text, offset to sort as unsigned. */
function dateHex(text: string): string {
  if (text === 'infinity') return 'FFFFFFFF';
  if (text === '-infinity') return '00000000';
  const bc = text.endsWith(' BC');
  const [y, m, d] = (bc ? text.slice(0, -3) : text).split('-').map(Number);
  const year = bc ? 1 - y : y;
  return hex32(daysFromCivil(year, m, d) + 0x8000_0000);
}


export interface KeyColumnInfo {
  /** the base type's name (domains followed) */
  readonly type: string;
  /** whether the column's collation compares bytes (only meaningful for text types) */
  readonly byteOrder: boolean;
}

/** The encoder for a table's key columns (in key order), or null when a column has none. */
export function keyEncoderFor(columns: readonly KeyColumnInfo[]): KeyEncoder | null {
  if (columns.length === 0) return null;
  const parts: PartEncoder[] = [];
  for (const c of columns) {
    const textual = c.type === 'text' || c.type === 'varchar' || c.type === 'name';
    if (textual && !c.byteOrder) return null;
    const part = c.type === 'date' ? dateHex : PARTS[c.type];
    if (!part) return null;
    parts.push(part);
  }
  if (parts.length === 1) {
    const only = parts[0];
    return (texts) => KEY_MARK + only(texts[0] ?? '');
  }
  return (texts) => {
    let out = KEY_MARK;
    for (let i = 0; i < parts.length; i++) out += parts[i](texts[i] ?? '');
    return out;
  };
}

/**
 * Base type and collation of each primary-key column of a relation, in key order. A collation
 * compares bytes when it is `C`/`POSIX`, the builtin provider's (PostgreSQL 17), or the database
 * default when that is libc `C`/`POSIX`.
 */
export async function keyColumnInfo(client: Queryable, relationOid: number): Promise<KeyColumnInfo[]> {
  const { rows } = await client.query<{ type: string; collname: string | null; collprovider: string | null; datcollate: string; datprovider: string }>(
    `SELECT bt.typname AS type, co.collname, co.collprovider::text AS collprovider, d.datcollate, d.datlocprovider::text AS datprovider
       FROM pg_index i
       CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
       JOIN pg_type t ON t.oid = a.atttypid
       JOIN pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
       LEFT JOIN pg_collation co ON co.oid = a.attcollation
       CROSS JOIN (SELECT datcollate, datlocprovider FROM pg_database WHERE datname = current_database()) d
      WHERE i.indrelid = $1 AND i.indisprimary
      ORDER BY k.n`,
    [relationOid],
  );
  return rows.map((r) => {
    const named = r.collname === 'C' || r.collname === 'POSIX' || r.collprovider === 'b';
    const byDefault = r.collname === 'default' && r.datprovider === 'c' && (r.datcollate === 'C' || r.datcollate === 'POSIX');
    return { type: r.type, byteOrder: named || byDefault };
  });
}
