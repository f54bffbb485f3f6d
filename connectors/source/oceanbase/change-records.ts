import type { SourceOffset, SourcePartition, SourceRecord } from '../../../plugins/api/index.js';
import { ChangeEvents, envelope, type RecordMaker } from '../../../plugins/cdc/index.js';
import type { OceanBaseTable, TextImage } from './oceanbase-table.js';
import { oceanbaseSourceInfo } from './source-info.js';

/** What every record of a task shares. */
export interface RecordSettings {
  readonly serverName: string;
  readonly partition: SourcePartition;
  readonly db: string;
  readonly tenant: string;
  readonly tombstones: boolean;
  readonly captureMode: string;
  readonly heartbeatTopic: string;
}

/** One row change as a capture mode reads it, with where it sits in the source's order. */
export interface RowChange {
  readonly table: OceanBaseTable;
  readonly op: 'c' | 'u' | 'd' | 'r';
  readonly before: TextImage | null;
  readonly after: TextImage | null;
  /** the commit time (ms) where known, else when it was read */
  readonly tsMs: number;
  readonly txId: string | null;
  readonly scn: string | null;
  /** a string that sorts byte-wise in capture order; each record adds its part number */
  readonly position: string;
  readonly offset: SourceOffset;
}

/**
 * Turns row changes into records, Debezium's way (a key change is a delete, its tombstone and a
 * create; a delete is followed by a tombstone). The id is `<topic.prefix>/<position>/<part>`:
 * unique per record and the same on every replay, because the position is the source's.
 */
export class ChangeRecords implements RecordMaker<RowChange> {
  constructor(readonly settings: RecordSettings) {}

  make(change: RowChange, part: number, key: Record<string, unknown> | null, value: Record<string, unknown> | null): SourceRecord {
    const position = `${change.position}/${String(part).padStart(2, '0')}`;
    const t = change.table;
    return {
      topic: t.topic, keySchema: t.keySchema, key, valueSchema: value === null ? null : t.valueSchema, value, timestamp: change.tsMs,
      sourcePartition: this.settings.partition, sourceOffset: change.offset, position, id: `${this.settings.serverName}/${position}`,
    };
  }

  records(change: RowChange, out: SourceRecord[] = []): SourceRecord[] {
    const s = this.settings;
    const t = change.table;
    const source = oceanbaseSourceInfo({
      serverName: s.serverName, tsMs: change.tsMs, snapshot: change.op === 'r' ? 'true' : 'false', db: s.db, schema: t.shape.owner, table: t.shape.name,
      tenant: s.tenant, txId: change.txId, scn: change.scn, captureMode: s.captureMode,
    });
    const local: SourceRecord[] = [];
    switch (change.op) {
      case 'c':
        ChangeEvents.create(local, this, change, t.toKey(change.after!), t.toRow(change.after!), source);
        break;
      case 'r':
        local.push(this.make(change, 0, t.toKey(change.after!), envelope('r', null, t.toRow(change.after!), source)));
        break;
      case 'u':
        if (change.before && t.keySchema && t.keyDiffers(change.before, change.after!)) {
          ChangeEvents.keyChange(local, this, change, t.toKey(change.before), t.toRow(change.before), t.toKey(change.after!), t.toRow(change.after!), source, s.tombstones);
        } else {
          ChangeEvents.update(local, this, change, t.toKey(change.after!), change.before ? t.toRow(change.before) : null, t.toRow(change.after!), source);
        }
        break;
      case 'd':
        ChangeEvents.delete(local, this, change, t.toKey(change.before!), t.toRow(change.before!), source, s.tombstones);
        break;
    }
    out.push(...local);
    return out;
  }
}
