import { RetriableError, TributaryError, type Logger, type SourceRecord, type TaskMetrics } from '../../../plugins/api/index.js';
import { classifyStreamError, isRetriableStreamError } from './replication-errors.js';
import { heartbeatRecord } from './change-event-builder.js';
import { HeartbeatSchedule, type ChangeQueue } from '../../../plugins/cdc/index.js';
import { Lsn } from './lsn.js';
import { sqlState, type ConnectionSettings } from './pg-connection.js';
import { decodePgOutput, type PgOutputMessage } from './pgoutput-decoder.js';
import { heartbeatPosition } from './positions.js';
import { ReplicationConnection } from './replication-connection.js';
import { TransactionDecoder, type TransactionDecoderOptions } from './transaction-decoder.js';

/** What the decoder needs (its `admin` connection also runs the heartbeat queries), and more. */
export interface StreamerOptions extends TransactionDecoderOptions {
  readonly settings: ConnectionSettings;
  readonly slot: string;
  readonly publication: string;
  readonly queue: ChangeQueue<SourceRecord>;
  readonly logger: Logger;
  readonly metrics: TaskMetrics;
  readonly statusIntervalMs: number;
  readonly heartbeatIntervalMs: number;
  readonly heartbeatQuery?: string;
  readonly maxRetries: number;
  readonly maxBackoffMs: number;
  /** asks the runtime to commit offsets soon (the server is waiting for a flush confirmation) */
  readonly requestCommit?: () => void;
  /** the task's status shows a lost connection while it is re-established (null: healthy again) */
  readonly reportDegraded?: (error: unknown) => void;
  /** ask the server for logical decoding messages (PostgreSQL 14+; incremental snapshots need them) */
  readonly messages?: boolean;
  /** blocking snapshots, run between two transactions while the stream waits */
  readonly blocking?: BlockingSnapshotRunner;
}

/** What the stream needs of blocking snapshots (blocking-snapshot.ts). */
export interface BlockingSnapshotRunner {
  /** a signal asked for one: the stream stops at the end of the signal's transaction */
  readonly requested: boolean;
  /**
   * Runs it: `resumeFrom` is the end of the last transaction streamed, `settled` resolves once
   * every record streamed before is committed.
   */
  run(resumeFrom: Lsn, settled: () => Promise<void>): Promise<void>;
}

/** Incoming messages buffered before the reader pauses the socket. */
const PAUSE_AT = 512;
const RESUME_AT = 64;

type PendingItem =
  | { kind: 'message'; walStart: Lsn; message: PgOutputMessage }
  | { kind: 'keepalive'; walEnd: Lsn }
  | { kind: 'records'; records: SourceRecord[] }
  | { kind: 'error'; error: unknown }
  | { kind: 'end' };

/**
 * Streams pgoutput changes into the queue, from the slot's confirmed position, reconnecting with
 * backoff when the connection is lost. What was already handed to the queue is skipped when the
 * server replays it after a reconnect (it resends from the last acknowledged LSN).
 *
 * The server is told a flush position only through `acknowledge`, called with committed offsets,
 * with one addition: when everything the stream yielded is acknowledged and no transaction is
 * open, the WAL up to the server's last reported position holds nothing to capture, and that
 * position is confirmed too. So on a quiet database `confirmed_flush_lsn` reaches the server's
 * WAL position (lag shows zero) and a fast shutdown, whose walsender waits for the client to
 * confirm everything it sent, does not hang.
 */
export class ReplicationStreamer {
  readonly #o: StreamerOptions;
  readonly #pending: PendingItem[] = [];
  /** the pump waits for work: #receive may handle row changes itself */
  #idle = false;
  #wake: (() => void) | null = null;
  #connection: ReplicationConnection | null = null;
  #paused = false;
  #stopped = false;
  #acked: Lsn;
  /** position of the last record queued: replays at or below it are skipped */
  #lastQueued: string | null;
  readonly #decoder: TransactionDecoder;
  readonly #heartbeats: HeartbeatSchedule;
  #lastHeartbeat = Lsn.ZERO;
  /** the server's WAL position from the last keepalive processed (everything before it was received) */
  #serverWalEnd = Lsn.ZERO;
  /** when the connection was lost (null while connected), and the reconnection attempts since */
  #lostAt: number | null = null;
  #attemptsSinceLost = 0;
  /** the last moment the stream was known to be caught up (connected, everything received handled) */
  #caughtUpAt = Date.now();

