import type pg from 'pg';
import {
  RetriableError, TributaryError,
  type SourceOffset, type SourcePartition, type SourceRecord, type SourceTask, type SourceTaskContext,
} from '../../../plugins/api/index.js';
import type { EventSettings } from './change-event-builder.js';
import { ChangeQueue, chunkQueueSettings, decideSnapshot, DegradedStatus, InvalidSignal, parseSignal, sleep, type ChunkQueueReader } from '../../../plugins/cdc/index.js';
import { postgresChunkReader } from './chunk-reader.js';
import { BlockingSnapshots } from './blocking-snapshot.js';
import { IncrementalSnapshots, SIGNAL_PREFIX } from './incremental-snapshot.js';
import { Lsn } from './lsn.js';
import { connect, ReconnectingClient, sqlState, type Queryable } from './pg-connection.js';
import { typeMappingOptions } from './pg-type-mapper.js';
import type { PostgresConfig } from './postgres-config-spec.js';
import { offsetProblems } from './offset-check.js';
import { blockingScopeOf, flushLsnOfOffset, positionOfOffset, snapshotOffsets, snapshotResumeOf } from './positions.js';
import { ReplicationConnection } from './replication-connection.js';
import { isConnectionFailure } from './replication-errors.js';
import { createSlot, dropSlot, ensurePublication, slotInfo } from './replication-setup.js';
import { ReplicationStreamer } from './replication-streamer.js';
import { Snapshotter, type SnapshotResume } from './snapshotter.js';
import { postgresTableFilter } from './table-filter.js';
import { TypeRegistry } from './type-registry.js';

interface Plan {
  /** null: no snapshot this time */
  snapshot: { exported: string | null; point: Lsn; resume: SnapshotResume } | null;
  streamFrom: Lsn;
  /** position of the last record already delivered (replays at or below it are skipped) */
  lastDelivered: string | null;
  stream: boolean;
}

const LAG_QUERY_EVERY_MS = 5_000;
const LAG_SAMPLE_MS = 1_000;
const FROM_START: SnapshotResume = { done: [], table: null, startedAt: null };

/**
 * The PostgreSQL source task: a coordinator that snapshots (when the mode and the stored offset
 * call for it) and then streams from the slot, both feeding one bounded queue that `poll` drains.
 * `commit` acknowledges to the server only what the runtime has durably stored.
 */
export class PostgresSourceTask implements SourceTask<PostgresConfig> {
  #context!: SourceTaskContext<PostgresConfig>;
  #config!: PostgresConfig;
  #queue!: ChangeQueue<SourceRecord>;
  #admin: ReconnectingClient | null = null;
  #snapshotClient: pg.Client | null = null;
  #streamer: ReplicationStreamer | null = null;
  #incremental: IncrementalSnapshots | null = null;
  #blocking: BlockingSnapshots | null = null;
  /** the progress of a blocking snapshot resumed at start (one begun while streaming reports its own) */
  #resumedBlocking: Record<string, unknown> | null = null;
  /** the server sends logical decoding messages (PostgreSQL 14+): REST signals can go through the WAL */
  #messages = false;
  #partition!: SourcePartition;
  readonly #abort = new AbortController();
  #worker: Promise<void> = Promise.resolve();
  #lastLagQuery = 0;
  #lagTimer: NodeJS.Timeout | undefined;
  /** the snapshot is over and the stream runs (the lag gauge is the stream's) */
  #streaming = false;
  /** task 1.. of a connector with a chunk queue: it only reads chunk ranges for task 0 */
  #chunkReader: ChunkQueueReader<never, never, never> | null = null;
  /** what the stream and the chunk queue each report working around: the status shows the stream's first */
  #degraded!: DegradedStatus<'stream' | 'queue'>;

  async start(context: SourceTaskContext<PostgresConfig>): Promise<void> {
    try {
      await this.#start(context);
    } catch (error) {
      // a server that went away during start-up is worth a retry; anything else is reported as is
      throw asTaskError(error);
    }
  }

