import { setTimeout as delay } from 'node:timers/promises';
import { isRetriable, type Logger, type SourceRecord, type TaskMetrics } from '../../../plugins/api/index.js';
import { HeartbeatSchedule, heartbeatRecord, type ChangeQueue } from '../../../plugins/cdc/index.js';
import { ChangeEmitter, heartbeatPositionOf } from './change-emitter.js';
import { CommitScn } from './commit-scn.js';
import { currentScn, flushedScn } from './database-state.js';
import { logFilesFrom } from './log-files.js';
import { CsfAssembler, OperationCode, type MinedRow } from './logminer-row.js';
import { LogMinerSession } from './logminer-session.js';
import { MiningWindow } from './mining-window.js';
import { miningQuery, type MiningFilter } from './mining-query.js';
import type { OracleConfig } from './oracle-config-spec.js';
import { isConnectionLost, miningError } from './oracle-errors.js';
import { encodeStreaming, type StreamingOffset } from './oracle-offsets.js';
import type { OracleTable } from './oracle-table.js';
import type { RecordSettings } from './record-settings.js';
import { Scn } from './scn.js';
import type { SqlSession } from './sql-session.js';
import type { TableCatalog } from './table-catalog.js';
import { TransactionBuffer, type OpenTransaction } from './transaction-buffer.js';

export interface StreamerOptions {
  readonly config: OracleConfig;
  readonly settings: RecordSettings;
  readonly filter: MiningFilter;
  readonly tables: TableCatalog;
  readonly queue: ChangeQueue<SourceRecord>;
  readonly logger: Logger;
  readonly metrics: TaskMetrics;
  /** the mining session (NLS prepared) */
  readonly session: SqlSession;
  /** a new prepared session after the connection was lost */
  readonly reconnect: () => Promise<SqlSession>;
  readonly reportDegraded?: (error: unknown) => void;
  /** the session for catalog reads (in the PDB); defaults to the mining session */
  readonly catalogSession?: () => SqlSession;
}

const RETRY_FIRST_MS = 250;
const RETRY_MAX_MS = 10_000;

/**
 * Debezium's buffered LogMiner streaming: windows of SCNs mined one after the other (the
 * window sized by MiningWindow, its log files from `logFilesFrom`, one LogMiner session per
 * window), every row fed into per-transaction buffers, each transaction's records emitted when
 * its COMMIT row arrives, in commit order.
 *
 * Restart semantics (a task restart and an in-process recovery behave the same): mining
 * starts above the offset's `scn` (the low watermark), so every transaction not yet fully
 * emitted is read whole again; a transaction committed at or below `snapshot_scn` is in the
 * snapshot; one that `commit_scn` covers was emitted, except the offset's own `txId`, whose
 * records after `txSeq` are emitted.
 */
export class LogMinerStreamer {
  readonly #o: StreamerOptions;
  readonly #window: MiningWindow;
  readonly #buffer: TransactionBuffer;
  readonly #emitter: ChangeEmitter;
  readonly #heartbeats: HeartbeatSchedule;
  readonly #query: string;
  #session: SqlSession;
  #miner: LogMinerSession;
  #assembler = new CsfAssembler();
  #stopped = false;
  readonly #stop = new AbortController();
  /** the offset of the last record queued: where an in-process recovery resumes */
  #last: StreamingOffset;
  #lastPosition: string | null = null;
  #lower: Scn;
  #committed: CommitScn;
  #resume: { txId: string; txSeq: number } | null;
  #snapshotScn: Scn | null;
  #lastFiles = '';
  #redoTime = 0;
  readonly #warnedUnsupported = new Set<string>();

  constructor(options: StreamerOptions, start: StreamingOffset) {
    this.#o = options;
    this.#window = new MiningWindow(options.config);
    this.#buffer = new TransactionBuffer({ retentionMs: options.config['log.mining.transaction.retention.ms'], maxEvents: options.config['log.mining.buffer.transaction.events.threshold'] }, options.logger);
    this.#emitter = new ChangeEmitter(options.settings);
    this.#heartbeats = new HeartbeatSchedule(options.config['heartbeat.interval.ms']);
    this.#query = miningQuery(options.filter);
    this.#session = options.session;
    this.#miner = new LogMinerSession(this.#session);
    this.#last = start;
    this.#lower = start.scn;
    this.#committed = start.commitScn;
    this.#resume = start.txId !== null && start.txSeq !== null ? { txId: start.txId, txSeq: start.txSeq } : null;
    this.#snapshotScn = start.snapshotScn;
  }

  /** the SCN mined up to */
  get minedScn(): Scn {
    return this.#lower;
  }

