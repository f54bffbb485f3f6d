import { readFileSync } from 'node:fs';
import { TributaryError } from '../../../../plugins/api/index.js';
import { castWireValue, type SqlClient, type SqlField, type SqlResult } from '../sql-client.js';

/**
 * One recorded exchange: what the statement must contain (`match`), its parameters, and the
 * result set as mysql2 reports it: column metadata (name, MySQL-protocol type code, OceanBase's
 * 0xc8–0xd1 included) and each value as it came off the wire (text, `{hex}` for binary, null).
 */
interface Exchange {
  readonly match: string;
  readonly params?: readonly unknown[];
  readonly fields: readonly SqlField[];
  readonly rows: readonly (readonly (string | { hex: string } | null)[])[];
}

/**
 * A SqlClient that replays a JSONL recording in order, decoding every value through the same
 * `castWireValue` the mysql2 connection's typeCast uses. A statement that does not match the next
 * exchange fails with what was expected; once the recording is exhausted it fails too.
 */
export class RecordedConnection implements SqlClient {
  readonly #exchanges: Exchange[];
  #next = 0;
  readonly sent: { sql: string; params: readonly unknown[] }[] = [];

  constructor(path: URL) {
    this.#exchanges = readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('//')).map((l) => JSON.parse(l) as Exchange);
  }

  get exhausted(): boolean {
    return this.#next >= this.#exchanges.length;
  }

  async query(sql: string, params: readonly unknown[] = []): Promise<SqlResult> {
    this.sent.push({ sql, params });
    const e = this.#exchanges[this.#next];
    if (!e) throw new TributaryError('internal', `recording exhausted; unexpected statement: ${sql}`);
    if (!sql.includes(e.match) || (e.params && JSON.stringify(e.params) !== JSON.stringify(params))) {
      throw new TributaryError('internal', `recording step ${this.#next + 1} expects a statement containing ${JSON.stringify(e.match)} with ${JSON.stringify(e.params ?? [])}, got ${sql} with ${JSON.stringify(params)}`);
    }
    this.#next++;
    const rows = e.rows.map((values) => {
      const row: Record<string, unknown> = {};
      e.fields.forEach((f, i) => {
        const raw = values[i];
        row[f.name] = castWireValue(f.columnType, raw === null ? null : typeof raw === 'string' ? raw : Buffer.from(raw.hex, 'hex'));
      });
      return row;
    });
    return { rows, fields: e.fields, affectedRows: 0 };
  }

  async close(): Promise<void> {}
}
