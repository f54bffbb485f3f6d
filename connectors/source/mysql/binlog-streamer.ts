import ZongJi from '@vlasky/zongji';
import { RetriableError, type Logger, type SourceRecord, type TaskMetrics } from '../../../plugins/api/index.js';
import { HeartbeatSchedule, heartbeatRecord, type ChangeQueue, type TableFilter } from '../../../plugins/cdc/index.js';
import { classifyBinlogError } from './binlog-errors.js';
import { BinlogDecoder, eventOverhead, type BinlogEvent } from './binlog-decoder.js';
import type { TableShape } from './catalog.js';
import { heartbeatPosition, positionOffset, type BinlogPosition } from './binlog-position.js';
import type { MappingOptions } from './column-converters.js';
import type { MySqlIncrementalSnapshots } from './incremental-snapshot.js';
import { connectionOptions } from './mysql-connection.js';
import type { MySqlConfig } from './mysql-config-spec.js';
import type { RecordSettings } from './record-settings.js';

export interface StreamerOptions {
  readonly config: MySqlConfig;
  readonly settings: RecordSettings;
  readonly filter: TableFilter;
  readonly mapping: MappingOptions;
  readonly queue: ChangeQueue<SourceRecord>;
  readonly logger: Logger;
  readonly metrics: TaskMetrics;
  /** the catalog's shape of a table (see DecoderOptions.catalogOf) */
  readonly catalogOf: (db: string, table: string) => TableShape | undefined;
  /** reads the catalog's shape of these `db.table`s again (after a DDL statement) */
  readonly refreshCatalog: (tables: readonly string[]) => Promise<void>;
  readonly reportDegraded?: (error: Error | null) => void;
  /** incremental snapshots: their watermarks and signals are signal-table rows in the binlog */
  readonly incremental?: MySqlIncrementalSnapshots;
  /** a signal asked for a blocking snapshot: the stream ends after the signal's transaction (run resolves 'blocking') */
  readonly blocking?: { readonly requested: boolean };
}

/** Where streaming starts: a binlog position at a transaction boundary, and the GTIDs complete there. */
export interface StreamStart {
  readonly at: BinlogPosition;
  readonly gtids: string | null;
  /** resume by GTIDs rather than file/position (the file is not on this server, e.g. after a failover) */
  readonly byGtid: boolean;
}

const EVENTS = ['rotate', 'gtid', 'anonymousgtid', 'mariadbgtid', 'query', 'xid', 'tablemap', 'writerows', 'updaterows', 'deleterows', 'annotaterows', 'rowsquery'];
const RECONNECT_FIRST_MS = 250;

/**
 * Reads the binlog with zongji (one replica connection, `database.server.id`) from a start
 * position, decodes it (BinlogDecoder) into the queue, and reconnects after a lost connection
 * (server restart, `KILL` of the dump thread) at the start of the transaction it was in,
 * skipping the records already queued, so nothing is lost or repeated. Backpressure: while the
 * queue is full the connection is paused, so the server's sending stops at the socket.
 */
export class BinlogStreamer {
  readonly #o: StreamerOptions;
  readonly #decoder: BinlogDecoder;
  readonly #heartbeats: HeartbeatSchedule;
  #start: StreamStart;
  #lastQueued: string | null;
  #zongji: ZongJi | null = null;
  #stopped = false;
  /** records waiting for room in the queue, in order; the connection is paused while there are any */
  readonly #backlog: SourceRecord[] = [];
  #draining: Promise<void> | null = null;
  /** per session's connection: reasons it is paused (a full queue, a catalog read); it resumes when none is left */
  readonly #holds = new WeakMap<ZongJi, number>();
  #failSession: ((error: unknown) => void) | null = null;
  /** ends the wait before the next reconnection attempt */
  #wake: (() => void) | null = null;
  #lastEventMs = Date.now();
  #lastHeartbeat: string | null = null;
  #gtids: string | null;
  /**
   * Events received while a replayed watermark is waited for (its chunk read again, see
   * MySqlIncrementalSnapshots.pending), decoded in order once it is done; null while none waits.
   */
  #deferred: BinlogEvent[] | null = null;

