import type { OracleColumn } from '../../../shared/oracle-types/column-types.js';
import type { FakeOracle, FakeTable } from './fake-oracle.js';
import type { FakeRow } from './redo-writer.js';

/**
 * A small interpreter for the statements the shared acceptance suite sends (CREATE TABLE,
 * multi-row INSERT, UPDATE ... SET col = col + n, DELETE, with WHERE terms `col % n = k`,
 * `col <= n`, `col > n`, `col = n` joined by AND), each run as one committed transaction on the
 * fake, which writes the redo LogMiner would show. The suite's unquoted identifiers are taken
 * as written (lower case), as if quoted: the suite reads `id`, `name`, `qty`.
 */
export function runStatement(db: FakeOracle, owner: string, sql: string): void {
  const text = sql.trim();
  let m: RegExpExecArray | null;
  if ((m = /^CREATE TABLE (\w+) \((.*)\)$/is.exec(text))) {
    createTable(db, owner, m[1], m[2]);
    return;
  }
  if ((m = /^INSERT INTO (\w+)(?: \(([^)]*)\))? VALUES (.*)$/is.exec(text))) {
    const table = db.table(owner, m[1]);
    const names = m[2] ? m[2].split(',').map((c) => c.trim()) : table.columns.map((c) => c.name);
    const tuples = splitTuples(m[3]);
    db.autocommit((tx) => { for (const t of tuples) tx.insert(table, Object.fromEntries(names.map((n, i) => [n, literalText(t[i])]))); });
    return;
  }
  if ((m = /^UPDATE (\w+) SET (.*?)(?: WHERE (.*))?$/is.exec(text))) {
    const table = db.table(owner, m[1]);
    const sets = m[2].split(',').map((s) => s.split('=').map((x) => x.trim()) as [string, string]);
    const where = predicate(m[3]);
    db.autocommit((tx) => {
      for (const [rowId, row] of tx.visibleRows(table)) {
        if (!where(row)) continue;
        tx.update(table, rowId, Object.fromEntries(sets.map(([c, e]) => [c, evaluate(e, row)])));
      }
    });
    return;
  }
  if ((m = /^DELETE FROM (\w+)(?: WHERE (.*))?$/is.exec(text))) {
    const table = db.table(owner, m[1]);
    const where = predicate(m[2]);
    db.autocommit((tx) => { for (const [rowId, row] of tx.visibleRows(table)) if (where(row)) tx.delete(table, rowId); });
    return;
  }
  throw new Error(`mini-sql does not know: ${text.slice(0, 120)}`);
}

function createTable(db: FakeOracle, owner: string, name: string, body: string): FakeTable {
  const columns: OracleColumn[] = [];
  const key: string[] = [];
  for (const def of splitTop(body)) {
    const m = /^(\w+)\s+(.*?)(\s+PRIMARY KEY)?$/i.exec(def.trim());
    if (!m) throw new Error(`mini-sql cannot read column ${def}`);
    if (m[3]) key.push(m[1]);
    columns.push({ name: m[1], ...oracleType(m[2].trim()), nullable: !m[3] });
  }
  return db.createTable(owner, name, columns, key);
}

/** the catalog's view of a declared type (ALL_TAB_COLUMNS: DATA_TYPE, DATA_PRECISION, DATA_SCALE) */
function oracleType(declared: string): Omit<OracleColumn, 'name' | 'nullable'> {
  const t = declared.toUpperCase();
  let m: RegExpExecArray | null;
  if (t === 'INT' || t === 'INTEGER') return { dataType: 'NUMBER', precision: null, scale: 0 };
  if ((m = /^NUMBER\((\d+)(?:,\s*(-?\d+))?\)$/.exec(t))) return { dataType: 'NUMBER', precision: Number(m[1]), scale: Number(m[2] ?? 0) };
  if (t === 'NUMBER') return { dataType: 'NUMBER', precision: null, scale: null };
  if (/^(VARCHAR2?|NVARCHAR2|CHAR|NCHAR|RAW)\(\d+\)$/.test(t)) return { dataType: t.replace(/\(.*/, '').replace(/^VARCHAR$/, 'VARCHAR2'), precision: null, scale: null };
  if ((m = /^TIMESTAMP\((\d)\)(.*)$/.exec(t))) return { dataType: `TIMESTAMP(${m[1]})${m[2]}`, precision: null, scale: Number(m[1]) };
  if ((m = /^FLOAT\((\d+)\)$/.exec(t))) return { dataType: 'FLOAT', precision: Number(m[1]), scale: null };
  if ((m = /^INTERVAL DAY\((\d)\) TO SECOND\((\d)\)$/.exec(t))) return { dataType: `INTERVAL DAY(${m[1]}) TO SECOND(${m[2]})`, precision: Number(m[1]), scale: Number(m[2]) };
  if ((m = /^INTERVAL YEAR\((\d)\) TO MONTH$/.exec(t))) return { dataType: `INTERVAL YEAR(${m[1]}) TO MONTH`, precision: Number(m[1]), scale: 0 };
  return { dataType: t, precision: null, scale: null };
}

/** splits at top-level commas */
function splitTop(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'") quoted = !quoted;
    else if (!quoted && c === '(') depth++;
    else if (!quoted && c === ')') depth--;
    else if (!quoted && depth === 0 && c === ',') { out.push(text.slice(from, i)); from = i + 1; }
  }
  out.push(text.slice(from));
  return out.map((s) => s.trim()).filter((s) => s.length > 0);
}

function splitTuples(values: string): string[][] {
  return splitTop(values).map((t) => splitTop(t.trim().replace(/^\(|\)$/g, '')));
}

/** a literal's text in the session's NLS forms: `'x'` is x, a function form its first argument, NULL null */
export function literalText(literal: string): string | null {
  const t = literal.trim();
  if (/^NULL$/i.test(t)) return null;
  const fn = /^\w+\('((?:[^']|'')*)'.*\)$/s.exec(t);
  if (fn) return fn[1].replace(/''/g, "'");
  const q = /^'((?:[^']|'')*)'$/s.exec(t);
  if (q) return q[1].replace(/''/g, "'");
  return t;
}

function evaluate(expression: string, row: FakeRow): string | null {
  const m = /^(\w+)\s*([+-])\s*(\d+)$/.exec(expression);
  if (m) return String(Number(row[m[1]]) + (m[2] === '+' ? 1 : -1) * Number(m[3]));
  if (/^\w+$/.test(expression) && expression in row) return row[expression];
  return literalText(expression);
}

function predicate(where: string | undefined): (row: FakeRow) => boolean {
  if (!where) return () => true;
  const terms = where.split(/\s+AND\s+/i).map((term) => {
    let m: RegExpExecArray | null;
    if ((m = /^(\w+)\s*%\s*(\d+)\s*=\s*(\d+)$/.exec(term.trim()))) { const [, c, n, k] = m; return (r: FakeRow) => Number(r[c]) % Number(n) === Number(k); }
    if ((m = /^(\w+)\s*(<=|>=|<|>|=)\s*(\d+)$/.exec(term.trim()))) {
      const [, c, op, v] = m;
      return (r: FakeRow) => {
        const x = Number(r[c]);
        const y = Number(v);
        return op === '<=' ? x <= y : op === '>=' ? x >= y : op === '<' ? x < y : op === '>' ? x > y : x === y;
      };
    }
    throw new Error(`mini-sql cannot read WHERE term ${term}`);
  });
  return (row) => terms.every((t) => t(row));
}
