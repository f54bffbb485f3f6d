import {
  RetriableError, TributaryError, type SourcePartition, type SourceRecord, type SourceTask, type SourceTaskContext,
} from '../../../plugins/api/index.js';
import { ChangeQueue, decideSnapshot } from '../../../plugins/cdc/index.js';
import { listTables } from './catalog.js';
import { CommitScn } from './commit-scn.js';
import { currentScn } from './database-state.js';
import { logFilesFrom } from './log-files.js';
import { LogMinerStreamer } from './logminer-streamer.js';
import { prepareSession, switchContainer } from './nls-session.js';
import type { OracleConfig } from './oracle-config-spec.js';
import { decodeOffset, encodeSnapshot, encodeStreaming, type StreamingOffset } from './oracle-offsets.js';
import { oracleTableFilter } from './oracle-table-filter.js';
import type { RecordSettings } from './record-settings.js';
import type { Scn } from './scn.js';
import type { SessionFactory } from './session-factory.js';
import { OracleSnapshotter, type SnapshotPlan } from './snapshotter.js';
import { isSnapshotTooOld, miningError } from './oracle-errors.js';
import { oracleErrorOf, type SqlSession } from './sql-session.js';
import { TableCatalog } from './table-catalog.js';

/**
 * The Oracle source task: a coordinator that snapshots (when the mode and the stored offset call
 * for it) and then mines the redo from the snapshot's SCN, both feeding one bounded queue that
 * `poll` drains. Two sessions: one for LogMiner (in the root container of a CDB), one for the
 * catalog and the snapshot (switched to the PDB). LogMiner keeps nothing for its reader, so
 * `commit` acknowledges nothing: redo older than the stored offset's `scn` may be deleted by the
 * archive-log retention once the offset is committed.
 */
export class OracleSourceTask implements SourceTask<OracleConfig> {
  #context!: SourceTaskContext<OracleConfig>;
  #config!: OracleConfig;
  #queue!: ChangeQueue<SourceRecord>;
  #mining: SqlSession | null = null;
  #catalog: SqlSession | null = null;
  #streamer: LogMinerStreamer | null = null;
  readonly #abort = new AbortController();
  #worker: Promise<void> = Promise.resolve();

  constructor(readonly sessions: SessionFactory) {}

  async start(context: SourceTaskContext<OracleConfig>): Promise<void> {
    try {
      await this.#start(context);
    } catch (error) {
      // the runtime does not stop a task whose start threw: no session may stay open
      await this.stop();
      throw error;
    }
  }

