import { int64TextHex } from '../../../plugins/cdc/index.js';
import type { ColumnType } from './column-type.js';

/**
 * Snapshot rows positioned by their primary key, so a snapshot resumed after a crash names each
 * row as before and a sink skips exactly the rows it holds (see the PostgreSQL source's
 * snapshot-key-encoder.ts for why ordinals are not exact). That needs an encoding whose byte
 * order is the order `ORDER BY` the key reads in: integer keys have one. Other keys (strings
 * under a collation, decimals, dates) keep ordinal positions; the README says what that means.
 */
export type KeyEncoder = (values: readonly unknown[]) => string;

const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint']);

function unsignedHex(value: unknown): string {
  return BigInt(String(value)).toString(16).toUpperCase().padStart(16, '0');
}

/** An encoder when every key column is an integer; null otherwise. */
export function keyEncoderFor(types: readonly ColumnType[]): KeyEncoder | null {
  if (types.length === 0 || !types.every((t) => INTEGER_TYPES.has(t.base))) return null;
  const parts = types.map((t) => (t.unsigned ? unsignedHex : (v: unknown) => int64TextHex(String(v))));
  return (values) => {
    let out = 'k';
    for (let i = 0; i < parts.length; i++) out += parts[i](values[i]);
    return out;
  };
}
