import {
  RetriableError, TributaryError,
  type SourceOffset, type SourcePartition, type SourceRecord, type SourceTask, type SourceTaskContext,
} from '../../../plugins/api/index.js';
import { ChangeQueue, chunkQueueSettings, decideSnapshot, DegradedStatus, InvalidSignal, parseSignal, sleep, type ChunkQueueReader, type ChunkQueueSettings, type TableFilter } from '../../../plugins/cdc/index.js';
import { BinlogPosition, heartbeatPosition, positionOffset, positionOfOffset } from './binlog-position.js';
import { MySqlBlockingSnapshots } from './blocking-snapshot.js';
import { BinlogStreamer, type StreamStart } from './binlog-streamer.js';
import { mysqlChunkReader } from './chunk-reader.js';
import { listTables, describeTable, type TableShape } from './catalog.js';
import { splitName } from './incremental-chunks.js';
import { MySqlIncrementalSnapshots } from './incremental-snapshot.js';
import { connect, mysqlError, type MySqlClient } from './mysql-connection.js';
import type { MySqlConfig } from './mysql-config-spec.js';
import { binlogFiles, binlogSettingProblems, currentPosition, gtidsAvailable, serverInfo, type ServerInfo } from './mysql-server-info.js';
import { mysqlTableFilter } from './mysql-table-filter.js';
import { recordSettings, type RecordSettings } from './record-settings.js';
import { blockingScopeOf, FROM_START, snapshotOffsets, snapshotResumeOf, type SnapshotPoint, type SnapshotResume } from './snapshot-offsets.js';
import { Snapshotter } from './snapshotter.js';
import type { ConnectorFlavour } from './source-info.js';

interface Plan {
  /** null: no snapshot this time; `point` null: a new one, taken at the snapshot transaction's start */
  snapshot: { point: SnapshotPoint | null; resume: SnapshotResume } | null;
  /** where streaming starts without a snapshot */
  streamFrom: StreamStart | null;
  lastDelivered: string | null;
  stream: boolean;
}

const LAG_SAMPLE_MS = 1_000;

/**
 * The MySQL / MariaDB source task: a coordinator that snapshots (when the mode and the stored
 * offset call for it) and then streams the binlog from the snapshot's position, both feeding one
 * bounded queue that `poll` drains. The binlog is the server's, not held for this reader (unlike
 * a replication slot), so `commit` acknowledges nothing to the server (it only tells a blocking
 * snapshot what is committed): a stored offset older than the server's binlog retention is lost
 * (see the README).
 */
export class MySqlSourceTask implements SourceTask<MySqlConfig> {
  #context!: SourceTaskContext<MySqlConfig>;
  #config!: MySqlConfig;
  #queue!: ChangeQueue<SourceRecord>;
  #admin: MySqlClient | null = null;
  #snapshotClient: MySqlClient | null = null;
  #streamer: BinlogStreamer | null = null;
  #incremental: MySqlIncrementalSnapshots | null = null;
  #blocking: MySqlBlockingSnapshots | null = null;
  /** the progress of a blocking snapshot resumed at start (one begun while streaming reports its own) */
  #resumedBlocking: Record<string, unknown> | null = null;
  /** the position of the last record whose offset the runtime committed (see #settled) */
  #committedPosition: string | null = null;
  readonly #abort = new AbortController();
  #worker: Promise<void> = Promise.resolve();
  #lagTimer: NodeJS.Timeout | undefined;
  #filter!: TableFilter;
  /** the catalog's shape of each captured table, by `db.table` (see DecoderOptions.catalogOf) */
  readonly #catalog = new Map<string, TableShape>();
  /** task 1.. of a connector with a chunk queue: it only reads chunk ranges for task 0 */
  #chunkReader: ChunkQueueReader<never, never, never> | null = null;
  /** what the stream and the chunk queue each report working around: the status shows the stream's first */
  #degraded!: DegradedStatus<'stream' | 'queue'>;

  constructor(readonly flavour: ConnectorFlavour = 'mysql') {}

  async start(context: SourceTaskContext<MySqlConfig>): Promise<void> {
    try {
      await this.#start(context);
    } catch (error) {
      // a start that fails (position lost, setup required, server down) leaves no connection
      // open: the runtime does not stop a task whose start threw, and an open socket would
      // keep the process alive
      await this.stop();
      throw error;
    }
  }

