/**
 * A value in comparable form, for comparing events field by field with a reference (Debezium's):
 * numbers and bigints as '#digits' (an int64 is a number on one side and a bigint on the other),
 * bytes as hex, arrays and objects element by element, the rest as is.
 */
export function comparable(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint' || typeof v === 'number') return `#${String(v)}`;
  if (v instanceof Uint8Array) return `0x${Buffer.from(v).toString('hex')}`;
  if (Array.isArray(v)) return v.map(comparable);
  if (typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, comparable(x)]));
  return v;
}
