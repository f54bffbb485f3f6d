import {
  parseConfig, type ConfigSpec, type Logger, type RawConfig, type SourceOffset, type SourcePartition, type SourceRecord, type SourceTask, type SourceTaskContext, type TaskMetrics,
} from '../api/index.js';

export interface SourceTaskDriverOptions<C> {
  readonly task: SourceTask<C>;
  readonly spec: ConfigSpec;
  readonly raw: RawConfig;
  /** the offset the store holds at start (null: none) */
  readonly stored?: SourceOffset | null;
  /** the source partition `commit()` reports the stored offset under */
  readonly partition: SourcePartition;
  readonly connectorName?: string;
  /** the task's id (default 0): a connector may give its tasks other roles by id */
  readonly taskId?: number;
}

/**
 * Drives a source task the way the runtime does (start, poll, commit, stop) with an in-memory
 * offset store, for tests that do not need a whole worker. `commit()` plays the runtime's part
 * after sinks flushed: it stores the offset of the last polled record and then calls the task's
 * `commit`. Any connector's tests use it; sources subclass it to name their task and partition.
 */
export class SourceTaskDriver<C = unknown> {
  task: SourceTask<C>;
  readonly raw: RawConfig;
  readonly records: SourceRecord[] = [];
  readonly gauges = new Map<string, number>();
  progress: Record<string, unknown> | null = null;
  readonly logs: string[] = [];
  /** what the task last said it is working around (reportDegraded), null when healthy */
  degraded: unknown = null;
  /** how often the task asked for an offset commit (the driver commits only when told to) */
  commitRequests = 0;
  readonly #abort = new AbortController();
  readonly #spec: ConfigSpec;
  readonly #partition: SourcePartition;
  readonly #connectorName: string;
  readonly #taskId: number;
  #stored: SourceOffset | null;
  #polledOffset: SourceOffset | null = null;

  constructor(options: SourceTaskDriverOptions<C>) {
    this.task = options.task;
    this.raw = options.raw;
    this.#spec = options.spec;
    this.#partition = options.partition;
    this.#connectorName = options.connectorName ?? 'source-test';
    this.#taskId = options.taskId ?? 0;
    this.#stored = options.stored ?? null;
  }

  get storedOffset(): SourceOffset | null {
    return this.#stored;
  }

  /** the offset of the last polled record: what `commit()` would store */
  get storedOffsetCandidate(): SourceOffset | null {
    return this.#polledOffset;
  }

  async start(): Promise<void> {
    const parsed = parseConfig(this.#spec, this.raw);
    if (!parsed.ok) throw new Error(`bad config: ${JSON.stringify(parsed.errors)}`);
    const log = (level: string) => (obj: object | string, msg?: string) => {
      this.logs.push(`${level} ${typeof obj === 'string' ? obj : JSON.stringify(obj)} ${msg ?? ''}`);
      if (process.env.TASK_LOG) console.log(level, obj, msg ?? '');
    };
    const logger: Logger = { debug: () => undefined, info: log('info'), warn: log('warn'), error: log('error') };
    const key = (name: string, labels?: Record<string, string>) => (labels ? `${name}${JSON.stringify(labels)}` : name);
    const metrics: TaskMetrics = {
      setGauge: (name, _help, value, labels) => void this.gauges.set(key(name, labels), value),
      incCounter: (name, _help, by = 1, labels) => void this.gauges.set(key(name, labels), (this.gauges.get(key(name, labels)) ?? 0) + by),
      observe: () => undefined,
    };
    const context: SourceTaskContext<C> = {
      connectorName: this.#connectorName, taskId: this.#taskId, config: parsed.value as C, rawConfig: this.raw, logger, metrics,
      setProgress: (p) => void (this.progress = p), signal: this.#abort.signal,
      offsets: { offset: async (_p: SourcePartition) => this.#stored },
      requestCommit: () => void this.commitRequests++,
      storeStartingOffset: async (_p: SourcePartition, offset: SourceOffset) => void (this.#stored = offset),
      reportDegraded: (error) => void (this.degraded = error ?? null),
    };
    await this.task.start(context);
  }

  async pollOnce(): Promise<SourceRecord[]> {
    const batch = await this.task.poll(this.#abort.signal);
    if (batch.length > 0) {
      this.records.push(...batch);
      this.#polledOffset = batch[batch.length - 1].sourceOffset;
    }
    return batch;
  }

  /** Polls until `done` holds (checked after each poll) or the time is up. */
  async pollUntil(done: (records: SourceRecord[]) => boolean, timeoutMs = 30_000, label = 'condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.records)) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${label}; have ${this.records.length} records`);
      await this.pollOnce();
    }
  }

  /** The runtime's offset commit: everything polled so far is now durable. */
  async commit(): Promise<void> {
    if (!this.#polledOffset) return;
    this.#stored = this.#polledOffset;
    await this.task.commit?.([{ partition: this.#partition, offset: this.#stored }]);
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await this.task.stop();
  }

  /** change records (no heartbeats, no tombstones) */
  changes(): SourceRecord[] {
    return this.records.filter((r) => r.value !== null && !r.topic.startsWith('__debezium-heartbeat'));
  }
}