  async #start(context: SourceTaskContext<MySqlConfig>): Promise<void> {
    this.#context = context;
    this.#degraded = new DegradedStatus(['stream', 'queue'], (e) => context.reportDegraded(e));
    const config = (this.#config = context.config);
    const queue = chunkQueueSettings(config, context.connectorName);
    if (queue && context.taskId > 0) {
      // one task streams (the binlog is one stream); the others read chunk ranges for it
      const reader = this.#reader(queue);
      reader.start();
      this.#chunkReader = reader as unknown as ChunkQueueReader<never, never, never>;
      context.logger.info({ queue: queue.name, task: context.taskId }, `${this.flavour} chunk reader started: this task reads incremental-snapshot chunk ranges for task 0 and emits no records`);
      return;
    }
    const partition: SourcePartition = Object.freeze({ server: config['topic.prefix'] });
    this.#queue = new ChangeQueue(config['max.queue.size']);
    const filter = mysqlTableFilter(config);
    const admin = (this.#admin = await connectOrRetry(config));
    let info: ServerInfo;
    try {
      info = await serverInfo(admin);
    } catch (error) {
      throw new RetriableError('source.unavailable', `Cannot read the server's settings: ${(error as Error).message}`, { cause: error });
    }
    const problems = binlogSettingProblems(info);
    if (problems.length > 0) throw new TributaryError('source.setup_required', `The server cannot be captured: ${problems.join(' ')}`, { details: problems });
    const settings: RecordSettings = { ...recordSettings(config, this.flavour, info.serverId), partition };
    const mapping = config;
    this.#filter = filter;
    await this.#loadCatalog(admin, filter);
    const offset = await context.offsets.offset(partition);
    const plan = await this.#plan(admin, info, offset);
    let snapshotter: Snapshotter | null = null;
    let point: SnapshotPoint | null = null;
    if (plan.snapshot) {
      this.#snapshotClient = await connectOrRetry(config);
      const blocking = plan.snapshot.resume.blocking;
      snapshotter = new Snapshotter({
        client: this.#snapshotClient, settings, filter, mapping, lockingMode: config['snapshot.locking.mode'], queue: this.#queue,
        fetchSize: config['snapshot.fetch.size'], logger: context.logger, metrics: context.metrics, signal: this.#abort.signal,
        setProgress: blocking ? (p) => this.#reportResumedBlocking(blocking.collections, p) : (p) => context.setProgress(p),
      });
      const opened = await snapshotter.begin(info.isMariaDb);
      // a resumed snapshot keeps its first point: its rows keep their positions, and streaming
      // from there brings the rows read later up to date
      point = plan.snapshot.point ?? opened;
      if (plan.snapshot.point === null) {
        // a new snapshot's point is stored before its first row is sent: a task killed before
        // its first offset commit resumes at this point, not at a new one (which would give the
        // rows already sent other positions, and fold the changes in between into re-read rows)
        const startedAt = Date.now();
        plan.snapshot = { point, resume: { ...FROM_START, startedAt } };
        await context.storeStartingOffset(partition, snapshotOffsets(point, settings.serverId, startedAt, []).between());
      }
    }
    const streamFrom: StreamStart | null = point ? { at: point.at, gtids: point.gtids, byGtid: false } : plan.streamFrom;
    if (offset === null && point === null && streamFrom) {
      // a first start streaming from the binlog's end (snapshot.mode no_data or never) stores
      // that place before its first change: a task killed before its first offset commit
      // resumes there, not at the binlog's end then, which would skip every change in between
      await context.storeStartingOffset(partition, positionOffset(streamFrom.at, streamFrom.gtids, info.serverId));
    }
    context.logger.info({ server: info.version, snapshot: point ? point.at.toString() : null, streamFrom: streamFrom?.at.toString() ?? null, byGtid: streamFrom?.byGtid ?? false, stream: plan.stream }, `${this.flavour} source starting`);
    this.#blocking = plan.stream && streamFrom ? new MySqlBlockingSnapshots({
      isMariaDb: info.isMariaDb, connect: () => connectOrRetry(config), settings, filter, mapping, lockingMode: config['snapshot.locking.mode'], queue: this.#queue,
      fetchSize: config['snapshot.fetch.size'], logger: context.logger, metrics: context.metrics, signal: this.#abort.signal,
      storeStartingOffset: (o) => context.storeStartingOffset(partition, o), setProgress: (p) => context.setProgress(p ? { blocking: p } : null),
    }) : null;
    this.#incremental = plan.stream && streamFrom ? await this.#incrementalSnapshots(admin, info, settings, filter, offset) : null;
    const newStreamer = (from: StreamStart, lastDelivered: string | null) => new BinlogStreamer({
      config, settings, filter, mapping, queue: this.#queue, logger: context.logger, metrics: context.metrics, incremental: this.#incremental ?? undefined,
      catalogOf: (db, table) => this.#catalog.get(`${db}.${table}`), refreshCatalog: (tables) => this.#refreshCatalog(tables),
      reportDegraded: (e) => this.#degraded.report('stream', e), blocking: this.#blocking ?? undefined,
    }, from, lastDelivered);
    this.#streamer = plan.stream && streamFrom ? newStreamer(streamFrom, plan.lastDelivered) : null;
    this.#lagTimer = setInterval(() => {
      if (this.#streamer) context.metrics.setGauge('mysql_ms_since_last_event', 'Milliseconds since the last binlog event arrived', this.#streamer.lagMs(Date.now()));
    }, LAG_SAMPLE_MS);
    this.#lagTimer.unref();
    const snapshot = plan.snapshot;
    this.#worker = (async () => {
      if (snapshotter && snapshot && point) {
        await snapshotter.run(point, snapshot.resume);
        this.#snapshotClient?.destroy();
        this.#snapshotClient = null;
        if (snapshot.resume.blocking) this.#reportResumedBlocking(snapshot.resume.blocking.collections, null);
      }
      // a blocking snapshot ends the binlog session after its signal; a new one goes on from that place
      while (this.#streamer && !this.#abort.signal.aborted && (await this.#streamer.run()) === 'blocking') {
        const ended = this.#streamer;
        const from = ended.resumeFrom;
        await this.#blocking!.run({ at: from.at, gtids: from.gtids }, () => this.#settled(ended));
        // the snapshot's rows sort after what was streamed, and the stream's records after them
        if (this.#abort.signal.aborted) return;
        this.#streamer = newStreamer(from, ended.lastQueued);
      }
    })().catch((error: unknown) => {
      if (!this.#abort.signal.aborted) this.#queue.fail(asTaskError(error));
    });
  }

  /** Incremental snapshots over the signal table (their state, if any, is in the stored offset). */
  async #incrementalSnapshots(admin: MySqlClient, info: ServerInfo, settings: RecordSettings, filter: TableFilter, offset: SourceOffset | null): Promise<MySqlIncrementalSnapshots> {
    const config = this.#config;
    const context = this.#context;
    const channels = config['signal.enabled.channels'].map((c) => c.toLowerCase());
    const unsupported = channels.filter((c) => c !== 'source' && c !== 'kafka');
    if (unsupported.length > 0) context.logger.warn({ channels: unsupported }, 'signal.enabled.channels: `source` (the signal table) and `kafka` are read, and REST signals; the others are ignored');
    const collection = config['signal.data.collection'];
    const queue = chunkQueueSettings(config, context.connectorName);
    const [db, table] = collection ? splitName(collection) : ['', ''];
    return new MySqlIncrementalSnapshots({
      settings, filter, mapping: config, signalTable: collection ? { db, table } : null, connect: () => connectOrRetry(config), signal: this.#abort.signal,
      chunkSize: config['incremental.snapshot.chunk.size'], threads: config['snapshot.max.threads'], maxRowsPerSecond: config['snapshot.max.rows.per.second'], sourceChannel: channels.includes('source'),
      // what the binlog held when this task started: the previous run's, replayed (see MySqlIncrementalSnapshots)
      replayEnd: (await currentPosition(admin, info)).at,
      blocking: this.#blocking ? (s) => this.#blocking!.request(s) : undefined,
      logger: context.logger, metrics: context.metrics, setProgress: (p) => context.setProgress(p ? { incremental: p } : null),
      queue: queue ? { settings: queue, degraded: (e) => this.#degraded.report('queue', e), reader: this.#reader(queue) } : undefined,
    }, offset);
  }

  /** A reader of the connector's chunk queue, on connections of its own. */
  #reader(queue: ChunkQueueSettings): ReturnType<typeof mysqlChunkReader> {
    const context = this.#context;
    return mysqlChunkReader({
      config: this.#config, flavour: this.flavour, connectorName: context.connectorName, taskId: context.taskId, logger: context.logger, metrics: context.metrics,
      signal: this.#abort.signal, connect: () => connectOrRetry(this.#config), degraded: (e) => this.#degraded.report('queue', e),
    }, queue);
  }

  /** The catalog's shape of every captured table (what the binlog's metadata lacks). */
  async #loadCatalog(admin: MySqlClient, filter: TableFilter): Promise<void> {
    for (const t of await listTables(admin)) {
      if (!filter.includesTable(t.db, t.table)) continue;
      this.#catalog.set(`${t.db}.${t.table}`, await describeTable(admin, t.db, t.table));
    }
  }

  /**
   * After a DDL statement: the catalog's shape of the tables it names, as they are now (a
   * dropped or renamed-away table has none). When the server cannot answer, the shapes known
   * so far stay (only nullability and virtual columns' types depend on them).
   */
  async #refreshCatalog(tables: readonly string[]): Promise<void> {
    try {
      if (this.#abort.signal.aborted) return;
      if (!this.#admin) {
        const client = await connect(this.#config);
        // a stop while connecting: the connection must not outlive the task
        if (this.#abort.signal.aborted) return client.destroy();
        this.#admin = client;
      }
      for (const name of tables) {
        const dot = name.indexOf('.');
        const [db, table] = [name.slice(0, dot), name.slice(dot + 1)];
        if (!this.#filter.includesTable(db, table)) continue;
        const shape = await describeTable(this.#admin, db, table);
        if (shape.columns.length === 0) this.#catalog.delete(name);
        else this.#catalog.set(name, shape);
      }
    } catch (error) {
      this.#admin?.destroy();
      this.#admin = null;
      this.#context.logger.warn({ err: (error as Error).message, tables }, 'could not read the catalog after a DDL statement; the table shapes known so far are used');
    }
  }

  /** Decides between snapshot and streaming from the mode, the stored offset and the server's binlog files. */
  async #plan(admin: MySqlClient, info: ServerInfo, offset: SourceOffset | null): Promise<Plan> {
    const mode = this.#config['snapshot.mode'];
    const state = offset === null ? 'none' : offset.snapshot === true ? 'snapshot' : 'streaming';
    const at = offset ? BinlogPosition.fromOffset(offset) : null;
    const files = await binlogFiles(admin);
    const fileThere = at !== null && files.has(at.file);
    const gtids = typeof offset?.gtids === 'string' ? offset.gtids : null;
    // the offset's file is gone (purged, or another server after a failover): its GTIDs still name
    // where to go on, as long as the server has every transaction after them
    const byGtid = !fileThere && gtids !== null && state === 'streaming' && await gtidsAvailable(admin, info, gtids, [...files][0]);
    const decision = decideSnapshot(mode, state, fileThere || byGtid);
    // a blocking snapshot was under way: the rest of its tables first, then the stream from where it stopped for it (the offset's file/pos)
    const blocking = offset ? blockingScopeOf(offset) : null;
    if (blocking && fileThere) {
      const { point, resume } = snapshotResumeOf(offset!);
      if (point) return { snapshot: { point, resume }, streamFrom: null, lastDelivered: null, stream: true };
    }
    if (decision.snapshot === 'position_lost') {
      throw new TributaryError('source.position_lost', `The stored offset names binlog ${at?.toString() ?? '(none)'}${gtids ? ` (GTIDs ${gtids})` : ''}, which the server no longer has (it keeps ${[...files].join(', ') || 'none'}), so the changes since that offset are lost. ` +
        'To recover: set snapshot.mode=when_needed (or delete the connector\'s offsets) and restart; a new snapshot is taken.');
    }
    if (decision.snapshot === 'resume') {
      const { point, resume } = snapshotResumeOf(offset!);
      return { snapshot: { point, resume: point ? resume : FROM_START }, streamFrom: null, lastDelivered: null, stream: decision.stream };
    }
    if (decision.snapshot === 'fresh') return { snapshot: { point: null, resume: FROM_START }, streamFrom: null, lastDelivered: null, stream: decision.stream };
    if (offset && at) {
      return { snapshot: null, streamFrom: { at, gtids, byGtid }, lastDelivered: byGtid ? null : positionOfOffset(offset), stream: decision.stream };
    }
    const current = await currentPosition(admin, info);
    return { snapshot: null, streamFrom: { at: current.at, gtids: current.gtids, byGtid: false }, lastDelivered: null, stream: decision.stream };
  }

  #reportResumedBlocking(collections: readonly string[], progress: Record<string, unknown> | null): void {
    this.#resumedBlocking = progress ? { type: 'blocking', state: 'running', resumed: true, collections, ...progress } : null;
    this.#context.setProgress(this.#resumedBlocking ? { blocking: this.#resumedBlocking } : null);
  }

  /** Resolves once the runtime committed the offset of the last record `streamer` queued (asking it to commit meanwhile). */
  async #settled(streamer: BinlogStreamer): Promise<void> {
    const last = streamer.lastQueued;
    while (!this.#abort.signal.aborted && last !== null && (this.#committedPosition === null || this.#committedPosition < last)) {
      this.#context.requestCommit();
      await sleep(50, this.#abort.signal).catch(() => undefined);
    }
  }

  async commit(committed: readonly { partition: SourcePartition; offset: SourceOffset }[]): Promise<void> {
    for (const { partition, offset } of committed) {
      if (partition.server !== this.#config['topic.prefix']) continue;
      const at = BinlogPosition.fromOffset(offset);
      const position = offset.heartbeat === true && at ? heartbeatPosition(at) : positionOfOffset(offset);
      if (position !== null && (this.#committedPosition === null || position > this.#committedPosition)) this.#committedPosition = position;
    }
  }

  async poll(signal: AbortSignal): Promise<SourceRecord[]> {
    if (this.#chunkReader) {
      await sleep(this.#config['poll.interval.ms'], signal);
      return [];
    }
    const records = await this.#queue.take(this.#config['max.batch.size'], this.#config['poll.interval.ms'], signal);
    if (records.length > 0) this.#context.metrics.incCounter('mysql_records_total', 'Change records handed to the runtime', records.length);
    return records;
  }

  /** A REST or Kafka signal: checked, then inserted into the signal table, so the stream takes it in binlog order. */
  async signal(signal: { readonly id: string; readonly type: string; readonly data: unknown }): Promise<void> {
    if (this.#chunkReader) throw new TributaryError('signal.unsupported', 'This task only reads chunk ranges for task 0 of the connector, which takes the signals.');
    try {
      const parsed = parseSignal(signal.id, signal.type, signal.data);
      if (parsed.type === 'execute-snapshot' && parsed.snapshotType === 'blocking' && this.#incremental?.active) throw new InvalidSignal('a blocking snapshot cannot start while an incremental snapshot runs: stop it (DELETE /connectors/{name}/snapshots) or wait for it to end');
    } catch (error) {
      if (error instanceof InvalidSignal) throw new TributaryError('signal.invalid', error.message);
      throw error;
    }
    const incremental = this.#incremental;
    if (!incremental) throw new TributaryError('signal.unsupported', 'This task does not stream (snapshot.mode=initial_only, or it is still starting), so it takes no signals.');
    if (!this.#admin) this.#admin = await connectOrRetry(this.#config);
    try {
      await incremental.send(this.#admin, signal);
    } catch (error) {
      if (error instanceof TributaryError) throw error;
      this.#admin?.destroy();
      this.#admin = null;
      throw new RetriableError('source.unavailable', `Could not write the signal to ${this.#config['signal.data.collection']}: ${(error as Error).message}`, { cause: error });
    }
  }

  snapshotProgress(): Record<string, unknown> | null {
    return this.#blocking?.progress() ?? this.#resumedBlocking ?? (this.#incremental?.progress() ?? null) as Record<string, unknown> | null;
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    if (this.#chunkReader) {
      await this.#chunkReader.close();
      return;
    }
    await this.#incremental?.stop();
    clearInterval(this.#lagTimer);
    this.#queue?.fail(new TributaryError('worker.stopping', 'task stopped'));
    await this.#streamer?.stop();
    this.#snapshotClient?.destroy();
    await this.#worker;
    this.#snapshotClient = null;
    this.#admin?.destroy();
    this.#admin = null;
  }
}

async function connectOrRetry(config: MySqlConfig): Promise<MySqlClient> {
  try {
    return await connect(config);
  } catch (error) {
    const { errno } = mysqlError(error);
    // bad credentials or a missing database will not heal by retrying
    if (errno === 1045 || errno === 1049 || errno === 1044) throw new TributaryError('source.setup_required', `Cannot connect to ${config['database.hostname']}:${config['database.port']}: ${(error as Error).message}`, { cause: error });
    throw new RetriableError('source.unavailable', `Cannot connect to ${config['database.hostname']}:${config['database.port']}: ${(error as Error).message}`, { cause: error });
  }
}

/** Errors from the reader: typed ones pass; a lost connection during the snapshot may be retried. */
function asTaskError(error: unknown): unknown {
  if (error instanceof TributaryError) return error;
  const { code } = mysqlError(error);
  if (code === 'PROTOCOL_CONNECTION_LOST' || code === 'ECONNRESET' || code === 'ECONNREFUSED' || code === 'ER_SERVER_SHUTDOWN') {
    return new RetriableError('source.connection_lost', `Connection to the server lost: ${(error as Error).message}`, { cause: error });
  }
  return error;
}
