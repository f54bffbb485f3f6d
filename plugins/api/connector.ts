import type { ConfigOf, ConfigSpec, PropertyMap, RawConfig } from './config-spec.js';
import type { SinkRecord, SourceOffset, SourcePartition, SourceRecord } from './records.js';

/** The plugin API version this runtime implements; a plugin declaring another one is refused. */
export const API_VERSION = 1;

/** pino-compatible: `log.info({table}, 'snapshot started')` or `log.info('message')`. */
export interface Logger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
}

/** Metrics a task may publish besides the ones the runtime keeps; labelled with connector and task. */
export interface TaskMetrics {
  /** a gauge named `tributary_<name>`; `labels` adds label values beyond connector and task */
  setGauge(name: string, help: string, value: number, labels?: Record<string, string>): void;
  incCounter(name: string, help: string, by?: number, labels?: Record<string, string>): void;
  /** records a duration or size in a histogram named `tributary_<name>` */
  observe(name: string, help: string, value: number, labels?: Record<string, string>): void;
}

interface TaskContextBase<C> {
  readonly connectorName: string;
  readonly taskId: number;
  /** the task's config parsed with the connector's spec */
  readonly config: C;
  /** the task's config as strings, including task-specific keys the connector added */
  readonly rawConfig: RawConfig;
  readonly logger: Logger;
  readonly metrics: TaskMetrics;
  /**
   * Progress of long work (a snapshot: rows done and estimated, per table), shown in the task's
   * REST status under `progress` and logged. Replaces what was set before.
   */
  setProgress(progress: Record<string, unknown> | null): void;
  /**
   * Tells the runtime the task is working around a failure — a lost connection it is
   * re-establishing, storage it is retrying — so that its status stays RUNNING but shows the
   * error and since when as `trace`, until called with null. Monitoring must not see a clean
   * RUNNING during an outage. A failure the task cannot work around is thrown instead.
   */
  reportDegraded(error: unknown): void;
  /** aborted when the task is asked to stop; long calls should honour it */
  readonly signal: AbortSignal;
}

export interface OffsetReader {
  /** the last committed offset for a source partition, or null if none was committed */
  offset(partition: SourcePartition): Promise<SourceOffset | null>;
}

export interface SourceTaskContext<C = unknown> extends TaskContextBase<C> {
  readonly offsets: OffsetReader;
  /**
   * Asks the runtime to run an offset commit soon rather than at the next interval (the source's
   * server waits for a flush confirmation). `commit` follows once what is durable is stored.
   */
  requestCommit(): void;
  /**
   * Stores `offset` for `partition` now, before any record carries it, and resolves once it is
   * durable: a starting point that claims nothing delivered, for a source that fixed where it
   * begins before sending anything (the snapshot point of a replication slot it just created).
   * Without it a task killed before its first offset commit leaves no trace of that choice, and
   * the next attempt picks another starting point, which gives the records already sent other
   * positions (landing twice). The offsets of the records it sends later replace it as usual.
   */
  storeStartingOffset(partition: SourcePartition, offset: SourceOffset): Promise<void>;
}

export interface TopicPartitionOffset {
  readonly topic: string;
  readonly partition: number;
  /** the offset of the next record to consume: everything below it is covered */
  readonly offset: number;
  /**
   * In a `preCommit` answer: the position of the record at `offset`, when the task holds that
   * record (e.g. the first record of its oldest open file). Bus offsets do not survive a restart
   * in embedded mode, so the runtime remembers what is durable by source position; with this it
   * knows exactly, and a replay after a crash skips every record below the offset. Without it the
   * runtime can only credit whole batches, and a replay may hand the task records it already
   * wrote (at-least-once).
   */
  readonly position?: string;
}

export interface SinkTaskContext<C = unknown> extends TaskContextBase<C> {
  /**
   * Hands a record the task cannot write to the runtime's error policy. With
   * `errors.tolerance=all` it goes to the dead-letter queue (with `error` as context) and this
   * resolves; with `none` this rejects with a task-failing error, which `put` should let propagate.
   */
  reportErrant(record: SinkRecord, error: unknown): Promise<void>;
  /** asks the runtime to call `preCommit` soon (e.g. a file was just completed) */
  requestCommit(): void;
  /**
   * Records, before it resolves, that every record below `offset` in each topic partition is
   * durable (`lastPosition`: the position of the record at `offset - 1`). A sink that completes
   * files calls it right after each completion, before it completes another: after a crash a
   * replay then never hands it records of a completed file again. Records replayed from the
   * source can differ from the first run (a snapshot resumed inside another MVCC snapshot, a
   * file first closed by a wall-clock rule), so rewriting a completed file from a replay could
   * end it elsewhere and overlap the next one. It writes the runtime's durable state (in
   * embedded mode a write of the offset file), so call it per completed file, not per record.
   */
  commitDurable(upTo: readonly DurableOffset[]): Promise<void>;
}

/** What a sink has made durable in one topic partition (see `SinkTaskContext.commitDurable`). */
export interface DurableOffset {
  readonly topic: string;
  readonly partition: number;
  /** every record below this offset is durable */
  readonly offset: number;
  /** the position of the record at `offset - 1` */
  readonly lastPosition: string;
}

/**
 * A source task reads one share of a source and turns it into records.
 *
 * Call order: `start` once, then `poll` repeatedly (never two at once), with `commit` calls
 * interleaved between polls, then `stop` once (possibly while a `poll` is pending: `stop` aborts
 * the signal first; `poll` must then return promptly).
 *
 * - `poll` returns `[]` when nothing is ready within a short wait (≈1 s at most) so that pause
 *   and stop stay prompt. A thrown `RetriableError` makes the runtime retry with backoff within
 *   `errors.retry.timeout`; any other error fails the task.
 * - `commit` is called after the runtime has durably stored offsets: every record up to the
 *   given offsets is safe in every sink. Only then may the task acknowledge positions to the
 *   database (Postgres `confirmed_flush_lsn`). It may be called with offsets older than the
 *   latest polled ones.
 * - `commitRecord` is called once a record has been accepted by the bus (not yet durable).
 */
