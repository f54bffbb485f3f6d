import type { OffsetEntry } from '../../../plugins/api/index.js';
import type { MySqlConfig } from './mysql-config-spec.js';

/** Keys this connector writes, and Debezium's MySQL ones (whose offsets a migrated connector may carry). */
const KNOWN_KEYS = new Set([
  'file', 'pos', 'gtids', 'row', 'event', 'server_id', 'ts_sec', 'part', 'heartbeat', 'snapshot', 'snapshot_completed',
  'snapshot_ts_ms', 'snapshot_tables_done', 'snapshot_table', 'snapshot_chunk_after', 'snapshot_rows_before', 'transaction_id',
  'snapshot_blocking', 'snapshot_collections', 'snapshot_conditions',
]);
const COUNT_KEYS = ['pos', 'row', 'event', 'server_id', 'ts_sec', 'part', 'snapshot_rows_before', 'snapshot_ts_ms'] as const;

/**
 * Checks offsets before they are stored (KIP-875 PATCH): the partition must be this connector's
 * `{"server": <topic.prefix>}`, the offset must name a binlog `file` and `pos`, and its counts be
 * non-negative integers. Each problem names the entry and field.
 */
export function checkMySqlOffsets(config: MySqlConfig, entries: readonly OffsetEntry[]): string[] {
  const problems: string[] = [];
  entries.forEach((entry, i) => {
    const at = `offsets[${i}]`;
    const keys = Object.keys(entry.partition);
    if (keys.length !== 1 || entry.partition.server !== config['topic.prefix']) problems.push(`${at}.partition must be {"server": "${config['topic.prefix']}"}`);
    const offset = entry.offset;
    if (offset === null) return;
    if (typeof offset.file !== 'string' || offset.file.length === 0) problems.push(`${at}.offset.file must name a binlog file`);
    for (const k of COUNT_KEYS) {
      const v = offset[k];
      if (v !== undefined && v !== null && !(typeof v === 'number' && Number.isInteger(v) && v >= 0)) problems.push(`${at}.offset.${k} must be a non-negative integer, not ${JSON.stringify(v)}`);
    }
    if (offset.pos === undefined) problems.push(`${at}.offset.pos is required`);
    for (const k of Object.keys(offset)) if (!KNOWN_KEYS.has(k) && !k.startsWith('incremental_snapshot_')) problems.push(`${at}.offset.${k} is not an offset field of this connector`);
  });
  return problems;
}
