import {
  parseConfig, type Logger, type RawConfig, type SourceOffset, type SourcePartition, type SourceRecord, type SourceTaskContext, type TaskMetrics,
} from '../../../../plugins/api/index.js';
import { postgresConfigSpec, type PostgresConfig } from '../postgres-config-spec.js';
import { PostgresSourceTask } from '../postgres-source-task.js';

/**
 * Drives a PostgresSourceTask the way the runtime does (start, poll, commit, stop) with an
 * in-memory offset store, for tests that do not need a whole worker. `commit()` plays the
 * runtime's part after sinks flushed: it stores the offset of the last polled record and then
 * calls the task's `commit`.
 */
export class TaskDriver {
  task = new PostgresSourceTask();
  readonly records: SourceRecord[] = [];
  readonly gauges = new Map<string, number>();
  progress: Record<string, unknown> | null = null;
  readonly #abort = new AbortController();
  #stored: SourceOffset | null;
  #polledOffset: SourceOffset | null = null;
  readonly logs: string[] = [];
  /** what the task last said it is working around (reportDegraded), null when healthy */
  degraded: unknown = null;
  /** how often the task asked for an offset commit (the driver commits only when told to) */
  commitRequests = 0;

  constructor(readonly raw: RawConfig, stored: SourceOffset | null = null) {
    this.#stored = stored;
  }

  get storedOffset(): SourceOffset | null {
    return this.#stored;
  }

  /** the offset of the last polled record: what `commit()` would store */
  get storedOffsetCandidate(): SourceOffset | null {
    return this.#polledOffset;
  }

  async start(): Promise<void> {
    const parsed = parseConfig(postgresConfigSpec, this.raw);
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
    const context: SourceTaskContext<PostgresConfig> = {
      connectorName: 'pg-test', taskId: 0, config: parsed.value, rawConfig: this.raw, logger, metrics,
      setProgress: (p) => void (this.progress = p), signal: this.#abort.signal,
      offsets: { offset: async (_p: SourcePartition) => this.#stored },
      requestCommit: () => void this.commitRequests++,
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
    await this.task.commit?.([{ partition: { server: this.raw['topic.prefix'] }, offset: this.#stored }]);
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

/** The properties for a test database on the harness server. */
export function testConfig(port: number, database: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'topic.prefix': `srv_${database}`,
    'database.hostname': '127.0.0.1',
    'database.port': String(port),
    'database.user': 'postgres',
    'database.password': '',
    'database.dbname': database,
    'slot.name': `slot_${database}`.slice(0, 63),
    'publication.name': `pub_${database}`,
    'poll.interval.ms': '100',
    ...extra,
  };
}
