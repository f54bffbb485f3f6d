import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDbReader } from './duckdb-reader.js';
import { sqlString } from './duckdb-reader.js';

/**
 * Compares what a files sink landed (Parquet, flat layout) with the source tables: every change
 * event once, and the latest state per key equal to the table. Used by the kill tests.
 */
export interface TopicAudit {
  /** change events landed (rows in every file of the topic) */
  events: number;
  /** distinct source positions among them: fewer than `events` means duplicates */
  distinct: number;
  /** events per op */
  ops: Record<string, number>;
  /** positions landed more than once, a few of them, for the failure message */
  duplicated: string[];
}

export function topicGlob(lakeDir: string, topic: string): string {
  return join(lakeDir, 'topics', topic, '**', '*.parquet');
}

export function hasFiles(lakeDir: string, topic: string): boolean {
  return existsSync(join(lakeDir, 'topics', topic));
}

export async function auditTopic(db: DuckDbReader, lakeDir: string, topic: string): Promise<TopicAudit> {
  if (!hasFiles(lakeDir, topic)) return { events: 0, distinct: 0, ops: {}, duplicated: [] };
  const from = `read_parquet(${sqlString(topicGlob(lakeDir, topic))}, union_by_name=true)`;
  const [totals] = await db.rows(`SELECT count(*)::BIGINT AS events, count(DISTINCT __source_pos)::BIGINT AS distinct FROM ${from}`);
  const ops = Object.fromEntries((await db.rows(`SELECT __op AS op, count(*)::BIGINT AS n FROM ${from} GROUP BY __op`)).map((r) => [String(r.op), Number(r.n)]));
  const duplicated = (await db.rows(`SELECT __source_pos AS p FROM ${from} GROUP BY __source_pos HAVING count(*) > 1 ORDER BY 1 LIMIT 5`)).map((r) => String(r.p));
  return { events: Number(totals.events), distinct: Number(totals.distinct), ops, duplicated };
}

/**
 * The latest state of a keyed table rebuilt from its change events: per key the event with the
 * highest position, unless it is a delete (truncates drop everything before them). Rows come
 * back as `key columns + columns`, as text, ordered by key.
 */
export async function latestState(db: DuckDbReader, lakeDir: string, topic: string, keys: readonly string[], columns: readonly string[]): Promise<string[][]> {
  if (!hasFiles(lakeDir, topic)) return [];
  const from = `read_parquet(${sqlString(topicGlob(lakeDir, topic))}, union_by_name=true)`;
  const keyList = keys.map(quote).join(', ');
  const select = [...keys, ...columns].map((c) => `${quote(c)}::VARCHAR`).join(', ');
  const sql = `WITH events AS (SELECT * FROM ${from}),
    last_truncate AS (SELECT coalesce(max(__source_pos), '') AS p FROM events WHERE __op = 't'),
    ranked AS (SELECT *, row_number() OVER (PARTITION BY ${keyList} ORDER BY __source_pos DESC) AS rn FROM events, last_truncate WHERE __op <> 't' AND __source_pos > last_truncate.p)
    SELECT ${select} FROM ranked WHERE rn = 1 AND __op <> 'd' ORDER BY ${keys.map((k) => `ranked.${quote(k)}`).join(', ')}`;
  return (await db.rows(sql)).map((r) => Object.values(r).map((v) => (v === null ? '' : String(v))));
}

/** The same rows from the table itself, for comparison with latestState. */
export function tableStateQuery(table: string, keys: readonly string[], columns: readonly string[]): string {
  const select = [...keys, ...columns].map((c) => `${quote(c)}::text`).join(', ');
  return `SELECT ${select} FROM ${table} AS t ORDER BY ${keys.map((k) => `t.${quote(k)}`).join(', ')}`;
}

function quote(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

/**
 * What a snapshot test asserts of the lake once its last change landed: every position once, no
 * row read twice by the snapshot (`op: r`), at least `minReads` read, with `blocking` no change
 * among the snapshot's rows (a blocking snapshot stops the stream while it reads), and the latest
 * state per `id` equal to `tableRows` (`[id, v, note]` as text, ordered by id; `keep` narrows
 * both sides). Returns the rows read.
 */
export async function assertSnapshotLake(db: DuckDbReader, lakeDir: string, topic: string, tableRows: string[][], options: { minReads: number; blocking?: boolean; keep?: (id: number) => boolean }): Promise<number> {
  const keep = options.keep ?? (() => true);
  const audit = await auditTopic(db, lakeDir, topic);
  assert.deepEqual(audit.duplicated, [], 'no position twice');
  const from = `read_parquet(${sqlString(topicGlob(lakeDir, topic))}, union_by_name=true)`;
  const [reads] = await db.rows(`SELECT count(*)::BIGINT AS n, count(DISTINCT id)::BIGINT AS keys, min(__source_pos) AS first, max(__source_pos) AS last FROM ${from} WHERE __op = 'r'`);
  assert.equal(Number(reads.n), Number(reads.keys), 'no row read twice');
  assert.ok(Number(reads.n) >= options.minReads, `${reads.n} rows read by the snapshot`);
  if (options.blocking) {
    const [among] = await db.rows(`SELECT count(*)::BIGINT AS n FROM ${from} WHERE __op <> 'r' AND __source_pos BETWEEN ${sqlString(String(reads.first))} AND ${sqlString(String(reads.last))}`);
    assert.equal(Number(among.n), 0, 'no change among the snapshot rows');
  }
  const fromLake = (await latestState(db, lakeDir, topic, ['id'], ['v', 'note'])).filter((r) => keep(Number(r[0])));
  const fromTable = tableRows.filter((r) => keep(Number(r[0])));
  // compared by key, the first differences named (a whole-table diff would take minutes to print)
  const lake = new Map(fromLake.map((r) => [r[0], r.slice(1).join('|')]));
  const table = new Map(fromTable.map((r) => [r[0], r.slice(1).join('|')]));
  const differ = [...new Set([...lake.keys(), ...table.keys()])].filter((k) => lake.get(k) !== table.get(k)).slice(0, 8).map((k) => `${k}: lake ${lake.get(k)} table ${table.get(k)}`);
  assert.deepEqual(differ, [], 'latest state');
  assert.equal(fromLake.length, fromTable.length, 'row count');
  return Number(reads.n);
}