  async #start(context: SourceTaskContext<PostgresConfig>): Promise<void> {
    this.#context = context;
    this.#degraded = new DegradedStatus(['stream', 'queue'], (e) => context.reportDegraded(e));
    const config = (this.#config = context.config);
    const queue = chunkQueueSettings(config, context.connectorName);
    if (queue && context.taskId > 0) {
      // one task streams (a slot has one consumer); the others read chunk ranges for it
      const reader = postgresChunkReader({ ...context, connect: () => connectOrRetry(config, 'tributary-chunk-reader', true), degraded: (e) => this.#report('queue', e) }, queue);
      reader.start();
      this.#chunkReader = reader as unknown as ChunkQueueReader<never, never, never>;
      context.logger.info({ queue: queue.name, task: context.taskId }, 'postgres chunk reader started: this task reads incremental-snapshot chunk ranges for task 0 and emits no records');
      return;
    }
    this.#partition = { server: config['topic.prefix'] };
    this.#queue = new ChangeQueue(config['max.queue.size']);
    const filter = postgresTableFilter(config);
    const registry = new TypeRegistry();
    const admin = (this.#admin = new ReconnectingClient(config, 'tributary-admin'));
    try {
      await registry.load(admin);
    } catch (error) {
      throw connectError(config, error);
    }
    await ensurePublication(admin, config['publication.name'], config['publication.autocreate.mode'], filter, context.logger);
    const offset = await context.offsets.offset(this.#partition);
    const problems = offset ? offsetProblems(offset) : [];
    if (problems.length > 0) {
      throw new TributaryError('offsets.invalid', `The stored offset of ${context.connectorName} cannot be used: ${problems.join('; ')}. Stop the connector and fix it with PATCH /connectors/${context.connectorName}/offsets, or DELETE them to start over (snapshot.mode decides what happens then).`, { details: problems });
    }
    const events: EventSettings = {
      serverName: config['topic.prefix'], db: config['database.dbname'], tombstones: config['tombstones.on.delete'],
      placeholder: config['unavailable.value.placeholder'], heartbeatTopic: `${config['heartbeat.topics.prefix']}.${config['topic.prefix']}`,
    };
    const mapping = typeMappingOptions(config, context.logger);

    let exporter: ReplicationConnection | null = null;
    let snapshotter: Snapshotter | null = null;
    let plan: Plan;
    try {
      ({ plan, exporter } = await this.#plan(admin, offset));
      if (plan.snapshot) {
        this.#snapshotClient = await connectOrRetry(config, 'tributary-snapshot', true);
        const blocking = plan.snapshot.resume.blocking;
        snapshotter = new Snapshotter({
          client: this.#snapshotClient, topicPrefix: config['topic.prefix'], events, filter, mapping, registry, queue: this.#queue,
          fetchSize: config['snapshot.fetch.size'], logger: context.logger, metrics: context.metrics,
          setProgress: blocking ? (p) => this.#reportResumedBlocking(blocking.collections, p) : (p) => context.setProgress(p), signal: this.#abort.signal,
        });
        // importing the exported snapshot must happen while the slot's creating connection is open
        await snapshotter.begin(plan.snapshot.exported);
      }
    } finally {
      await exporter?.close();
    }
    context.logger.info({ snapshot: plan.snapshot ? { lsn: plan.snapshot.point.toString(), done: plan.snapshot.resume.done.length, resumedTable: plan.snapshot.resume.table?.oid ?? null } : null, streamFrom: plan.streamFrom.toString(), stream: plan.stream }, 'postgres source starting');

    this.#messages = plan.stream && (await serverVersion(admin)) >= 140_000;
    const blocking = (this.#blocking = plan.stream ? new BlockingSnapshots({
      settings: config, slot: config['slot.name'], connect: () => connectOrRetry(config, 'tributary-blocking-snapshot', true),
      topicPrefix: config['topic.prefix'], events, filter, mapping, registry, queue: this.#queue, fetchSize: config['snapshot.fetch.size'],
      logger: context.logger, metrics: context.metrics, signal: this.#abort.signal,
      storeStartingOffset: (offset) => context.storeStartingOffset(this.#partition, offset),
      setProgress: (p) => context.setProgress(p ? { blocking: p } : null),
    }) : null);
    this.#incremental = plan.stream ? new IncrementalSnapshots({
      topicPrefix: config['topic.prefix'], events, filter, mapping, registry, admin, connect: () => connectOrRetry(config, 'tributary-incremental', true),
      chunkSize: config['incremental.snapshot.chunk.size'], threads: config['snapshot.max.threads'], maxRowsPerSecond: config['snapshot.max.rows.per.second'], messages: this.#messages, slot: config['slot.name'], logger: context.logger, metrics: context.metrics, signal: this.#abort.signal,
      setProgress: (p) => context.setProgress(p ? { incremental: p } : null),
      queue: queue ? {
        settings: queue, degraded: (e) => this.#report('queue', e),
        reader: postgresChunkReader({ ...context, connect: () => connectOrRetry(config, 'tributary-chunk-reader', true), degraded: (e) => this.#report('queue', e) }, queue),
      } : undefined,
      blocking: blocking ? (signal) => blocking.request(signal) : undefined,
    }, offset) : null;
    const unsupported = config['signal.enabled.channels'].filter((c) => c !== 'source' && c !== 'kafka');
    if (unsupported.length > 0) context.logger.warn({ channels: unsupported }, 'signal.enabled.channels: `source` (the signal table) and `kafka` are read, and REST signals; the others are ignored');
    const signalTable = config['signal.data.collection'] && config['signal.enabled.channels'].includes('source') ? splitSignalTable(config['signal.data.collection']) : null;

    this.#streamer = plan.stream ? new ReplicationStreamer({
      settings: config, slot: config['slot.name'], publication: config['publication.name'], topicPrefix: config['topic.prefix'],
      incremental: this.#incremental ?? undefined, blocking: blocking ?? undefined, signalTable, messages: this.#messages,
      events, filter, mapping, registry, admin, queue: this.#queue, logger: context.logger, metrics: context.metrics,
      statusIntervalMs: config['status.update.interval.ms'], heartbeatIntervalMs: config['heartbeat.interval.ms'],
      heartbeatQuery: config['heartbeat.action.query'], maxRetries: config['errors.max.retries'], maxBackoffMs: config['retriable.restart.connector.wait.ms'],
      requestCommit: () => context.requestCommit(),
      reportDegraded: (error) => this.#report('stream', error),
    }, plan.streamFrom, plan.lastDelivered) : null;
    // the lag is measured by the clock, not by what is polled: it must grow during an outage
    this.#lagTimer = setInterval(() => {
      if (this.#streamer && this.#streaming) context.metrics.setGauge('postgres_lag_ms', 'Milliseconds the stream is behind the server: 0 when caught up; grows while disconnected or stuck', this.#streamer.lagMs(Date.now()));
    }, LAG_SAMPLE_MS);
    this.#lagTimer.unref();
    const snapshot = plan.snapshot;
    this.#worker = (async () => {
      if (snapshotter && snapshot) {
        await snapshotter.run(snapshot.point, plan.streamFrom, snapshot.resume);
        await this.#snapshotClient?.end().catch(() => undefined);
        this.#snapshotClient = null;
        if (snapshot.resume.blocking) this.#reportResumedBlocking(snapshot.resume.blocking.collections, null);
      }
      if (this.#abort.signal.aborted) return;
      this.#streaming = true;
      await this.#streamer?.run();
    })().catch((error: unknown) => {
      if (!this.#abort.signal.aborted) this.#queue.fail(asTaskError(error));
    });
  }

  /** Decides between snapshot and streaming from the mode, the stored offset and the slot. */
  async #plan(admin: Queryable, offset: SourceOffset | null): Promise<{ plan: Plan; exporter: ReplicationConnection | null }> {
    const config = this.#config;
    const mode = config['snapshot.mode'];
    const slotName = config['slot.name'];
    const slot = await slotInfo(admin, slotName);
    const offsetState = offset === null ? 'none' : offset.snapshot === true ? 'snapshot' : 'streaming';
    if (slot && (slot.plugin !== 'pgoutput' || slot.database !== config['database.dbname'])) {
      throw new TributaryError('source.setup_required', `Replication slot "${slotName}" belongs to plugin ${slot.plugin} on database ${slot.database}; choose another slot.name or drop that slot.`, { configPath: 'slot.name' });
    }
    const decision = decideSnapshot(mode, offsetState, slot !== null);
    const stream = decision.stream;
    if (decision.snapshot === 'position_lost') {
      throw new TributaryError('source.position_lost', `Replication slot "${slotName}" does not exist but an offset is stored, so the changes since that offset are lost. ` +
        'To recover: set snapshot.mode=when_needed (or delete the connector\'s offsets) and restart; the slot is recreated and a new snapshot taken.');
    }
    if (!slot) {
      const wantSnapshot = decision.snapshot !== 'none';
      const exporter = new ReplicationConnection(config, `tributary-${config['topic.prefix']}-setup`);
      await exporter.connect();
      const created = await createSlot(exporter, slotName, wantSnapshot);
      this.#context.logger.info({ slot: slotName, consistentPoint: created.consistentPoint.toString() }, 'created replication slot');
      const startedAt = Date.now();
      if (wantSnapshot) {
        // the slot's point is where this snapshot's rows are positioned: stored before the first
        // row is sent, a task killed before its first offset commit is resumed at the same point
        // (re-read rows keep their positions and a sink drops the ones it holds), instead of
        // snapshotting again at a new point over a slot that still streams from this one
        const point = created.consistentPoint;
        await this.#context.storeStartingOffset(this.#partition, snapshotOffsets(point, point, startedAt, []).between());
      }
      return {
        exporter,
        plan: {
          snapshot: wantSnapshot ? { exported: created.snapshotName, point: created.consistentPoint, resume: { done: [], table: null, startedAt } } : null,
          streamFrom: created.consistentPoint, lastDelivered: null, stream,
        },
      };
    }
    const confirmed = slot.confirmedFlush ?? Lsn.ZERO;
    // a blocking snapshot was under way: the rest of its tables first (at its point, see
    // blocking-snapshot.ts), then the stream from where it stopped
    const blocking = offset ? blockingScopeOf(offset) : null;
    const blockingPoint = blocking ? snapshotResumeOf(offset!).point : null;
    if (blocking && blockingPoint) {
      const { done, table, startedAt } = snapshotResumeOf(offset!);
      const streamFrom = Lsn.fromOffset(offset!.snapshot_lsn) ?? confirmed;
      return { exporter: null, plan: { snapshot: { exported: null, point: blockingPoint, resume: { done, table, startedAt, blocking } }, streamFrom, lastDelivered: null, stream: true } };
    }
    // Without an exported snapshot (the slot exists already) the rows are positioned at the
    // server's current WAL position, after everything delivered before (a resumed table's rows
    // included: repeating some is safe, skipping some by a shifted row number would not be);
    // streaming resumes from the slot's position, and the changes replayed from there that
    // precede the snapshot are already in it.
    const currentWal = async () => Lsn.parse((await admin.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0].lsn);
    if (decision.snapshot === 'resume') {
      const streamFrom = Lsn.fromOffset(offset!.snapshot_lsn) ?? confirmed;
      // the same point as the interrupted attempt, so re-read rows keep their positions (an
      // offset written before snapshot_point existed falls back to a new point)
      const { point, done, table, startedAt } = snapshotResumeOf(offset!);
      return { exporter: null, plan: { snapshot: { exported: null, point: point ?? await currentWal(), resume: { done, table: point ? table : null, startedAt: point ? startedAt : null } }, streamFrom, lastDelivered: null, stream } };
    }
    if (!offset) {
      const snapshot = decision.snapshot === 'none' ? null : { exported: null, point: await currentWal(), resume: FROM_START };
      return { exporter: null, plan: { snapshot, streamFrom: confirmed, lastDelivered: null, stream } };
    }
    const streamFrom = flushLsnOfOffset(offset) ?? confirmed;
    if (decision.snapshot === 'fresh') {
      return { exporter: null, plan: { snapshot: { exported: null, point: await currentWal(), resume: FROM_START }, streamFrom, lastDelivered: null, stream } };
    }
    return { exporter: null, plan: { snapshot: null, streamFrom, lastDelivered: positionOfOffset(offset), stream } };
  }

