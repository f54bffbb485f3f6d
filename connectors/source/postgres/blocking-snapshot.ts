import type pg from 'pg';
import { TributaryError, type SourceOffset } from '../../../plugins/api/index.js';
import { BlockingSnapshotRequests } from '../../../plugins/cdc/index.js';
import type { Lsn } from './lsn.js';
import type { ConnectionSettings } from './pg-connection.js';
import { snapshotOffsets } from './positions.js';
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
 * (`op: r` records, in key order, none interleaved with changes), and the stream goes on where it
 * stopped, so the changes committed while the rows were read come after them — deletes too,
 * which rows cannot show.
 *
 * Positions: the rows are positioned where the stream stopped (the end of the signal's
 * transaction: after everything streamed before, before everything streamed after). They are
 * read in a snapshot that holds every transaction before that place: a temporary replication
 * slot's exported snapshot, whose consistent point — before which every transaction is visible
 * in it — is past it (a plain snapshot begun at once could still miss a transaction the stream
 * already decoded, in the moment between its commit record and its visibility). A row may hold
 * changes streamed after it; those come later and win by position, with the same values or
 * newer ones, so each key's last record is its state.
 *
 * A kill part-way: before the first row, once everything streamed before the signal is
 * committed, the snapshot's starting offset is stored; every row's offset names the tables, the
 * filters, the point and the chunk (as the initial snapshot's do), so a restart reads the rest
 * (later rows at a later MVCC snapshot, positioned at the same point; the changes in between are
 * streamed after them) and then streams on. Costs: a free replication slot and walsender while it
 * starts (max_replication_slots, max_wal_senders), the WAL held by the task's slot while it runs,
 * and the slot's creation waits for the transactions running at that moment to end.
 */
export class BlockingSnapshots extends BlockingSnapshotRequests implements BlockingSnapshotRunner {
  readonly #o: BlockingSnapshotOptions;

  constructor(options: BlockingSnapshotOptions) {
    super(options.logger, options.setProgress);
    this.#o = options;
  }

  async run(resumeFrom: Lsn, settled: () => Promise<void>): Promise<void> {
    const scope = this.take();
    if (!scope) return;
    const o = this.#o;
    this.report(scope, 'starting');
    const waiting = setTimeout(() => o.logger.warn({ collections: scope.collections }, 'blocking snapshot: still waiting for the records streamed before the signal to be committed (does a sink take every captured topic?)'), 30_000);
    try {
      // the starting offset below must not pass a record not yet delivered
      await settled();
    } finally {
      clearTimeout(waiting);
    }
    if (o.signal.aborted) {
      this.report(null);
      return;
    }
    const exporter = new ReplicationConnection(o.settings, `tributary-${o.topicPrefix}-blocking`);
    let client: pg.Client | null = null;
    try {
      await exporter.connect();
      const slot = await createSlot(exporter, `${o.slot}_blk_${Date.now().toString(36)}`.slice(0, 63), true, true).catch((error: unknown) => {
        throw new TributaryError('source.setup_required', `A blocking snapshot needs a temporary replication slot, which the server refused: ${(error as Error).message}. Raise max_replication_slots and max_wal_senders by one, or use an incremental snapshot ("type": "incremental").`, { cause: error });
      });
      client = await o.connect();
      const snapshotter = new Snapshotter({ ...o, client, setProgress: (p) => this.report(scope, 'running', p) });
      await snapshotter.begin(slot.snapshotName);
      // imported: the slot (and its connection) are no longer needed
      await exporter.close();
      const startedAt = Date.now();
      await o.storeStartingOffset(snapshotOffsets(resumeFrom, resumeFrom, startedAt, [], scope).between());
      o.logger.info({ collections: scope.collections, position: resumeFrom.toString(), consistentPoint: slot.consistentPoint.toString() }, 'blocking snapshot started');
      await snapshotter.run(resumeFrom, resumeFrom, { done: [], table: null, startedAt, blocking: scope });
      if (!o.signal.aborted) o.logger.info({ collections: scope.collections }, 'blocking snapshot complete: streaming goes on from the signal');
    } finally {
      this.report(null);
      await exporter.close();
      await client?.end().catch(() => undefined);
    }
  }
}
