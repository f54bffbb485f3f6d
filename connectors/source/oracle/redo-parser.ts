/**
 * Our own parser of LogMiner's SQL_REDO for DML, as `DBMS_LOGMNR.NO_ROWID_IN_STMT` writes it:
 *
 *   insert into "HR"."EMP"("ID","NAME","HIRED") values ('1','O''Brien',TO_DATE('2020-01-02 03:04:05', 'YYYY-MM-DD HH24:MI:SS'));
 *   update "HR"."EMP" set "NAME" = 'Bob', "SAL" = NULL where "ID" = '1' and "NAME" = 'Al' and "SAL" IS NULL;
 *   delete from "HR"."EMP" where "ID" = '1' and "NAME" = 'Bob';
 *
 * A single pass over the text (a state machine over clauses, no regular expressions, no
 * tokens array): the hot path of streaming, measured by bench/oracle-logminer.ts.
 *
 * Values come out as text in the session's NLS formats, the same text the snapshot's TO_CHAR
 * gives, so one converter per column serves both: `'x'` and `'a' || 'b'` (a long value split
 * into pieces) give the string, `NULL`/`IS NULL` give null, the function forms give their first
 * argument (`TO_DATE`, `TO_TIMESTAMP`, `TO_TIMESTAMP_TZ`, `TO_YMINTERVAL`, `TO_DSINTERVAL`,
 * `HEXTORAW` (hex text)), `UNISTR('\00E9')` the decoded string, `EMPTY_CLOB()`/`EMPTY_BLOB()`
 * the EMPTY_LOB marker and `Unsupported Type` the UNSUPPORTED marker. Bare numbers pass as text.
 */
export const UNSUPPORTED: unique symbol = Symbol('Unsupported Type');
export const EMPTY_LOB: unique symbol = Symbol('EMPTY_LOB');
export type RedoValue = string | null | typeof UNSUPPORTED | typeof EMPTY_LOB;

export type RedoOperation = 'INSERT' | 'UPDATE' | 'DELETE';

export interface ParsedRedo {
  readonly op: RedoOperation;
  readonly owner: string;
  readonly table: string;
  /** INSERT: every column given; UPDATE: the SET columns; DELETE: none */
  readonly newColumns: readonly string[];
  readonly newValues: readonly RedoValue[];
  /** UPDATE and DELETE: the WHERE columns (the before image, all columns with supplemental logging) */
  readonly oldColumns: readonly string[];
  readonly oldValues: readonly RedoValue[];
}

export class RedoParseError extends Error {
  constructor(message: string, readonly sql: string, readonly at: number) {
    super(`${message} at character ${at} of SQL_REDO: ${sql.length > 300 ? `${sql.slice(0, 300)}…` : sql}`);
    this.name = 'RedoParseError';
  }
}

/** insert column lists by their text (see #columnList), bounded: a workload with more shapes just re-parses */
const columnLists = new Map<string, readonly string[]>();
const MAX_CACHED_LISTS = 4096;

/** what an INSERT has no WHERE for and a DELETE no SET for: shared, never written to */
const NONE: string[] = Object.freeze([]) as unknown as string[];
const NO_VALUES: RedoValue[] = Object.freeze([]) as unknown as RedoValue[];

const SPACE = 32, TAB = 9, LF = 10, CR = 13, QUOTE = 39, DQUOTE = 34, COMMA = 44, LPAREN = 40, RPAREN = 41, DOT = 46, EQ = 61, SEMI = 59, PIPE = 124, BACKSLASH = 92;

/** Parses one complete SQL_REDO statement (CSF pieces already joined). */
export function parseRedo(sql: string): ParsedRedo {
  return new RedoCursor(sql).statement();
}

class RedoCursor {
  #i = 0;
  constructor(readonly sql: string) {}

