import type { OffsetEntry } from '../../../plugins/api/index.js';
import { CommitScn } from './commit-scn.js';
import type { OracleConfig } from './oracle-config-spec.js';

const KNOWN_KEYS = new Set(['scn', 'commit_scn', 'txId', 'txSeq', 'snapshot', 'snapshot_completed', 'snapshot_scn', 'snapshot_pending_tx', 'snapshot_tables_done', 'snapshot_table', 'snapshot_chunk_after', 'snapshot_rows_before', 'scn_idx', 'lcr_position', 'transaction_id', 'window_advance_enabled']);

/**
 * Checks offsets before they are stored (KIP-875 PATCH): the partition must be
 * `{"server": <topic.prefix>}` and the offset name an `scn` (decimal text, as Debezium writes
 * it), with a well-formed `commit_scn`. Each problem names the entry and field.
 */
export function checkOracleOffsets(config: OracleConfig, entries: readonly OffsetEntry[]): string[] {
  const problems: string[] = [];
  entries.forEach((entry, i) => {
    const at = `offsets[${i}]`;
    if (Object.keys(entry.partition).length !== 1 || entry.partition.server !== config['topic.prefix']) problems.push(`${at}.partition must be {"server": "${config['topic.prefix']}"}`);
    const offset = entry.offset;
    if (offset === null) return;
    for (const k of ['scn', 'snapshot_scn'] as const) {
      const v = offset[k];
      if (v !== undefined && v !== null && !(typeof v === 'string' && /^\d+$/.test(v)) && !(typeof v === 'number' && Number.isSafeInteger(v) && v >= 0)) problems.push(`${at}.offset.${k} must be an SCN as decimal text, not ${JSON.stringify(v)}`);
    }
    if (offset.scn === undefined && offset.snapshot_scn === undefined) problems.push(`${at}.offset.scn is required`);
    if (offset.commit_scn !== undefined && offset.commit_scn !== null) {
      try { CommitScn.parse(offset.commit_scn); } catch { problems.push(`${at}.offset.commit_scn must be "scn:thread:xid-xid,..."`); }
    }
    if (offset.txSeq !== undefined && offset.txSeq !== null && !(typeof offset.txSeq === 'number' && Number.isInteger(offset.txSeq) && offset.txSeq >= 0)) problems.push(`${at}.offset.txSeq must be a non-negative integer`);
    for (const k of Object.keys(offset)) if (!KNOWN_KEYS.has(k) && !k.startsWith('incremental_snapshot_')) problems.push(`${at}.offset.${k} is not an offset field of this connector`);
  });
  return problems;
}