  constructor(options: StreamerOptions, acked: Lsn, lastQueued: string | null) {
    this.#o = options;
    this.#decoder = new TransactionDecoder(options);
    this.#acked = acked;
    this.#lastQueued = lastQueued;
    this.#heartbeats = new HeartbeatSchedule(options.heartbeatIntervalMs);
  }

  /** Runs until `stop`; rejects with a non-retriable error when the slot or publication is gone. */
  async run(): Promise<void> {
    await this.#o.incremental?.prepare();
    let failures = 0;
    while (!this.#stopped) {
      const started = Date.now();
      try {
        await this.#session();
        if (this.#stopped) return;
        throw new Error('the server ended the replication stream');
      } catch (error) {
        if (this.#stopped) return;
        const fatal = classifyStreamError(error, this.#o.slot, this.#o.publication);
        if (fatal) throw fatal;
        if (!isRetriableStreamError(error)) throw error;
        if (Date.now() - started > 30_000) failures = 0;
        failures++;
        this.#connectionLost(error);
        if (this.#o.maxRetries >= 0 && failures > this.#o.maxRetries) {
          throw new TributaryError('source.connection_lost', `Lost the replication connection ${failures} times in a row (errors.max.retries=${this.#o.maxRetries}): ${(error as Error).message}`, { cause: error });
        }
        const wait = Math.min(this.#o.maxBackoffMs, 250 * 2 ** (failures - 1)) * (0.5 + Math.random() / 2);
        this.#o.logger.debug({ err: error, attempt: failures, waitMs: Math.round(wait) }, 'replication connection failed; reconnecting');
        this.#o.metrics.incCounter('postgres_reconnects_total', 'Replication reconnections after a lost connection');
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  async #session(): Promise<void> {
    const connection = new ReplicationConnection(this.#o.settings, `tributary-${this.#o.topicPrefix}`);
    this.#connection = connection;
    this.#decoder.reset();
    this.#paused = false;
    // what a failed session left unprocessed is sent again by the server
    this.#pending.length = 0;
    this.#idle = false;
    let statusTimer: NodeJS.Timeout | undefined;
    try {
      await connection.connect();
      if (this.#stopped) return;
      const streaming = connection.stream(this.#o.slot, this.#o.publication, this.#acked, {
        started: () => {
          this.#connected();
          this.#o.incremental?.streamingStarted();
          // a keepalive tells the server's WAL position at once (see #confirmIdle)
          connection.sendStatus(this.#acked, true);
        },
        data: (walStart, payload, offset) => this.#receive(connection, walStart, payload, offset),
        keepalive: (walEnd, replyRequested) => {
          if (replyRequested) {
            connection.sendStatus(this.#acked);
            // the server waits for a confirmation (a shutdown does): have the runtime commit
            if (!this.#allAcknowledged()) this.#o.requestCommit?.();
          }
          this.#push({ kind: 'keepalive', walEnd }, connection);
        },
      }, { messages: this.#o.messages });
      // while idle, each status update asks for a keepalive: its WAL position can be confirmed
      statusTimer = setInterval(() => connection.sendStatus(this.#acked, this.#allAcknowledged()), this.#o.statusIntervalMs);
      // asks the server for a keepalive carrying its current WAL position
      this.#heartbeats.start(() => this.#heartbeatQuery(), () => connection.sendStatus(this.#acked, true));
      const pump = this.#pump(connection);
      // a failing pump (bad message, catalog lookup failed) ends the session: close the stream so
      // that waiting for it below cannot hang
      pump.catch(() => void connection.close());
      // the stream's end (or failure) is only acted on once every message received before it is queued
      const outcome = await streaming.then(() => null, (e: unknown) => e);
      this.#push({ kind: 'end' }, connection);
      await pump;
      if (outcome !== null) throw outcome;
    } finally {
      clearInterval(statusTimer);
      this.#heartbeats.stop();
      await connection.close();
      if (this.#connection === connection) this.#connection = null;
    }
  }

  /** The first failure of an outage is logged and shown in the status; the attempts after it are not. */
  #connectionLost(error: unknown): void {
    this.#attemptsSinceLost++;
    if (this.#lostAt !== null) return;
    this.#lostAt = Date.now();
    const reason = (error as Error).message ?? String(error);
    if (sqlState(error) === '55006') {
      // the task moved (a rebalance, a failover): the old owner's walsender holds the slot until
      // its connection is gone — at once after a clean stop or a kill, within wal_sender_timeout
      // (60 s by default) when the old worker is frozen or cut off
      this.#o.logger.warn({ err: error, slot: this.#o.slot }, `replication slot "${this.#o.slot}" is still active for another session (the task's previous owner, most likely); retrying with backoff until PostgreSQL lets it go`);
      this.#o.reportDegraded?.(new RetriableError('source.unavailable', `Replication slot "${this.#o.slot}" is still held by another session (${reason}), most likely the walsender of this task's previous worker; retrying with backoff until PostgreSQL ends it (at most wal_sender_timeout).`, { cause: error }));
      return;
    }
    this.#o.logger.warn({ err: error }, `connection to PostgreSQL lost (${reason}); reconnecting with backoff, streaming resumes at the committed position`);
    this.#o.reportDegraded?.(new RetriableError('source.connection_lost', `The replication connection to PostgreSQL was lost (${reason}); reconnecting with backoff (up to retriable.restart.connector.wait.ms between attempts).`, { cause: error }));
  }

  /** The server answered on a new session: the outage, if any, is over. */
  #connected(): void {
    if (this.#lostAt === null) return;
    const downtimeMs = Date.now() - this.#lostAt;
    this.#o.logger.info({ downtimeMs, attempts: this.#attemptsSinceLost }, `connection to PostgreSQL re-established after ${downtimeMs} ms (${this.#attemptsSinceLost} failed attempts); streaming resumed`);
    this.#o.reportDegraded?.(null);
    this.#lostAt = null;
    this.#attemptsSinceLost = 0;
  }

  /**
   * Milliseconds the stream is behind: 0 while connected with everything received handled (the
   * server pushes changes as they commit), otherwise the time since it last was — or since the
   * commit time of the last change handled, if later — so the lag keeps growing while the
   * connection is down or the stream is stuck behind a full queue.
   */
  lagMs(now: number): number {
    if (this.#connection && this.#lostAt === null && this.#idle && this.#pending.length === 0) {
      this.#caughtUpAt = now;
      return 0;
    }
    return Math.max(0, now - Math.max(this.#caughtUpAt, this.#decoder.lastCommitTimeMs));
  }

  /**
   * Called for each message as pg parses the socket data. The payload is only valid during the
   * call (pg reuses its buffer), so it is decoded here; decoded values are copies. While the pump
   * is idle and nothing waits before this message, row changes go straight to the queue: no
   * promise, no intermediate list (this is the hot path of streaming).
   */
  #receive(connection: ReplicationConnection, walStart: Lsn, payload: Buffer, offset: number): void {
    let message: PgOutputMessage;
    try {
      message = decodePgOutput(payload, offset);
    } catch (error) {
      this.#push({ kind: 'error', error }, connection);
      return;
    }
    // logical decoding messages go through the pump: a replayed watermark may have to wait for a chunk read
    if (this.#idle && this.#pending.length === 0 && !TransactionDecoder.needsCatalog(message) && message.tag !== 'message' && !this.#stopped && !this.#o.blocking?.requested) {
      try {
        const records = this.#decoder.records(walStart, message);
        const rest = this.#offerAll(records);
        if (rest !== null) this.#push({ kind: 'records', records: rest }, connection);
      } catch (error) {
        this.#push({ kind: 'error', error }, connection);
      }
      return;
    }
    this.#push({ kind: 'message', walStart, message }, connection);
  }

  #push(item: PendingItem, connection: ReplicationConnection): void {
    this.#pending.push(item);
    if (!this.#paused && this.#pending.length >= PAUSE_AT) {
      this.#paused = true;
      connection.pause();
    }
    this.#wake?.();
  }

  /** Processes what #receive could not: catalog lookups, a full queue, keepalives, the end. */
  async #pump(connection: ReplicationConnection): Promise<void> {
    for (;;) {
      if (this.#pending.length === 0) {
        this.#idle = true;
        await new Promise<void>((resolve) => (this.#wake = resolve));
        this.#wake = null;
        this.#idle = false;
        continue;
      }
      const item = this.#pending.shift()!;
      if (this.#paused && this.#pending.length <= RESUME_AT) {
        this.#paused = false;
        connection.resume();
      }
      if (item.kind === 'end') return;
      if (item.kind === 'error') throw item.error;
      if (this.#stopped) continue;
      if (item.kind === 'keepalive') await this.#onKeepalive(item.walEnd);
      else if (item.kind === 'records') await this.#enqueue(item.records);
      else if (TransactionDecoder.needsCatalog(item.message)) await this.#decoder.describe(item.message);
      else {
        if (item.message.tag === 'message') await this.#o.incremental?.pending(item.message.prefix, item.message.content);
        const records = this.#decoder.records(item.walStart, item.message);
        if (records.length > 0) await this.#enqueue(records);
      }
      if (this.#o.blocking?.requested && !this.#decoder.inTransaction && !this.#stopped) await this.#blockingSnapshot();
    }
  }

  /**
   * A blocking snapshot, between the signal's transaction and the next: nothing more is decoded
   * until it ends (the socket is paused once PAUSE_AT messages wait; the status timer keeps
   * answering the server, so wal_sender_timeout does not end the session). Then the stream goes
   * on where it stopped: the changes committed while the rows were read come after them (a
   * delete made meanwhile too, which the rows cannot show).
   */
  async #blockingSnapshot(): Promise<void> {
    await this.#o.blocking!.run(this.#decoder.lastCommitEnd, () => this.#settled());
  }

  /** Resolves once every record the stream queued is committed (acknowledged), asking the runtime to commit meanwhile. */
  async #settled(): Promise<void> {
    while (!this.#stopped && !this.#allAcknowledged()) {
      this.#o.requestCommit?.();
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Queues without waiting; returns the records that did not fit (null when all did). */
  #offerAll(records: SourceRecord[]): SourceRecord[] | null {
    for (let i = 0; i < records.length; i++) {
      const record = records[i];
      if (this.#lastQueued !== null && record.position <= this.#lastQueued) continue;
      if (!this.#o.queue.offer(record)) return records.slice(i);
      this.#lastQueued = record.position;
    }
    return null;
  }

  async #onKeepalive(walEnd: Lsn): Promise<void> {
    // Only between transactions is everything before the server's position already received.
    if (this.#decoder.inTransaction) return;
    if (walEnd.compare(this.#serverWalEnd) > 0) this.#serverWalEnd = walEnd;
    this.#confirmIdle();
    if (!this.#heartbeats.due || walEnd.compare(this.#lastHeartbeat) <= 0) return;
    const position = heartbeatPosition(walEnd);
    if (this.#lastQueued !== null && position <= this.#lastQueued) return;
    this.#heartbeats.done();
    this.#lastHeartbeat = walEnd;
    const heartbeat = [heartbeatRecord(walEnd, this.#o.events)];
    // an incremental snapshot's state rides on every offset, a heartbeat's too
    await this.#enqueue(this.#o.incremental?.active ? this.#o.incremental.stamp(heartbeat) : heartbeat);
  }

  async #heartbeatQuery(): Promise<void> {
    if (!this.#o.heartbeatQuery) return;
    try {
      await this.#o.admin.query(this.#o.heartbeatQuery);
    } catch (error) {
      this.#o.logger.warn({ err: (error as Error).message }, 'heartbeat.action.query failed');
    }
  }

  async #enqueue(records: SourceRecord[]): Promise<void> {
    for (const record of records) {
      if (this.#lastQueued !== null && record.position <= this.#lastQueued) continue;
      if (!this.#o.queue.offer(record)) await this.#o.queue.put(record);
      this.#lastQueued = record.position;
    }
  }

  /** Reports `lsn` as flushed: called once offsets up to it are durably committed. */
  acknowledge(lsn: Lsn): void {
    if (lsn.compare(this.#acked) > 0) this.#acked = lsn;
    this.#confirmIdle();
    this.#connection?.sendStatus(this.#acked);
  }

  /**
   * Whether everything the stream yielded is acknowledged: no transaction open, and the last one
   * that yielded records ends at or before the acknowledged position.
   */
  #allAcknowledged(): boolean {
    if (this.#o.incremental?.holdsWal) return false;
    return !this.#decoder.inTransaction && this.#decoder.lastRecordsEnd.compare(this.#acked) <= 0;
  }

  /** While idle, the server's last reported position holds nothing unacknowledged: confirm it. */
  #confirmIdle(): void {
    if (this.#allAcknowledged() && this.#serverWalEnd.compare(this.#acked) > 0) {
      this.#acked = this.#serverWalEnd;
      this.#connection?.sendStatus(this.#acked);
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#o.incremental?.stop();
    this.#wake?.();
    await this.#connection?.close();
  }
}
