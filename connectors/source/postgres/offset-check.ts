import type { OffsetEntry, SourceOffset } from '../../../plugins/api/index.js';
import type { PostgresConfig } from './postgres-config-spec.js';

/**
 * Checks offsets before they are stored (KIP-875 PATCH) or used (a task starting from its stored
 * offset): the partition must be this connector's `{"server": <topic.prefix>}` and the offset
 * must hold what the task reads from it — an LSN it can parse, and the keys Debezium or this
 * connector write. Each problem names the entry and field, so an operator sees every mistake in
 * one answer.
 */

/** Keys this connector writes, and Debezium's (whose offsets a migrated connector may carry). */
const KNOWN_KEYS = new Set([
  'lsn', 'lsn_commit', 'lsn_commit_end', 'lsn_proc', 'txId', 'ts_usec', 'seq', 'part', 'heartbeat',
  'snapshot', 'last_snapshot_record', 'snapshot_completed', 'snapshot_lsn', 'snapshot_point', 'snapshot_ts_ms',
  'snapshot_tables_done', 'snapshot_table', 'snapshot_chunk_after', 'snapshot_rows_before',
  'snapshot_blocking', 'snapshot_collections', 'snapshot_conditions',
  'messageType', 'xmin', 'transaction_id',
]);
/** Debezium's incremental-snapshot and transaction-metadata keys come with these prefixes. */
const KNOWN_PREFIXES = ['incremental_snapshot_', 'transaction_'];

const LSN_KEYS = ['lsn', 'lsn_commit', 'lsn_commit_end', 'lsn_proc', 'snapshot_lsn', 'snapshot_point'] as const;
const COUNT_KEYS = ['seq', 'part', 'snapshot_table', 'snapshot_rows_before', 'ts_usec', 'snapshot_ts_ms'] as const;
const FLAG_KEYS = ['snapshot', 'last_snapshot_record', 'snapshot_completed', 'heartbeat', 'snapshot_blocking'] as const;

export function checkPostgresOffsets(config: PostgresConfig, entries: readonly OffsetEntry[]): string[] {
  const problems: string[] = [];
  entries.forEach((entry, i) => {
    const at = `offsets[${i}]`;
    const keys = Object.keys(entry.partition);
    if (keys.length !== 1 || entry.partition.server !== config['topic.prefix']) {
      problems.push(`${at}.partition must be {"server": "${config['topic.prefix']}"} (the connector's topic.prefix), not ${JSON.stringify(entry.partition)}`);
    }
    if (entry.offset !== null) problems.push(...offsetProblems(entry.offset, `${at}.offset`));
  });
  return problems;
}

/** The problems of one offset; `at` prefixes each (e.g. `offsets[0].offset`). */
export function offsetProblems(offset: SourceOffset, at = 'offset'): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(offset)) {
    if (!KNOWN_KEYS.has(key) && !KNOWN_PREFIXES.some((p) => key.startsWith(p))) problems.push(`${at}.${key} is not a key of a PostgreSQL offset (known: ${[...KNOWN_KEYS].join(', ')})`);
  }
  if (offset.lsn === undefined || offset.lsn === null) problems.push(`${at}.lsn is required: the WAL position of the last change (a number, or text like "0/16B3748")`);
  for (const key of LSN_KEYS) {
    const value = offset[key];
    if (value !== undefined && value !== null && !isLsn(value)) problems.push(`${at}.${key} must be a WAL position (a non-negative integer, or text like "0/16B3748"), not ${JSON.stringify(value)}`);
  }
  for (const key of COUNT_KEYS) {
    const value = offset[key];
    if (value !== undefined && value !== null && !(typeof value === 'number' && Number.isSafeInteger(value) && value >= 0)) problems.push(`${at}.${key} must be a non-negative integer, not ${JSON.stringify(value)}`);
  }
  if (offset.txId !== undefined && offset.txId !== null && !(typeof offset.txId === 'number' && Number.isSafeInteger(offset.txId))) problems.push(`${at}.txId must be an integer or null, not ${JSON.stringify(offset.txId)}`);
  for (const key of FLAG_KEYS) {
    const value = offset[key];
    if (value !== undefined && value !== null && typeof value !== 'boolean') problems.push(`${at}.${key} must be true or false, not ${JSON.stringify(value)}`);
  }
  if (offset.snapshot === true && (offset.snapshot_lsn === undefined || offset.snapshot_lsn === null)) problems.push(`${at}.snapshot_lsn is required while snapshot is true (where streaming starts after the snapshot)`);
  if (offset.snapshot_blocking === true && typeof offset.snapshot_collections !== 'string') problems.push(`${at}.snapshot_collections is required while snapshot_blocking is true (the comma-separated tables of the blocking snapshot)`);
  if (offset.snapshot_conditions !== undefined && offset.snapshot_conditions !== null && !isConditions(offset.snapshot_conditions)) problems.push(`${at}.snapshot_conditions must be a JSON object of table filters, as the blocking snapshot writes it`);
  if (offset.snapshot_chunk_after !== undefined && offset.snapshot_chunk_after !== null && !isKeyTexts(offset.snapshot_chunk_after)) problems.push(`${at}.snapshot_chunk_after must be a JSON array of key texts, as the snapshot writes it`);
  return problems;
}

function isLsn(value: unknown): boolean {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0;
  if (typeof value !== 'string') return false;
  return /^[0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8}$/.test(value) || /^\d{1,20}$/.test(value);
}

function isConditions(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && Object.values(parsed).every((v) => typeof v === 'string');
  } catch {
    return false;
  }
}

function isKeyTexts(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) && parsed.every((v) => v === null || typeof v === 'string');
  } catch {
    return false;
  }
}