export interface SourceTask<C = unknown> {
  start(context: SourceTaskContext<C>): Promise<void>;
  poll(signal: AbortSignal): Promise<SourceRecord[]>;
  commit?(committed: readonly { partition: SourcePartition; offset: SourceOffset }[]): Promise<void>;
  commitRecord?(record: SourceRecord): Promise<void>;
  stop(): Promise<void>;
  /**
   * A Debezium signal from the REST API (`execute-snapshot`, `stop-snapshot`, `pause-snapshot`,
   * `resume-snapshot`, `log`; `data` as Debezium's signal table holds it, parsed). Resolves once
   * the signal is durably queued in the source's order (a CDC source writes it to its log), and
   * rejects with `signal.invalid` for a malformed one. Absent: the connector takes no signals.
   */
  signal?(signal: { readonly id: string; readonly type: string; readonly data: unknown }): Promise<void>;
  /** What an incremental snapshot has done and has left (null when none runs). */
  snapshotProgress?(): Record<string, unknown> | null;
}

/**
 * A sink task writes records to a destination.
 *
 * Call order: `start`, then `put` repeatedly (never concurrently) with `preCommit` between puts,
 * then `stop`. The runtime calls `put([])` at least once a second when no records arrive, so a
 * sink can close files whose time is up even on an idle topic.
 *
 * - `put` may buffer; records are not yet safe when it returns.
 * - `preCommit(current)` returns, per topic and partition, the offset below which every record
 *   is durably written (`current` is what has been handed to `put`). A sink that keeps files open
 *   returns the first offset of its oldest open file, with that record's `position`. The runtime
 *   commits source offsets only up to what every sink returned. Default: `flush(current)` then
 *   `current`.
 * - Retriable errors (`RetriableError`) from `put` or `preCommit` are retried with backoff; others
 *   fail the task, after which the records not yet committed are delivered again on restart.
 */
export interface SinkTask<C = unknown> {
  start(context: SinkTaskContext<C>): Promise<void>;
  put(records: readonly SinkRecord[]): Promise<void>;
  /**
   * Makes everything handed to `put` durable now: a file sink completes its open files. Called
   * on a graceful stop (sources are paused first) right before the last preCommit, so a clean
   * stop leaves nothing to replay; and, when `preCommit` is absent, by the default preCommit.
   */
  flush?(current: readonly TopicPartitionOffset[]): Promise<void>;
  preCommit?(current: readonly TopicPartitionOffset[]): Promise<readonly TopicPartitionOffset[]>;
  /** Stops without completing open work; what was not committed is replayed. */
  stop(): Promise<void>;
}

interface ConnectorBase<P extends PropertyMap> {
  /** short name used in `connector.class` (e.g. `datagen`) */
  readonly name: string;
  /** further names that resolve to this connector (Debezium/Confluent class names) */
  readonly aliases?: readonly string[];
  readonly version: string;
  readonly apiVersion: number;
  readonly description: string;
  readonly configSpec: ConfigSpec<P>;
  /**
   * Checks beyond the spec (connectivity, server settings), run at `config/validate` and before
   * start. Returns problems keyed by property name; never throws for bad input.
   */
  validate?(config: ConfigOf<P>, raw: RawConfig): Promise<Record<string, string[]>>;
  /** Splits the work into at most `maxTasks` task configs (strings, as Kafka Connect stores them). */
  taskConfigs(config: ConfigOf<P>, raw: RawConfig, maxTasks: number): RawConfig[] | Promise<RawConfig[]>;
}

/** One entry of a KIP-875 offsets request: `offset: null` deletes the partition's offset. */
export interface OffsetEntry {
  readonly partition: SourcePartition;
  readonly offset: SourceOffset | null;
}

export interface SourceConnector<P extends PropertyMap = PropertyMap> extends ConnectorBase<P> {
  readonly kind: 'source';
  createTask(): SourceTask<ConfigOf<P>>;
  /**
   * Checks offsets an operator gives over the REST API (KIP-875 `PATCH /connectors/{n}/offsets`)
   * before anything is stored, as Kafka Connect's `SourceConnector.alterOffsets` does: returns
   * one problem per bad partition or offset, naming it (`offsets[0].offset.lsn: ...`). Any
   * problem refuses the whole request (400 `offsets.invalid`) and nothing is applied. Entries are
   * already known to be flat JSON objects. Without it, any such object is accepted — and a task
   * that cannot read its offset then fails at start.
   */
  alterOffsets?(config: ConfigOf<P>, raw: RawConfig, offsets: readonly OffsetEntry[]): string[] | Promise<string[]>;
}

export interface SinkConnector<P extends PropertyMap = PropertyMap> extends ConnectorBase<P> {
  readonly kind: 'sink';
  createTask(): SinkTask<ConfigOf<P>>;
}

export type Connector = SourceConnector<PropertyMap> | SinkConnector<PropertyMap>;

/** Declares a connector: one frozen value that the registry lists. */
export function defineConnector<P extends PropertyMap>(definition: SourceConnector<P>): SourceConnector<P>;
export function defineConnector<P extends PropertyMap>(definition: SinkConnector<P>): SinkConnector<P>;
export function defineConnector(definition: Connector): Connector {
  return Object.freeze({ ...definition, aliases: Object.freeze([...(definition.aliases ?? [])]) });
}
