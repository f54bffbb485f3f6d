/**
 * A column's type as MySQL writes it in `information_schema.COLUMNS.COLUMN_TYPE` and as the
 * binlog's table metadata (binlog_row_metadata=FULL) describes it: `bigint unsigned`,
 * `decimal(30,10)`, `datetime(6)`, `enum('a','b')`, `bit(10)`. One parser for both sources, so a
 * table read by the snapshot and by the stream has one shape.
 */
export interface ColumnType {
  /** the base type, lower case: `int`, `decimal`, `varchar`, ... */
  readonly base: string;
  readonly unsigned: boolean;
  /** the first parenthesised number: length, precision, fsp or bits */
  readonly length: number | null;
  /** the second one: a decimal's scale */
  readonly scale: number | null;
  /** enum and set members */
  readonly members: readonly string[];
}

export function parseColumnType(columnType: string, members?: readonly string[]): ColumnType {
  const text = columnType.trim().toLowerCase();
  const base = /^[a-z]+/.exec(text)?.[0] ?? text;
  const unsigned = /\bunsigned\b/.test(text);
  const args = /^[a-z]+\s*\(([^)]*)\)/.exec(columnType.trim());
  let length: number | null = null;
  let scale: number | null = null;
  let parsedMembers: string[] = [];
  if (args && (base === 'enum' || base === 'set')) parsedMembers = parseMembers(args[1]);
  else if (args) {
    const [a, b] = args[1].split(',').map((s) => Number(s.trim()));
    length = Number.isFinite(a) ? a : null;
    scale = b !== undefined && Number.isFinite(b) ? b : null;
  }
  return { base, unsigned, length, scale, members: members ?? parsedMembers };
}

/** `'a','b''c'` → ['a', "b'c"] (quotes doubled inside members, as SHOW CREATE writes them) */
function parseMembers(list: string): string[] {
  const out: string[] = [];
  const re = /'((?:[^']|'')*)'/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(list)) !== null) out.push(m[1].replace(/''/g, "'"));
  return out;
}