  statement(): ParsedRedo {
    this.#ws();
    const c = this.sql.charCodeAt(this.#i) | 0x20;
    if (c === 0x69) return this.#insert(); // i
    if (c === 0x75) return this.#update(); // u
    if (c === 0x64) return this.#delete(); // d
    throw this.#error('expected insert, update or delete');
  }

  #insert(): ParsedRedo {
    this.#keyword('insert');
    this.#keyword('into');
    const [owner, table] = this.#tableName();
    this.#ws();
    const newColumns = this.#columnList();
    this.#keyword('values');
    this.#ws();
    this.#expect(LPAREN);
    const newValues: RedoValue[] = [];
    for (;;) {
      this.#ws();
      newValues.push(this.#value());
      this.#ws();
      if (this.#peek() === COMMA) { this.#i++; continue; }
      this.#expect(RPAREN);
      break;
    }
    if (newValues.length !== newColumns.length) throw this.#error(`${newColumns.length} columns but ${newValues.length} values`);
    this.#end();
    return { op: 'INSERT', owner, table, newColumns, newValues, oldColumns: NONE, oldValues: NO_VALUES };
  }

  /**
   * `("A","B",...)`: every insert into a table repeats the same list, so the names array is kept
   * per list text and shared (no string per name per row; the table maps it to indexes once).
   */
  #columnList(): readonly string[] {
    const sql = this.sql;
    const start = this.#i;
    this.#expect(LPAREN);
    // find the list's end first, without building names
    for (;;) {
      this.#ws();
      if (this.#peek() !== DQUOTE) throw this.#error('expected a quoted identifier');
      const close = sql.indexOf('"', this.#i + 1);
      if (close < 0) throw this.#error('unterminated identifier');
      this.#i = close + 1;
      this.#ws();
      if (this.#peek() === COMMA) { this.#i++; continue; }
      this.#expect(RPAREN);
      break;
    }
    const text = sql.slice(start, this.#i);
    const cached = columnLists.get(text);
    if (cached) return cached;
    const names: string[] = [];
    for (let at = text.indexOf('"'); at >= 0; at = text.indexOf('"', text.indexOf('"', at + 1) + 1)) names.push(text.slice(at + 1, text.indexOf('"', at + 1)));
    if (columnLists.size >= MAX_CACHED_LISTS) columnLists.clear();
    columnLists.set(text, Object.freeze(names) as string[]);
    return names;
  }

  #update(): ParsedRedo {
    this.#keyword('update');
    const [owner, table] = this.#tableName();
    this.#keyword('set');
    const newColumns: string[] = [];
    const newValues: RedoValue[] = [];
    for (;;) {
      this.#ws();
      newColumns.push(this.#identifier());
      this.#ws();
      this.#expect(EQ);
      this.#ws();
      newValues.push(this.#value());
      this.#ws();
      if (this.#peek() === COMMA) { this.#i++; continue; }
      break;
    }
    const oldColumns: string[] = [];
    const oldValues: RedoValue[] = [];
    if (this.#atKeyword('where')) this.#where(oldColumns, oldValues);
    this.#end();
    return { op: 'UPDATE', owner, table, newColumns, newValues, oldColumns, oldValues };
  }

  #delete(): ParsedRedo {
    this.#keyword('delete');
    this.#keyword('from');
    const [owner, table] = this.#tableName();
    const oldColumns: string[] = [];
    const oldValues: RedoValue[] = [];
    if (this.#atKeyword('where')) this.#where(oldColumns, oldValues);
    this.#end();
    return { op: 'DELETE', owner, table, newColumns: NONE, newValues: NO_VALUES, oldColumns, oldValues };
  }

  /** `where "A" = v and "B" IS NULL and ...` */
  #where(columns: string[], values: RedoValue[]): void {
    this.#keyword('where');
    for (;;) {
      this.#ws();
      columns.push(this.#identifier());
      this.#ws();
      if (this.#peek() === EQ) {
        this.#i++;
        this.#ws();
        values.push(this.#value());
      } else {
        this.#keyword('is');
        this.#keyword('null');
        values.push(null);
      }
      this.#ws();
      if (this.#atKeyword('and')) { this.#keyword('and'); continue; }
      break;
    }
  }

  #tableName(): [string, string] {
    this.#ws();
    const first = this.#identifier();
    if (this.#peek() !== DOT) return ['', first];
    this.#i++;
    return [first, this.#identifier()];
  }

  /** A double-quoted identifier (LogMiner always quotes them). */
  #identifier(): string {
    if (this.#peek() !== DQUOTE) throw this.#error('expected a quoted identifier');
    const end = this.sql.indexOf('"', this.#i + 1);
    if (end < 0) throw this.#error('unterminated identifier');
    const name = this.sql.slice(this.#i + 1, end);
    this.#i = end + 1;
    return name;
  }

  /** One value, with `||` concatenation of its pieces. */
  #value(): RedoValue {
    let value = this.#term();
    for (;;) {
      const save = this.#i;
      this.#ws();
      if (this.#peek() === PIPE && this.sql.charCodeAt(this.#i + 1) === PIPE) {
        this.#i += 2;
        this.#ws();
        const next = this.#term();
        if (typeof value !== 'string' || typeof next !== 'string') {
          // NULL || 'x' is 'x' in Oracle (NULL is the empty string in concatenation)
          if (value === null && typeof next === 'string') { value = next; continue; }
          if (next === null && typeof value === 'string') continue;
          throw this.#error('cannot concatenate a non-text value');
        }
        value += next;
        continue;
      }
      this.#i = save;
      return value;
    }
  }

  #term(): RedoValue {
    const c = this.#peek();
    if (c === QUOTE) return this.#stringLiteral();
    if ((c >= 48 && c <= 57) || c === 45 || c === 43 || c === DOT) return this.#bareNumber();
    const start = this.#i;
    while (this.#i < this.sql.length) {
      const d = this.sql.charCodeAt(this.#i);
      if ((d >= 65 && d <= 90) || (d >= 97 && d <= 122) || (d >= 48 && d <= 57) || d === 95) this.#i++;
      else break;
    }
    const word = this.sql.slice(start, this.#i).toUpperCase();
    if (word === 'NULL') return null;
    if (word === 'UNSUPPORTED') {
      this.#ws();
      this.#keyword('type');
      return UNSUPPORTED;
    }
    if (word.length === 0) throw this.#error('expected a value');
    this.#ws();
    this.#expect(LPAREN);
    this.#ws();
    switch (word) {
      case 'EMPTY_CLOB':
      case 'EMPTY_BLOB':
        this.#expect(RPAREN);
        return EMPTY_LOB;
      case 'TO_DATE':
      case 'TO_TIMESTAMP':
      case 'TO_TIMESTAMP_TZ':
      case 'TO_YMINTERVAL':
      case 'TO_DSINTERVAL':
      case 'HEXTORAW': {
        const text = this.#value();
        this.#skipArguments();
        return text;
      }
      case 'UNISTR': {
        const text = this.#value();
        this.#skipArguments();
        return typeof text === 'string' ? decodeUnistr(text) : text;
      }
      default:
        throw this.#error(`unknown function ${word}`);
    }
  }

  /** Further arguments of a function (a format mask) up to its closing parenthesis. */
  #skipArguments(): void {
    for (;;) {
      this.#ws();
      const c = this.#peek();
      if (c === RPAREN) { this.#i++; return; }
      if (c === COMMA) { this.#i++; this.#ws(); this.#value(); continue; }
      throw this.#error('expected , or )');
    }
  }

  #stringLiteral(): string {
    const sql = this.sql;
    let from = this.#i + 1;
    let out = '';
    for (;;) {
      const end = sql.indexOf("'", from);
      if (end < 0) throw this.#error('unterminated string literal');
      if (sql.charCodeAt(end + 1) === QUOTE) {
        out += sql.slice(from, end + 1);
        from = end + 2;
        continue;
      }
      out += sql.slice(from, end);
      this.#i = end + 1;
      return out;
    }
  }

  #bareNumber(): string {
    const start = this.#i;
    this.#i++;
    while (this.#i < this.sql.length) {
      const d = this.sql.charCodeAt(this.#i);
      if ((d >= 48 && d <= 57) || d === DOT || d === 69 || d === 101 || ((d === 43 || d === 45) && (this.sql.charCodeAt(this.#i - 1) | 0x20) === 101)) this.#i++;
      else break;
    }
    return this.sql.slice(start, this.#i);
  }

  #end(): void {
    this.#ws();
    if (this.#peek() === SEMI) this.#i++;
    this.#ws();
    if (this.#i < this.sql.length) throw this.#error('unexpected text after the statement');
  }

  #peek(): number {
    return this.sql.charCodeAt(this.#i);
  }

  #ws(): void {
    const sql = this.sql;
    while (this.#i < sql.length) {
      const c = sql.charCodeAt(this.#i);
      if (c === SPACE || c === TAB || c === LF || c === CR) this.#i++;
      else return;
    }
  }

  #expect(code: number): void {
    if (this.sql.charCodeAt(this.#i) !== code) throw this.#error(`expected "${String.fromCharCode(code)}"`);
    this.#i++;
  }

  #atKeyword(word: string): boolean {
    const save = this.#i;
    this.#ws();
    const at = this.#matches(word);
    this.#i = save;
    return at;
  }

  #matches(word: string): boolean {
    const sql = this.sql;
    for (let k = 0; k < word.length; k++) if ((sql.charCodeAt(this.#i + k) | 0x20) !== word.charCodeAt(k)) return false;
    const after = sql.charCodeAt(this.#i + word.length);
    return !((after >= 65 && after <= 90) || (after >= 97 && after <= 122) || after === 95 || (after >= 48 && after <= 57));
  }

  #keyword(word: string): void {
    this.#ws();
    if (!this.#matches(word)) throw this.#error(`expected "${word}"`);
    this.#i += word.length;
  }

  #error(message: string): RedoParseError {
    return new RedoParseError(message, this.sql, this.#i);
  }
}

/** UNISTR's escapes: `\XXXX` a UTF-16 code unit in hex, `\\` a backslash. */
export function decodeUnistr(text: string): string {
  if (text.indexOf('\\') < 0) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== BACKSLASH) { out += text[i]; continue; }
    if (text.charCodeAt(i + 1) === BACKSLASH) { out += '\\'; i++; continue; }
    const hex = text.slice(i + 1, i + 5);
    if (!/^[0-9A-Fa-f]{4}$/.test(hex)) throw new RedoParseError('bad UNISTR escape', text, i);
    out += String.fromCharCode(parseInt(hex, 16));
    i += 4;
  }
  return out;
}