  constructor(options: StreamerOptions, start: StreamStart, lastQueued: string | null) {
    this.#o = options;
    this.#start = start;
    this.#lastQueued = lastQueued;
    this.#gtids = start.gtids;
    this.#decoder = new BinlogDecoder({
      settings: options.settings, filter: options.filter, mapping: options.mapping, logger: options.logger, catalogOf: options.catalogOf,
      // the table maps after a DDL statement need the catalog as it is now: reading waits for it
      ddlRead: (tables) => void this.#holdWhile(options.refreshCatalog(tables)),
      completedGtids: () => this.#zongji?.gtidSet ?? this.#gtids,
      incremental: options.incremental,
    }, start.at);
    this.#heartbeats = new HeartbeatSchedule(options.config['heartbeat.interval.ms']);
  }

  /** milliseconds since the last event from the server (0 while events flow) */
  lagMs(now: number): number {
    return Math.max(0, now - this.#lastEventMs);
  }

  /** where a new session would start: the current transaction's start, or after the last one */
  get resumeFrom(): StreamStart {
    return { at: this.#decoder.resumePoint, gtids: this.#gtids, byGtid: false };
  }

  /** the position of the last record queued (null: none yet) */
  get lastQueued(): string | null {
    return this.#lastQueued;
  }

  /**
   * Runs sessions until `stop` ('stopped') or, after the transaction of a signal asking for a
   * blocking snapshot, with every record of it queued ('blocking'; the stream goes on from
   * `resumeFrom` afterwards, in a new streamer); rejects with a non-retriable error (position purged,
   * duplicate server id, privileges).
   */
  async run(): Promise<'stopped' | 'blocking'> {
    const maxRetries = this.#o.config['errors.max.retries'];
    let attempts = 0;
    let lostAt: number | null = null;
    this.#heartbeats.start(undefined, () => void this.#heartbeat());
    await this.#o.incremental?.prepare();
    try {
      while (!this.#stopped) {
        const started = Date.now();
        try {
          await this.#session();
          if (!this.#blockingReached) return 'stopped';
          await this.#draining;
          return this.#stopped ? 'stopped' : 'blocking';
        } catch (error) {
          if (this.#stopped) return 'stopped';
          const classified = classifyBinlogError(error, this.#decoder.resumePoint.toString());
          if (!(classified instanceof RetriableError)) throw classified;
          if (Date.now() - started > 30_000) attempts = 0;
          attempts++;
          if (maxRetries >= 0 && attempts > maxRetries) throw classified;
          lostAt ??= Date.now();
          this.#o.reportDegraded?.(classified);
          const wait = Math.min(this.#o.config['retriable.restart.connector.wait.ms'], RECONNECT_FIRST_MS * 2 ** (attempts - 1));
          this.#o.logger.warn({ err: classified.message, attempt: attempts, waitMs: wait }, 'binlog connection lost; reconnecting');
          await this.#pause(wait);
          // the next session starts where this one can resume exactly: a transaction boundary
          const at = this.#decoder.resumePoint;
          this.#start = { at, gtids: this.#gtids, byGtid: false };
          this.#decoder.reset(at);
        }
      }
    } finally {
      this.#heartbeats.stop();
    }
    return 'stopped';
  }

  /** the session ended after a blocking snapshot's signal (see run) */
  #blockingReached = false;

  /** Waits between reconnection attempts; `stop` ends the wait at once (no timer outlives the task). */
  #pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => { this.#wake = null; resolve(); }, ms);
      this.#wake = () => { clearTimeout(timer); this.#wake = null; resolve(); };
    });
  }

  #session(): Promise<void> {
    const config = this.#o.config;
    const zongji = new ZongJi(connectionOptions(config) as never);
    this.#zongji = zongji;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const finish = (error?: unknown) => {
        if (settled) return;
        settled = true;
        this.#failSession = null;
        try { zongji.stop(); } catch { /* already down */ }
        if (this.#zongji === zongji) this.#zongji = null;
        if (error === undefined) resolve();
        else reject(error);
      };
      this.#failSession = finish;
      zongji.on('error', (error: Error) => finish(error ?? new Error('binlog connection failed')));
      zongji.on('stopped', () => finish(this.#stopped ? undefined : new Error('binlog connection closed')));
      zongji.on('ready', () => {
        this.#decoder.overhead = eventOverhead(zongji.useChecksum);
        this.#o.reportDegraded?.(null);
        this.#o.logger.info({ position: this.#start.at.toString(), gtids: this.#start.byGtid ? this.#start.gtids : undefined }, 'binlog streaming started');
        this.#o.incremental?.reached(this.#start.at);
        this.#o.incremental?.streamingStarted();
        // the dump connection's own errors (a KILL of the dump thread) end the session
        zongji.connection?.on('error', (error: Error) => finish(error));
        zongji.connection?.on('end', () => finish(this.#stopped ? undefined : new Error('binlog connection ended by the server')));
      });
      const decode = (event: BinlogEvent) => {
        try {
          const records = this.#decoder.decode(event);
          if (!this.#decoder.inTransaction) {
            this.#gtids = zongji.gtidSet ?? this.#gtids;
            if (this.#decoder.committed) this.#o.incremental?.reached(this.#decoder.committed);
          }
          for (const r of records) this.#enqueue(r, zongji);
          if (this.#o.blocking?.requested && !this.#decoder.inTransaction) {
            this.#blockingReached = true;
            return finish();
          }
          if (this.#heartbeats.due && !this.#decoder.inTransaction) void this.#heartbeat();
        } catch (error) {
          finish(error);
        }
      };
      this.#deferred = null;
      zongji.on('binlog', (raw: unknown) => {
        if (settled) return;
        const event = raw as BinlogEvent;
        this.#lastEventMs = Date.now();
        if (this.#deferred) {
          this.#deferred.push(event);
          return;
        }
        const wait = this.#o.incremental?.pending(event);
        if (!wait) return decode(event);
        // the stream waits (reading paused) until the chunk is read again, then decodes in order
        this.#deferred = [event];
        void this.#holdWhile(this.#decodeDeferred(wait, decode, () => settled), zongji).catch((error: unknown) => finish(error));
      });
      const start = this.#start;
      zongji.start({
        serverId: this.#o.settings.serverId, includeEvents: EVENTS, requestAnnotateRows: config['include.query'],
        ...(start.byGtid && start.gtids !== null ? { gtidSet: start.gtids } : { filename: start.at.file, position: start.at.pos }),
      });
    });
  }

  /** Decodes the deferred events once `wait` is done; each may wait again (another replayed watermark). */
  async #decodeDeferred(wait: Promise<void>, decode: (event: BinlogEvent) => void, settled: () => boolean): Promise<void> {
    await wait;
    const deferred = this.#deferred!;
    let first = true;
    while (deferred.length > 0 && !settled()) {
      if (!first) {
        const again = this.#o.incremental?.pending(deferred[0]);
        if (again) await again;
      }
      first = false;
      decode(deferred.shift()!);
    }
    if (this.#deferred === deferred) this.#deferred = null;
  }

  #enqueue(record: SourceRecord, zongji: ZongJi): void {
    if (this.#lastQueued !== null && record.position <= this.#lastQueued) return;
    this.#lastQueued = record.position;
    if (this.#backlog.length === 0 && this.#o.queue.offer(record)) return;
    this.#backlog.push(record);
    if (!this.#draining) this.#draining = this.#holdWhile(this.#drain(), zongji).finally(() => { this.#draining = null; });
  }

  /**
   * Pauses reading from the server until `work` settles (mysql2 queues the packets already
   * received, so no event is decoded meanwhile); pauses for several reasons overlap.
   */
  #holdWhile(work: Promise<void>, zongji: ZongJi | null = this.#zongji): Promise<void> {
    if (!zongji) return work;
    const holds = this.#holds.get(zongji) ?? 0;
    this.#holds.set(zongji, holds + 1);
    if (holds === 0) zongji.connection?.pause();
    return work.finally(() => {
      const left = this.#holds.get(zongji)! - 1;
      this.#holds.set(zongji, left);
      if (left === 0 && !this.#stopped) zongji.connection?.resume();
    });
  }

  async #drain(): Promise<void> {
    while (this.#backlog.length > 0) {
      await this.#o.queue.put(this.#backlog.shift()!);
      if (this.#stopped) return;
    }
  }

  /** A heartbeat at the last commit, when no transaction is half read and it is past what was queued. */
  async #heartbeat(): Promise<void> {
    const at = this.#decoder.committed;
    // stopped for a blocking snapshot: its rows take the stop's place, a heartbeat there would sort after them
    if (!at || this.#decoder.inTransaction || this.#backlog.length > 0 || this.#blockingReached) return;
    const position = heartbeatPosition(at);
    this.#heartbeats.done();
    if ((this.#lastQueued !== null && position <= this.#lastQueued) || position === this.#lastHeartbeat) return;
    this.#lastHeartbeat = position;
    const settings = this.#o.settings;
    const built = heartbeatRecord(settings, settings.partition, positionOffset(at, this.#gtids, settings.sourceServerId, { heartbeat: true }), position);
    // an incremental snapshot's state rides on every offset, a heartbeat's too
    const record = this.#o.incremental?.active ? this.#o.incremental.stamp([built])[0] : built;
    this.#lastQueued = position;
    if (!this.#o.queue.offer(record)) await this.#o.queue.put(record);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#heartbeats.stop();
    this.#failSession?.(undefined);
    this.#wake?.();
    try { this.#zongji?.stop(); } catch { /* already down */ }
  }
}