  async #open(): Promise<SqlSession> {
    const config = this.#config;
    let session: SqlSession;
    try {
      session = await this.sessions(config);
    } catch (error) {
      const { code, message } = oracleErrorOf(error);
      if (code === 'ORA-01017' || code === 'ORA-12514' || code === 'ORA-12505' || code === 'ORA-28000') {
        throw new TributaryError('source.setup_required', `Cannot connect to Oracle: ${message}`, { cause: error });
      }
      throw new RetriableError('source.unavailable', `Cannot connect to Oracle: ${message}`, { cause: error });
    }
    await prepareSession(session);
    return session;
  }

  async #start(context: SourceTaskContext<OracleConfig>): Promise<void> {
    this.#context = context;
    const config = (this.#config = context.config);
    const partition: SourcePartition = Object.freeze({ server: config['topic.prefix'] });
    this.#queue = new ChangeQueue(config['max.queue.size']);
    const filter = oracleTableFilter(config);
    const pdb = config['database.pdb.name'] ?? null;
    const settings: RecordSettings = {
      serverName: config['topic.prefix'], heartbeatTopic: `${config['heartbeat.topics.prefix']}.${config['topic.prefix']}`, partition,
      db: (pdb ?? config['database.dbname']).toUpperCase(), tombstones: config['tombstones.on.delete'],
    };
    const tables = new TableCatalog(filter, config['topic.prefix'], config, context.logger);
    const mining = (this.#mining = await this.#open());
    const catalog = (this.#catalog = await this.#open());
    if (pdb) await switchContainer(catalog, pdb);
    // every captured table described now: a table this source cannot capture (LOB columns) fails the start, not the stream
    for (const t of await listTables(catalog)) await tables.describe(catalog, t.owner, t.table);

    const stored = decodeOffset(await context.offsets.offset(partition));
    const from = stored.kind === 'streaming' ? stored.streaming.scn : stored.kind === 'snapshot' ? stored.snapshot.streamFrom : null;
    const available = from !== null && await this.#logsCover(mining, from);
    const decision = decideSnapshot(config['snapshot.mode'], stored.kind, available);
    if (decision.snapshot === 'position_lost') {
      throw new TributaryError('source.position_lost', `The stored offset's SCN ${from?.toString() ?? '(none)'} is older than the oldest available redo log, so the changes since then are gone. Do a new snapshot: set snapshot.mode=when_needed (or delete the connector's offsets) and restart.`);
    }
    let plan: SnapshotPlan | null = null;
    let streamFrom: StreamingOffset | null = stored.kind === 'streaming' && decision.snapshot === 'none' ? stored.streaming : null;
    const snapshotter = new OracleSnapshotter({
      session: catalog, settings, tables, queue: this.#queue, fetchSize: config['snapshot.fetch.size'], logger: context.logger, metrics: context.metrics,
      setProgress: (p) => context.setProgress(p), signal: this.#abort.signal,
    });
    if (decision.snapshot === 'resume' && stored.kind === 'snapshot') plan = stored.snapshot;
    else if (decision.snapshot === 'fresh' || decision.snapshot === 'resume') {
      plan = await snapshotter.begin();
      // stored before the first row is sent: a task killed before its first offset commit
      // resumes this snapshot at the same SCN (the same rows at the same positions)
      await context.storeStartingOffset(partition, encodeSnapshot(plan));
    }
    const streamingFrom = (p: SnapshotPlan): StreamingOffset => ({ scn: p.streamFrom, commitScn: CommitScn.EMPTY, txId: null, txSeq: null, snapshotScn: p.snapshotScn });
    if (plan) streamFrom = streamingFrom(plan);
    if (!streamFrom) {
      streamFrom = { scn: await currentScn(mining), commitScn: CommitScn.EMPTY, txId: null, txSeq: null, snapshotScn: null };
      // a first start streaming from the current SCN (snapshot.mode no_data) stores it before its
      // first change: a task killed before its first offset commit resumes there, not at a later
      // current SCN, which would skip every change in between
      await context.storeStartingOffset(partition, encodeStreaming(streamFrom));
    }
    context.logger.info({ snapshot: plan ? plan.snapshotScn.toString() : null, resumed: decision.snapshot === 'resume', streamFrom: streamFrom.scn.toString(), stream: decision.stream }, 'oracle source starting');

    const startStreaming = (from: StreamingOffset) => new LogMinerStreamer({
      config, settings, tables, queue: this.#queue, logger: context.logger, metrics: context.metrics, session: this.#mining ?? mining,
      filter: { schemaInclude: config['schema.include.list'] ?? [], schemaExclude: config['schema.exclude.list'] ?? [], pdbName: pdb },
      reconnect: () => this.#open().then((s) => (this.#mining = s)),
      catalogSession: () => this.#catalog ?? mining,
      reportDegraded: (e) => context.reportDegraded(e),
    }, from);
    const resumed = decision.snapshot === 'resume';
    const initialFrom = streamFrom;
    this.#worker = (async () => {
      let from = initialFrom;
      if (plan) {
        try {
          await snapshotter.run(plan);
        } catch (error) {
          // a resumed snapshot whose SCN the undo no longer reaches starts over at a new SCN
          // (its rows get new positions; nothing of the stream was delivered yet)
          if (!resumed || !isSnapshotTooOld(error)) throw error;
          context.logger.warn({ snapshotScn: plan.snapshotScn.toString(), err: oracleErrorOf(error).message }, 'the interrupted snapshot\'s SCN is beyond the undo retention; a new snapshot is taken');
          const fresh = await snapshotter.begin();
          await context.storeStartingOffset(partition, encodeSnapshot(fresh));
          from = streamingFrom(fresh);
          await snapshotter.run(fresh);
        }
      }
      if (this.#abort.signal.aborted || !decision.stream) return;
      this.#streamer = startStreaming(from);
      await this.#streamer.run();
    })().catch((error: unknown) => {
      if (!this.#abort.signal.aborted) this.#queue.fail(taskError(error));
    });
  }

  async #logsCover(session: SqlSession, from: Scn): Promise<boolean> {
    try {
      await logFilesFrom(session, from, this.#config['log.mining.archive.log.hours']);
      return true;
    } catch (error) {
      if (error instanceof TributaryError && error.code === 'source.position_lost') {
        this.#context.logger.warn({ scn: from.toString(), err: error.message }, 'the stored offset\'s SCN is no longer in the redo');
        return false;
      }
      throw error;
    }
  }

  async poll(signal: AbortSignal): Promise<SourceRecord[]> {
    const records = await this.#queue.take(this.#config['max.batch.size'], this.#config['poll.interval.ms'], signal);
    if (records.length > 0) this.#context.metrics.incCounter('oracle_records_total', 'Change records handed to the runtime', records.length);
    return records;
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    this.#queue?.fail(new TributaryError('worker.stopping', 'task stopped'));
    await this.#streamer?.stop();
    await this.#worker;
    await this.#mining?.close().catch(() => undefined);
    await this.#catalog?.close().catch(() => undefined);
    this.#mining = null;
    this.#catalog = null;
  }
}

/**
 * The error the task fails or retries with: typed errors pass; a snapshot that ran past the undo
 * retention says what to change; lost connections and unreadable logs are retriable.
 */
function taskError(error: unknown): unknown {
  if (isSnapshotTooOld(error)) {
    return new TributaryError('source.setup_required', `The snapshot's AS OF SCN query reached past the undo retention (${oracleErrorOf(error).message}). Raise UNDO_RETENTION (and the undo tablespace) above the snapshot's duration, or lower snapshot.fetch.size, then restart.`, { cause: error });
  }
  return miningError(error);
}
