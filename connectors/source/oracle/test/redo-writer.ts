import type { OracleColumn } from '../../../shared/oracle-types/column-types.js';

/** A row as the fake keeps it: each column's text in the session's NLS forms (null for NULL). */
export type FakeRow = Readonly<Record<string, string | null>>;

/**
 * Writes SQL_REDO as LogMiner does with NO_ROWID_IN_STMT: quoted identifiers, numbers as quoted
 * text, dates through TO_DATE with the NLS mask, timestamps through TO_TIMESTAMP(_TZ),
 * intervals through TO_YMINTERVAL / TO_DSINTERVAL, RAW through HEXTORAW, national text
 * with characters beyond ASCII through UNISTR, long text as `||` pieces, NULL as `NULL` (`IS
 * NULL` in a WHERE clause).
 */
export function literalOf(column: OracleColumn, text: string | null): string {
  if (text === null) return 'NULL';
  const type = column.dataType.toUpperCase().replace(/\(\d+\)/g, '');
  switch (type) {
    case 'DATE': return `TO_DATE('${text}', 'YYYY-MM-DD HH24:MI:SS')`;
    case 'TIMESTAMP': return `TO_TIMESTAMP('${text}')`;
    case 'TIMESTAMP WITH TIME ZONE': return `TO_TIMESTAMP_TZ('${text}')`;
    case 'TIMESTAMP WITH LOCAL TIME ZONE': return `TO_TIMESTAMP('${text}')`;
    case 'INTERVAL YEAR TO MONTH': return `TO_YMINTERVAL('${text}')`;
    case 'INTERVAL DAY TO SECOND': return `TO_DSINTERVAL('${text}')`;
    case 'RAW': return `HEXTORAW('${text}')`;
    case 'NCHAR': case 'NVARCHAR2':
      if (/[^\x00-\x7f]/.test(text)) return `UNISTR('${[...text].map((c) => (c.charCodeAt(0) < 128 && c !== '\\' ? (c === "'" ? "''" : c) : unistrEscape(c))).join('')}')`;
      return quoted(text);
    default: return quoted(text);
  }
}

function unistrEscape(c: string): string {
  if (c === '\\') return '\\\\';
  let out = '';
  for (let i = 0; i < c.length; i++) out += `\\${c.charCodeAt(i).toString(16).toUpperCase().padStart(4, '0')}`;
  return out;
}

/** a string literal; long text in 1000-character pieces joined with || (as LogMiner splits extended strings) */
function quoted(text: string): string {
  const piece = (t: string) => `'${t.replace(/'/g, "''")}'`;
  if (text.length <= 1000) return piece(text);
  const pieces: string[] = [];
  for (let i = 0; i < text.length; i += 1000) pieces.push(piece(text.slice(i, i + 1000)));
  return pieces.join(' || ');
}

const name = (owner: string, table: string) => `"${owner}"."${table}"`;

export function insertRedo(owner: string, table: string, columns: readonly OracleColumn[], row: FakeRow): string {
  return `insert into ${name(owner, table)}(${columns.map((c) => `"${c.name}"`).join(',')}) values (${columns.map((c) => literalOf(c, row[c.name] ?? null)).join(',')});`;
}

/** `where` names the before image's columns: every column with ALL COLUMNS supplemental logging, else the key */
function whereOf(columns: readonly OracleColumn[], before: FakeRow): string {
  return columns.map((c) => (before[c.name] === null || before[c.name] === undefined ? `"${c.name}" IS NULL` : `"${c.name}" = ${literalOf(c, before[c.name] ?? null)}`)).join(' and ');
}

export function updateRedo(owner: string, table: string, setColumns: readonly OracleColumn[], after: FakeRow, whereColumns: readonly OracleColumn[], before: FakeRow): string {
  const set = setColumns.map((c) => `"${c.name}" = ${literalOf(c, after[c.name] ?? null)}`).join(', ');
  return `update ${name(owner, table)} set ${set} where ${whereOf(whereColumns, before)};`;
}

export function deleteRedo(owner: string, table: string, whereColumns: readonly OracleColumn[], before: FakeRow): string {
  return `delete from ${name(owner, table)} where ${whereOf(whereColumns, before)};`;
}
