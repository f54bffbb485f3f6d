import { padPosition } from '../../../../plugins/api/index.js';
import { datagenEvent, type DatagenOptions } from '../../../source/datagen/datagen-rows.js';

/** One landed row in the normalised text form the acceptance queries produce. */
export interface LandedRow {
  id: string;
  seq: string;
  name: string;
  amount: string;
  score: number | null;
  active: boolean;
  created_us: string;
  day: string;
  uid: string;
  payload: string;
  __op: string;
  __deleted: boolean;
  __source_ts_ms: string;
  __source_pos: string;
  __topic: string;
}

/** What datagen sent for seq `from`..`to`, as the flat layout lands it. */
export function expectedRows(from: number, to: number, options: DatagenOptions): LandedRow[] {
  const rows: LandedRow[] = [];
  for (let seq = from; seq <= to; seq++) {
    const e = datagenEvent(seq, options);
    const image = (e.op === 'd' ? e.before : e.after)!;
    rows.push({
      id: String(image.id),
      seq: String(image.seq),
      name: image.name,
      amount: image.amount,
      score: image.score,
      active: image.active,
      created_us: String(Date.parse(image.created_at) * 1000),
      day: new Date(image.day * 86_400_000).toISOString().slice(0, 10),
      uid: image.uid,
      payload: image.payload,
      __op: e.op,
      __deleted: e.op === 'd',
      __source_ts_ms: String(e.tsMs),
      __source_pos: padPosition(seq),
      __topic: options.topic,
    });
  }
  return rows;
}

const PROJECTION = (amount: string, created: string, day: string) =>
  `id::VARCHAR AS id, seq::VARCHAR AS seq, name, ${amount} AS amount, score::DOUBLE AS score, active::BOOLEAN AS active, ${created} AS created_us, ${day} AS "day", uid::VARCHAR AS uid, payload::VARCHAR AS payload, __op, __deleted::BOOLEAN AS __deleted, __source_ts_ms::VARCHAR AS __source_ts_ms, __source_pos, __topic`;

/** The DuckDB table function reading every file of a format under a directory. */
export function readerFor(format: 'parquet' | 'json' | 'csv', dir: string): string {
  const glob = `'${dir.replace(/'/g, "''")}/**/*.${format}'`;
  if (format === 'parquet') return `read_parquet(${glob})`;
  if (format === 'json') {
    return `read_json(${glob}, format='newline_delimited', columns={id:'BIGINT',seq:'BIGINT',name:'VARCHAR',amount:'DECIMAL(12,2)',score:'DOUBLE',active:'BOOLEAN',created_at:'VARCHAR',day:'INTEGER',uid:'UUID',payload:'VARCHAR',__op:'VARCHAR',__deleted:'BOOLEAN',__source_ts_ms:'BIGINT',__source_pos:'VARCHAR',__topic:'VARCHAR'})`;
  }
  return `read_csv(${glob}, header=true, all_varchar=true, allow_quoted_nulls=false)`;
}

/** A query normalising each format's columns to LandedRow's text forms, in position order. */
export function landedRowsQuery(format: 'parquet' | 'json' | 'csv', dir: string): string {
  const from = readerFor(format, dir);
  if (format === 'parquet') return `SELECT ${PROJECTION('amount::VARCHAR', 'epoch_us(created_at)::VARCHAR', '"day"::VARCHAR')} FROM ${from} ORDER BY __source_pos`;
  if (format === 'json') return `SELECT ${PROJECTION('amount::VARCHAR', 'epoch_us(created_at::TIMESTAMPTZ)::VARCHAR', `(DATE '1970-01-01' + "day")::VARCHAR`)} FROM ${from} ORDER BY __source_pos`;
  // CSV: the amount text as written, compared exactly
  return `SELECT ${PROJECTION('amount', 'epoch_us(created_at::TIMESTAMPTZ)::VARCHAR', '"day"')} FROM ${from} ORDER BY __source_pos`;
}

/** Polls `check` until it returns a value (not undefined) or the time is up. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
