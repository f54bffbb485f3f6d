import type pg from 'pg';
import { TributaryError, type SourceOffset } from '../../../plugins/api/index.js';
import type { BlockingSnapshotSignal } from '../../../plugins/cdc/index.js';
import type { Lsn } from './lsn.js';
import type { ConnectionSettings } from './pg-connection.js';
import { snapshotOffsets, type BlockingScope } from './positions.js';
import { ReplicationConnection } from './replication-connection.js';
import { createSlot } from './replication-setup.js';
import type { BlockingSnapshotRunner } from './replication-streamer.js';
import { Snapshotter, type SnapshotOptions } from './snapshotter.js';

export interface BlockingSnapshotOptions extends Omit<SnapshotOptions, 'client' | 'setProgress'> {
  readonly settings: ConnectionSettings;
  /** the task's slot: the temporary slot's name starts with it */
  readonly slot: string;
  /** a raw-text connection for the snapshot transaction (see Snapshotter) */
  readonly connect: () => Promise<pg.Client>;
  /** writes the offset a restart resumes the snapshot from, before its first row */
  readonly storeStartingOffset: (offset: SourceOffset) => Promise<void>;
  /** the snapshot's progress for status and `GET /snapshots` (null: over) */
  readonly setProgress: (progress: Record<string, unknown> | null) => void;
}

/**
 * Debezium's blocking snapshots (`execute-snapshot` with `"type": "blocking"`): the stream stops
 * after the signal's transaction, the named tables are read as an initial snapshot reads them
 * (`op: r` records, in key order, none interleaved with changes), and the stream goes on.
 *
 * The point the rows are read at is exact: a temporary replication slot exports a snapshot
 * whose consistent point is the LSN before which every transaction is visible in it and after
 * which none is, so the stream, resuming where it stopped, skips what committed before that
 * point and emits what committed after it — each change once, on the right side of the rows.
 *
 * A kill part-way: before the first row, once everything streamed before the signal is
 * committed, the snapshot's starting offset is stored; every row's offset names the tables, the
 * filters, the point and the chunk (as the initial snapshot's do), so a restart reads the rest
 * (later rows at a later MVCC snapshot, positioned at the same point; the changes in between are
 * streamed after them) and then streams on. Costs: a free replication slot and walsender while it
 * starts (max_replication_slots, max_wal_senders), the WAL held by the task's slot while it runs,
 * and the slot's creation waits for the transactions running at that moment to end.
 */
export class BlockingSnapshots implements BlockingSnapshotRunner {
  readonly #o: BlockingSnapshotOptions;
  #requested: BlockingScope | null = null;
  #progress: Record<string, unknown> | null = null;

  constructor(options: BlockingSnapshotOptions) {
    this.#o = options;
  }

  get requested(): boolean {
    return this.#requested !== null;
  }

  /** A signal from the stream: the snapshot starts at the end of its transaction (tables of a second signal before that join it). */
  request(signal: BlockingSnapshotSignal): void {
    const scope = this.#requested ?? { collections: [], conditions: {} };
    const collections = [...scope.collections, ...signal.collections.filter((c) => !scope.collections.includes(c))];
    this.#requested = { collections, conditions: { ...scope.conditions, ...Object.fromEntries(signal.conditions) } };
    this.#o.logger.info({ signal: signal.id, collections }, 'blocking snapshot requested: the stream stops after this transaction until the snapshot ends');
  }

  /** `GET /connectors/{name}/snapshots` while one runs */
  progress(): Record<string, unknown> | null {
    return this.#progress;
  }

  async run(resumeFrom: Lsn, settled: () => Promise<void>): Promise<Lsn | null> {
    const scope = this.#requested;
    this.#requested = null;
    if (!scope) return null;
    const o = this.#o;
    this.#report({ type: 'blocking', state: 'starting', collections: scope.collections });
    const waiting = setTimeout(() => o.logger.warn({ collections: scope.collections }, 'blocking snapshot: still waiting for the records streamed before the signal to be committed (does a sink take every captured topic?)'), 30_000);
    try {
      // the starting offset below must not pass a record not yet delivered
      await settled();
    } finally {
      clearTimeout(waiting);
    }
    if (o.signal.aborted) return null;
    const exporter = new ReplicationConnection(o.settings, `tributary-${o.topicPrefix}-blocking`);
    let client: pg.Client | null = null;
    try {
      await exporter.connect();
      const slot = await createSlot(exporter, `${o.slot}_blk_${Date.now().toString(36)}`.slice(0, 63), true, true).catch((error: unknown) => {
        throw new TributaryError('source.setup_required', `A blocking snapshot needs a temporary replication slot, which the server refused: ${(error as Error).message}. Raise max_replication_slots and max_wal_senders by one, or use an incremental snapshot ("type": "incremental").`, { cause: error });
      });
      client = await o.connect();
      const snapshotter = new Snapshotter({ ...o, client, setProgress: (p) => this.#report({ type: 'blocking', state: 'running', collections: scope.collections, ...p }) });
      await snapshotter.begin(slot.snapshotName);
      // imported: the slot (and its connection) are no longer needed
      await exporter.close();
      const point = slot.consistentPoint;
      const startedAt = Date.now();
      await o.storeStartingOffset(snapshotOffsets(point, resumeFrom, startedAt, [], scope).between());
      o.logger.info({ collections: scope.collections, point: point.toString() }, 'blocking snapshot started');
      await snapshotter.run(point, resumeFrom, { done: [], table: null, startedAt, blocking: scope });
      if (o.signal.aborted) return null;
      o.logger.info({ collections: scope.collections }, 'blocking snapshot complete: streaming goes on');
      return point;
    } finally {
      this.#report(null);
      await exporter.close();
      await client?.end().catch(() => undefined);
    }
  }

  #report(progress: Record<string, unknown> | null): void {
    this.#progress = progress;
    this.#o.setProgress(progress);
  }
}
