import { TributaryError, type SourceOffset } from '../../../plugins/api/index.js';
import { BlockingSnapshotRequests } from '../../../plugins/cdc/index.js';
import type { MySqlClient } from './mysql-connection.js';
import { snapshotOffsets, type SnapshotPoint } from './snapshot-offsets.js';
import { Snapshotter, type SnapshotOptions } from './snapshotter.js';

export interface BlockingSnapshotOptions extends Omit<SnapshotOptions, 'client' | 'setProgress'> {
  readonly isMariaDb: boolean;
  readonly connect: () => Promise<MySqlClient>;
  /** writes the offset a restart resumes the snapshot from, before its first row */
  readonly storeStartingOffset: (offset: SourceOffset) => Promise<void>;
  /** the snapshot's progress for status and `GET /snapshots` (null: over) */
  readonly setProgress: (progress: Record<string, unknown> | null) => void;
}

/**
 * Debezium's blocking snapshots (`execute-snapshot` with `"type": "blocking"`) on MySQL and
 * MariaDB: the binlog session ends after the signal's transaction, the named tables are read as
 * the initial snapshot reads them (`op: r` records in key order, none interleaved with changes),
 * and a new session streams on from where the first stopped, so the changes made while the rows
 * were read come after them — deletes too, which rows cannot show.
 *
 * Positions: the rows are positioned where the stream stopped (after everything streamed before,
 * before everything streamed after), and read in a consistent snapshot that holds at least every
 * transaction before that place (its binlog position — MariaDB's `binlog_snapshot_*`, MySQL's
 * under the `snapshot.locking.mode` lock — is checked, and the snapshot taken again if behind).
 * A row may hold changes streamed after it; those come later and win by position, with the same
 * values or newer ones, so each key's last record is its state.
 *
 * A kill part-way: before the first row, once everything streamed before the signal is
 * committed, the snapshot's starting offset is stored (where the stream stopped, the tables and
 * filters); every row's offset names them and the chunk, as the initial snapshot's do, so a
 * restart reads the rest (at the same positions, in a later snapshot: the stream from the stop
 * brings them up to date) and then streams from there.
 */
export class MySqlBlockingSnapshots extends BlockingSnapshotRequests {
  readonly #o: BlockingSnapshotOptions;

  constructor(options: BlockingSnapshotOptions) {
    super(options.logger, options.setProgress);
    this.#o = options;
  }

  /**
   * Runs the requested snapshot once `settled` resolves (every record streamed before it
   * committed, so the starting offset passes nothing undelivered); `stoppedAt` is where the
   * stream stopped: the rows' position, and where streaming goes on afterwards.
   */
  async run(stoppedAt: SnapshotPoint, settled: () => Promise<void>): Promise<void> {
    const scope = this.take();
    if (!scope) return;
    const o = this.#o;
    this.report(scope, 'starting');
    const waiting = setTimeout(() => o.logger.warn({ collections: scope.collections }, 'blocking snapshot: still waiting for the records streamed before the signal to be committed (does a sink take every captured topic?)'), 30_000);
    let client: MySqlClient | null = null;
    try {
      await settled();
      clearTimeout(waiting);
      if (o.signal.aborted) return;
      client = await o.connect();
      const snapshotter = new Snapshotter({ ...o, client, setProgress: (p) => this.report(scope, 'running', p) });
      // the binlog is written before the engine commits: a snapshot begun at once may still miss the last transactions streamed
      for (let attempt = 0; ; attempt++) {
        const at = (await snapshotter.begin(o.isMariaDb)).at;
        if (at.compare(stoppedAt.at) >= 0) break;
        await snapshotter.abandon();
        if (attempt >= 100) throw new TributaryError('source.unavailable', `A blocking snapshot's transaction stays behind the binlog position the stream stopped at (${at.toString()} < ${stoppedAt.at.toString()})`);
        await new Promise((r) => setTimeout(r, 20));
      }
      const startedAt = Date.now();
      await o.storeStartingOffset(snapshotOffsets(stoppedAt, o.settings.serverId, startedAt, [], scope).between());
      o.logger.info({ collections: scope.collections, position: stoppedAt.at.toString() }, 'blocking snapshot started');
      await snapshotter.run(stoppedAt, { done: [], table: null, startedAt, blocking: scope });
      if (!o.signal.aborted) o.logger.info({ collections: scope.collections }, 'blocking snapshot complete: streaming goes on where it stopped');
    } finally {
      clearTimeout(waiting);
      this.report(null);
      client?.destroy();
    }
  }
}