  async run(): Promise<void> {
    this.#heartbeats.start();
    let attempts = 0;
    try {
      while (!this.#stopped) {
        try {
          const caughtUp = await this.#mineWindow();
          attempts = 0;
          if (caughtUp) await this.#sleep(this.#window.sleepMs);
        } catch (error) {
          if (this.#stopped) return;
          const failure = miningError(error);
          if (!isRetriable(failure)) throw failure;
          attempts++;
          this.#o.reportDegraded?.(failure);
          const wait = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** Math.min(attempts - 1, 10));
          this.#o.logger.warn({ err: failure.message, attempt: attempts, waitMs: wait }, 'mining failed; resuming from the last queued offset');
          await this.#miner.abandon();
          await this.#sleep(wait);
          if (isConnectionLost(error)) await this.#reconnect();
          this.#recover();
        }
      }
    } finally {
      this.#heartbeats.stop();
      await this.#miner.abandon();
    }
  }

  async #reconnect(): Promise<void> {
    await this.#session.close().catch(() => undefined);
    this.#session = await this.#o.reconnect();
    this.#miner = new LogMinerSession(this.#session);
  }

  /** Back to the state of the last queued record, as a restart from its offset would be. */
  #recover(): void {
    this.#buffer.clear();
    this.#assembler = new CsfAssembler();
    this.#lower = this.#last.scn;
    this.#committed = this.#last.commitScn;
    this.#resume = this.#last.txId !== null && this.#last.txSeq !== null ? { txId: this.#last.txId, txSeq: this.#last.txSeq } : null;
    this.#o.reportDegraded?.(null);
  }

  /** Mines one window; true when it reached the current SCN (time to pause). */
  async #mineWindow(): Promise<boolean> {
    const session = this.#session;
    const current = await currentScn(session);
    const upper = this.#window.upperBound(this.#lower, current, await flushedScn(session));
    if (upper === null) {
      await this.#maybeHeartbeat();
      return true;
    }
    const files = await logFilesFrom(session, this.#lower, this.#o.config['log.mining.archive.log.hours']);
    this.#noteLogSwitch(files.map((f) => `${f.thread}:${f.sequence}`).join(','));
    await this.#miner.start(files, this.#lower, upper);
    for await (const raw of this.#miner.contents(this.#query, this.#lower, upper, this.#o.config['query.fetch.size'])) {
      if (this.#stopped) break;
      const row = this.#assembler.push(raw);
      if (row) await this.#handle(row);
    }
    await this.#miner.end();
    if (this.#stopped) return false;
    this.#lower = upper;
    this.#buffer.expire(this.#redoTime);
    this.#window.adapt(upper, current);
    this.#publishMetrics(current);
    await this.#maybeHeartbeat();
    return current.compare(upper) <= 0;
  }

  #noteLogSwitch(files: string): void {
    if (this.#lastFiles !== '' && files !== this.#lastFiles) {
      this.#o.metrics.incCounter('oracle_log_switches_total', 'Changes of the mined log-file set between windows (log switches, archiving)');
      this.#o.logger.info({ files }, 'log file set changed');
    }
    this.#lastFiles = files;
  }

  async #handle(row: MinedRow): Promise<void> {
    if (row.timestamp > this.#redoTime) this.#redoTime = row.timestamp;
    switch (row.operationCode) {
      case OperationCode.START:
        this.#buffer.start(row);
        return;
      case OperationCode.INSERT:
      case OperationCode.UPDATE:
      case OperationCode.DELETE:
        if (row.owner !== null && row.table !== null && this.#o.tables.filter.includesTable(row.owner, row.table)) this.#buffer.change(row);
        return;
      case OperationCode.COMMIT: {
        const tx = this.#buffer.commit(row.xid);
        if (tx && tx.changes.length > 0) await this.#emit(tx, row);
        return;
      }
      case OperationCode.ROLLBACK:
        this.#buffer.rollback(row.xid);
        return;
      case OperationCode.DDL:
        if (row.owner !== null && row.table !== null) {
          this.#o.tables.invalidate(row.owner, row.table);
          if (this.#o.tables.filter.includesTable(row.owner, row.table)) this.#o.logger.info({ table: `${row.owner}.${row.table}`, scn: row.scn.toString() }, 'DDL on a captured table: its shape is read again from the online catalog');
        }
        return;
      case OperationCode.UNSUPPORTED: {
        const name = `${row.owner}.${row.table}`;
        if (row.owner !== null && row.table !== null && this.#o.tables.filter.includesTable(row.owner, row.table) && !this.#warnedUnsupported.has(name)) {
          this.#warnedUnsupported.add(name);
          this.#o.logger.warn({ table: name, scn: row.scn.toString(), info: row.info }, 'LogMiner marks a change to a captured table as unsupported; it is not emitted');
        }
        return;
      }
      default:
        return;
    }
  }

  async #emit(tx: OpenTransaction, commit: MinedRow): Promise<void> {
    // already in the snapshot
    if (this.#snapshotScn && commit.scn.compare(this.#snapshotScn) <= 0) return;
    let skip = 0;
    if (this.#committed.covers(commit.thread, commit.scn, tx.xid)) {
      if (this.#resume?.txId !== tx.xid) return;
      skip = this.#resume.txSeq;
    }
    const tables = await this.#resolveTables(tx);
    const oldest = this.#buffer.oldestStartExcept(null);
    const low = (oldest && oldest.isBefore(tx.startScn) ? oldest : tx.startScn).subtract(1);
    const committed = this.#committed.with(commit.thread, commit.scn, tx.xid);
    const offset = { scn: low, commitScn: committed, txId: tx.xid, snapshotScn: this.#snapshotScn };
    const records = this.#emitter.records(tx, commit, offset, (owner, table) => tables.get(`${owner}.${table}`) ?? null);
    this.#committed = committed;
    if (this.#resume?.txId === tx.xid) this.#resume = null;
    for (let i = skip; i < records.length; i++) {
      const record = records[i];
      if (!this.#o.queue.offer(record)) await this.#o.queue.put(record);
      this.#last = { ...offset, txSeq: i + 1 };
      this.#lastPosition = record.position;
      if (this.#stopped) return;
    }
  }

  async #resolveTables(tx: OpenTransaction): Promise<Map<string, OracleTable | null>> {
    const out = new Map<string, OracleTable | null>();
    for (const row of tx.changes) {
      if (row.owner === null || row.table === null) continue;
      const name = `${row.owner}.${row.table}`;
      if (out.has(name)) continue;
      let table = this.#o.tables.get(row.owner, row.table);
      if (table === undefined) table = await this.#o.tables.describe(this.#o.catalogSession?.() ?? this.#session, row.owner, row.table);
      out.set(name, table);
    }
    return out;
  }

  async #maybeHeartbeat(): Promise<void> {
    if (!this.#heartbeats.due) return;
    this.#heartbeats.done();
    // after a restart, until mining passes the last emitted commit, a heartbeat would sort before it
    const emitted = this.#committed.maxScn;
    if (emitted && this.#lower.isBefore(emitted)) return;
    const position = heartbeatPositionOf(this.#lower);
    if (this.#lastPosition !== null && position <= this.#lastPosition) return;
    const oldest = this.#buffer.oldestStartExcept(null);
    const offset: StreamingOffset = { scn: oldest ? Scn.min(oldest.subtract(1), this.#lower) : this.#lower, commitScn: this.#committed, txId: null, txSeq: null, snapshotScn: this.#snapshotScn };
    const record = heartbeatRecord(this.#o.settings, this.#o.settings.partition, encodeStreaming(offset), position);
    await this.#o.queue.put(record);
    this.#last = offset;
    this.#lastPosition = position;
  }

  #publishMetrics(current: Scn): void {
    const m = this.#o.metrics;
    const oldest = this.#buffer.oldest();
    m.setGauge('oracle_open_transactions', 'Transactions buffered while open', this.#buffer.size);
    m.setGauge('oracle_buffered_events', 'DML rows buffered in open transactions', this.#buffer.eventCount);
    m.setGauge('oracle_oldest_transaction_age_ms', 'Age of the oldest open transaction by the redo\'s clock (0 when none is open)', oldest ? Math.max(0, this.#redoTime - oldest.startTime) : 0);
    m.setGauge('oracle_oldest_transaction_scn', 'Start SCN of the oldest open transaction (0 when none is open)', oldest ? Number(oldest.startScn.value) : 0);
    m.setGauge('oracle_mined_scn', 'The SCN mined up to', Number(this.#lower.value));
    m.setGauge('oracle_lag_scn', 'SCNs between the current SCN and the mined one', Number(current.value - this.#lower.value));
    m.setGauge('oracle_mining_batch_size', 'SCNs the next mining window covers at most', Number(this.#window.batchSize));
  }

  /** Pauses; even a pause of 0 yields to the event loop, so a session that answers without I/O cannot starve timers. */
  async #sleep(ms: number): Promise<void> {
    if (this.#stopped) return;
    await delay(Math.max(0, ms), undefined, { signal: this.#stop.signal }).catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#stop.abort();
    this.#heartbeats.stop();
  }
}