  #reportResumedBlocking(collections: readonly string[], progress: Record<string, unknown> | null): void {
    this.#resumedBlocking = progress ? { type: 'blocking', state: 'running', resumed: true, collections, ...progress } : null;
    this.#context.setProgress(this.#resumedBlocking ? { blocking: this.#resumedBlocking } : null);
  }

  /** The stream's or the chunk queue's trouble (null: over); the status shows the stream's first. */
  #report(from: 'stream' | 'queue', error: unknown): void {
    this.#degraded.report(from, error);
  }

  async poll(signal: AbortSignal): Promise<SourceRecord[]> {
    const config = this.#config;
    if (this.#chunkReader) {
      await sleep(config['poll.interval.ms'], signal);
      return [];
    }
    const records = await this.#queue.take(config['max.batch.size'], config['poll.interval.ms'], signal);
    const metrics = this.#context.metrics;
    if (records.length > 0) metrics.incCounter('postgres_records_total', 'Change records handed to the runtime', records.length);
    if (Date.now() - this.#lastLagQuery > LAG_QUERY_EVERY_MS) {
      this.#lastLagQuery = Date.now();
      this.#admin?.query<{ lag: number | null }>('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::float8 AS lag FROM pg_replication_slots WHERE slot_name = $1', [config['slot.name']])
        .then((r) => { if (r.rows[0]?.lag != null) metrics.setGauge('postgres_lag_bytes', 'WAL bytes between the server\'s current position and the slot\'s confirmed flush position', Number(r.rows[0].lag)); })
        .catch(() => undefined);
    }
    return records;
  }

  async commit(committed: readonly { partition: SourcePartition; offset: SourceOffset }[]): Promise<void> {
    for (const { partition, offset } of committed) {
      if (partition.server !== this.#partition.server) continue;
      const lsn = flushLsnOfOffset(offset);
      if (lsn && !lsn.isZero()) this.#streamer?.acknowledge(lsn);
    }
  }

  /** A REST signal: checked, then written to the WAL, so the stream takes it in commit order. */
  async signal(signal: { readonly id: string; readonly type: string; readonly data: unknown }): Promise<void> {
    if (this.#chunkReader) throw new TributaryError('signal.unsupported', 'This task only reads chunk ranges for task 0 of the connector, which takes the signals.');
    try {
      const parsed = parseSignal(signal.id, signal.type, signal.data);
      if (parsed.type === 'execute-snapshot' && parsed.snapshotType === 'blocking' && this.#incremental?.active) throw new InvalidSignal('a blocking snapshot cannot start while an incremental snapshot runs: stop it (DELETE /connectors/{name}/snapshots) or wait for it to end');
    } catch (error) {
      if (error instanceof InvalidSignal) throw new TributaryError('signal.invalid', error.message);
      throw error;
    }
    if (!this.#incremental || !this.#admin) throw new TributaryError('signal.unsupported', 'This task does not stream (snapshot.mode=initial_only, or it is still starting), so it takes no signals.');
    if (!this.#messages) throw new TributaryError('signal.unsupported', 'REST signals need PostgreSQL 14 or later (logical decoding messages); insert the signal into signal.data.collection instead.');
    // every slot of the database decodes the message: it names this task's slot
    await this.#admin.query('SELECT pg_logical_emit_message(true, $1, $2)', [SIGNAL_PREFIX, JSON.stringify({ slot: this.#config['slot.name'], ...signal })]);
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
    clearInterval(this.#lagTimer);
    this.#queue?.fail(new TributaryError('worker.stopping', 'task stopped'));
    await this.#streamer?.stop();
    await this.#worker;
    await this.#snapshotClient?.end().catch(() => undefined);
    if (this.#config?.['slot.drop.on.stop'] && this.#admin) {
      await dropSlot(this.#admin, this.#config['slot.name']).catch((e: unknown) => this.#context.logger.warn({ err: (e as Error).message }, 'could not drop the replication slot'));
    }
    await this.#admin?.end().catch(() => undefined);
    this.#admin = null;
  }
}

async function serverVersion(admin: Queryable): Promise<number> {
  return Number((await admin.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows[0]?.v ?? 0);
}

function splitSignalTable(name: string): { schema: string; table: string } {
  const dot = name.indexOf('.');
  return { schema: name.slice(0, dot), table: name.slice(dot + 1) };
}

async function connectOrRetry(config: PostgresConfig, name: string, rawText = false): Promise<pg.Client> {
  try {
    return await connect(config, name, rawText);
  } catch (error) {
    throw connectError(config, error);
  }
}

function connectError(config: PostgresConfig, error: unknown): TributaryError {
  const state = sqlState(error);
  // bad credentials or a missing database will not heal by retrying
  if (state === '28P01' || state === '28000' || state === '3D000') return new TributaryError('source.setup_required', `Cannot connect to PostgreSQL: ${(error as Error).message}`, { cause: error });
  return new RetriableError('source.unavailable', `Cannot connect to PostgreSQL at ${config['database.hostname']}:${config['database.port']}: ${(error as Error).message}`, { cause: error });
}

/** Errors from the reader: typed ones pass; a lost connection during the snapshot may be retried. */
function asTaskError(error: unknown): unknown {
  if (error instanceof TributaryError) return error;
  const state = sqlState(error);
  if (state === '53400') {
    return new TributaryError('source.setup_required', `The server refused a replication slot or connection: ${(error as Error).message}. Raise max_replication_slots / max_wal_senders or drop unused slots.`, { configPath: 'slot.name', cause: error });
  }
  if (isConnectionFailure(error)) {
    return new RetriableError('source.connection_lost', `PostgreSQL connection lost: ${(error as Error).message}`, { cause: error });
  }
  return error;
}
