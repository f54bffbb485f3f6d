import { appendFileSync, readFileSync } from 'node:fs';
import { OracleDbError, oracleErrorOf, type Binds, type SqlResult, type SqlRow, type SqlSession } from './sql-session.js';

/** One line of a recording: a statement and what the database answered. */
export interface RecordedExchange {
  readonly kind: 'execute' | 'stream';
  readonly sql: string;
  readonly binds: Binds;
  readonly rows: readonly SqlRow[];
  readonly metaData?: SqlResult['metaData'];
  readonly rowsAffected?: number;
  /** the error the statement ended with (rows fetched before it are kept) */
  readonly error?: { readonly code: string | null; readonly errorNum: number | null; readonly message: string };
}

/**
 * Wraps a session and appends every exchange to a JSONL file (`session.record.file`): a user
 * with a real Oracle can record the connector's traffic and contribute it as a fixture that the
 * replaying session plays back in tests. Writes are synchronous appends, one line per
 * statement, so a crash loses at most the statement in flight. The file holds table data and
 * the SQL_REDO of captured tables: scrub it before sharing.
 */
export class RecordingSession implements SqlSession {
  readonly #sink: (exchange: RecordedExchange) => void;

  /** `target`: the JSONL file to append to, or a function that takes each exchange (tests, benchmarks) */
  constructor(readonly inner: SqlSession, target: string | ((exchange: RecordedExchange) => void)) {
    this.#sink = typeof target === 'string' ? (e) => appendFileSync(target, JSON.stringify(e) + '\n') : target;
  }

  async execute(sql: string, binds: Binds = []): Promise<SqlResult> {
    try {
      const result = await this.inner.execute(sql, binds);
      this.#write({ kind: 'execute', sql, binds, rows: result.rows, metaData: result.metaData, ...(result.rowsAffected !== undefined ? { rowsAffected: result.rowsAffected } : {}) });
      return result;
    } catch (error) {
      this.#write({ kind: 'execute', sql, binds, rows: [], error: oracleErrorOf(error) });
      throw error;
    }
  }

  async *stream(sql: string, binds: Binds = [], fetchSize?: number): AsyncIterable<SqlRow> {
    const rows: SqlRow[] = [];
    let failure: unknown;
    try {
      for await (const row of this.inner.stream(sql, binds, fetchSize)) {
        rows.push(row);
        yield row;
      }
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      this.#write({ kind: 'stream', sql, binds, rows, ...(failure !== undefined ? { error: oracleErrorOf(failure) } : {}) });
    }
  }

  async close(): Promise<void> {
    await this.inner.close();
  }

  #write(exchange: RecordedExchange): void {
    this.#sink(exchange);
  }
}

/** The statements and answers of a recording, in order. */
export function readRecording(file: string): RecordedExchange[] {
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as RecordedExchange);
}

const normalize = (sql: string) => sql.replace(/\s+/g, ' ').trim();

/**
 * Plays a recording back: each statement must be the next one recorded (same SQL up to
 * whitespace, same binds), and gets the recorded answer or error. A connector that sends
 * something else has diverged from the recorded run, which the error names.
 */
export class ReplaySession implements SqlSession {
  #next = 0;

  constructor(readonly exchanges: readonly RecordedExchange[]) {}

  get remaining(): number {
    return this.exchanges.length - this.#next;
  }

  async execute(sql: string, binds: Binds = []): Promise<SqlResult> {
    const e = this.#take('execute', sql, binds);
    if (e.error) throw replayedError(e.error);
    return { rows: e.rows, metaData: e.metaData ?? [], ...(e.rowsAffected !== undefined ? { rowsAffected: e.rowsAffected } : {}) };
  }

  async *stream(sql: string, binds: Binds = []): AsyncIterable<SqlRow> {
    const e = this.#take('stream', sql, binds);
    for (const row of e.rows) yield row;
    if (e.error) throw replayedError(e.error);
  }

  async close(): Promise<void> {}

  #take(kind: RecordedExchange['kind'], sql: string, binds: Binds): RecordedExchange {
    const e = this.exchanges[this.#next];
    if (!e) throw new Error(`replay diverged: no recorded statement left for ${kind} ${normalize(sql).slice(0, 200)}`);
    if (e.kind !== kind || normalize(e.sql) !== normalize(sql) || JSON.stringify(e.binds) !== JSON.stringify(binds)) {
      throw new Error(`replay diverged at statement ${this.#next + 1}: recorded ${e.kind} ${normalize(e.sql).slice(0, 200)} ${JSON.stringify(e.binds)}, got ${kind} ${normalize(sql).slice(0, 200)} ${JSON.stringify(binds)}`);
    }
    this.#next++;
    return e;
  }
}

function replayedError(error: NonNullable<RecordedExchange['error']>): Error {
  if (error.errorNum !== null && error.code?.startsWith('ORA-')) return new OracleDbError(error.errorNum, error.message.replace(/^ORA-\d+:\s*/, ''));
  return Object.assign(new Error(error.message), { code: error.code ?? undefined });
}
