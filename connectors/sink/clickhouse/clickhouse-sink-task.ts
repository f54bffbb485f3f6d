import {
  RetriableError,
  schemaFingerprint,
  TributaryError,
  type Schema,
  type SinkRecord,
  type SinkTask,
  type SinkTaskContext,
  type TopicPartitionOffset,
} from '../../../plugins/api/index.js';
import { AckTracker } from './ack-tracker.js';
import { BufferPool } from './buffer-pool.js';
import { connect, type ClickHouseConnection } from './clickhouse-connection.js';
import { isRetriableClickHouseError, serverMessage } from './clickhouse-errors.js';
import { tableNameFor, type ClickHouseSinkConfig } from './clickhouse-sink-config.js';
import { readChange, RowChange } from './record-rows.js';
import { qualified, type InsertMode } from './table-ddl.js';
import { TableManager } from './table-manager.js';
import type { TablePlan } from './table-plan.js';
import { TableWriter, type WriterContext } from './table-writer.js';

export const VERSION = '0.1.0';

/** at most this many freshness observations per insert (a sample of its rows) */
const FRESHNESS_SAMPLES = 1000;

interface TableState {
  readonly name: string;
  readonly mode: InsertMode;
  readonly keys: readonly string[];
  readonly writer: TableWriter;
  readonly plans: Map<string, TablePlan>;
  readonly bySchema: WeakMap<Schema, TablePlan>;
  refreshedAt: number;
}

/**
 * The ClickHouse sink task. `put` encodes rows into per-table RowBinary batches and sends them
 * when full (`batch.size`, `batch.bytes`) or old (`linger.ms`); `preCommit` reports, per topic
 * partition, the first record ClickHouse has not acknowledged, so source offsets never pass an
 * unacknowledged row, and a replay after a crash re-inserts only rows whose versions make the
 * second copy collapse into the first (README: exactly-once).
 */
export class ClickHouseSinkTask implements SinkTask<ClickHouseSinkConfig> {
  #context!: SinkTaskContext<ClickHouseSinkConfig>;
  #config!: ClickHouseSinkConfig;
  #connection!: ClickHouseConnection;
  #tables!: TableManager;
  readonly #tracker = new AckTracker();
  #buffers!: BufferPool;
  readonly #byTopic = new Map<string, TableState>();
  #batchIds = 0;
  /** the last record's schema and plan: records come in runs of one table and schema */
  #lastPlan: { state: TableState; schema: Schema; plan: TablePlan } | null = null;
  #retryTimeoutMs = 0;
  #degraded = false;
  /** the change of the record being put, filled again for each (no allocation per record) */
  readonly #change = new RowChange();

  async start(context: SinkTaskContext<ClickHouseSinkConfig>): Promise<void> {
    this.#context = context;
    this.#config = context.config;
    this.#retryTimeoutMs = Number(context.rawConfig['errors.retry.timeout'] ?? 0);
    // used batch buffers kept for the next batches: at most half of buffer.memory besides it
    this.#buffers = new BufferPool(this.#config['buffer.memory'] / 2);
    try {
      this.#connection = await connect(this.#config);
    } catch (error) {
      throw new RetriableError('sink.unavailable', `Cannot reach ClickHouse at ${this.#config.hostname}:${this.#config.port}: ${serverMessage(error)}`, { cause: error });
    }
    const c = this.#config;
    this.#tables = new TableManager(this.#connection, { database: c.database, autoCreate: c['auto.create'], autoEvolve: c['auto.evolve'], partitionBy: c['partition.by'], orderBy: c['order.by'] }, context.logger);
    context.logger.info({ server: this.#connection.features.version, database: c.database }, 'ClickHouse sink started');
  }

  async put(records: readonly SinkRecord[]): Promise<void> {
    this.#throwIfFailed();
    const now = Date.now();
    for (const record of records) {
      const change = readChange(record, this.#change);
      if (change.kind === 'skip') {
        if ((record.value === null || record.value === undefined) && this.#config['behavior.on.null.values'] === 'fail') {
          throw new TributaryError('record.rejected', `Record ${record.id} on ${record.topic} is a tombstone (null value) and behavior.on.null.values=fail. Set it to ignore to skip tombstones.`);
        }
        continue;
      }
      if (change.kind === 'truncate') {
        const state = this.#byTopic.get(record.topic);
        const table = state?.name ?? tableNameFor(record.topic, this.#config);
        const sql = `TRUNCATE TABLE IF EXISTS ${qualified(this.#config.database, table)}`;
        // nothing of this topic is buffered yet (a replay may start with the truncate): run it now
        if (!state) await this.#retrying(`truncate ${table}`, () => this.#connection.command(sql));
        else state.writer.after(record, `truncate ${table}`, () => this.#connection.command(sql));
        continue;
      }
      const state = this.#byTopic.get(record.topic) ?? (await this.#state(record));
      const last = this.#lastPlan;
      const fresh = this.#config.tableRefreshInterval === 0 || now - state.refreshedAt <= this.#config.tableRefreshInterval * 1000;
      const plan = fresh && last && last.state === state && last.schema === change.schema ? last.plan : await this.#plan(state, record, change.schema);
      try {
        state.writer.add(plan, change, now);
      } catch (error) {
        await this.#context.reportErrant(record, new TributaryError('record.conversion_failed', `Record ${record.id} (topic ${record.topic}, position ${record.position}) does not fit table ${state.name}: ${(error as Error).message}`, { cause: error }));
      }
    }
    let bytes = 0;
    let inFlight = 0;
    for (const state of this.#byTopic.values()) {
      if (state.writer.due(now)) state.writer.send();
      bytes += state.writer.bytes;
      inFlight += state.writer.inFlight;
    }
    // A caller that hands batches over without I/O of its own (the in-memory bus) would run put
    // after put on microtasks alone, and the sockets of inserts in flight would never be written:
    // one turn of the event loop per put lets them go on.
    if (inFlight > 0) await new Promise((resolve) => setImmediate(resolve));
    // bounded memory: wait for ClickHouse when too much is buffered or in flight
    if (bytes > this.#config['buffer.memory']) {
      for (const state of this.#byTopic.values()) state.writer.send();
      await Promise.all([...this.#byTopic.values()].map((s) => s.writer.drain()));
    }
  }

  async preCommit(current: readonly TopicPartitionOffset[]): Promise<readonly TopicPartitionOffset[]> {
    this.#throwIfFailed();
    return this.#tracker.safe(current);
  }

  /** Sends every open batch and waits for ClickHouse to acknowledge them (graceful stop). */
  async flush(): Promise<void> {
    for (const state of this.#byTopic.values()) state.writer.send();
    for (const state of this.#byTopic.values()) await state.writer.drain();
  }

  async stop(): Promise<void> {
    await this.#connection?.close();
  }

  #throwIfFailed(): void {
    for (const state of this.#byTopic.values()) {
      const failure = state.writer.failure;
      if (failure === undefined) continue;
      if (failure instanceof TributaryError && !failure.retriable) throw failure;
      throw new TributaryError('sink.write_failed', `Writing to ClickHouse table ${state.name} failed: ${serverMessage(failure)}`, { cause: failure });
    }
  }

  async #state(record: SinkRecord): Promise<TableState> {
    const known = this.#byTopic.get(record.topic);
    if (known) return known;
    const c = this.#config;
    const name = tableNameFor(record.topic, c);
    const keyFields = c['primary.key.fields']?.length ? c['primary.key.fields'] : (record.keySchema?.type === 'struct' ? (record.keySchema.fields ?? []).map((f) => f.name) : []);
    const mode: InsertMode = c['insert.mode'] === 'upsert' && keyFields.length > 0 ? 'upsert' : 'append';
    const state: TableState = {
      name,
      mode,
      keys: mode === 'upsert' ? keyFields : [],
      writer: new TableWriter(name, this.#writerContext(name), { rows: c['batch.size'], bytes: c['batch.bytes'], lingerMs: c['linger.ms'], inFlight: c['max.in.flight.inserts'] }),
      plans: new Map(),
      bySchema: new WeakMap(),
      refreshedAt: Date.now(),
    };
    this.#byTopic.set(record.topic, state);
    return state;
  }

  async #plan(state: TableState, record: SinkRecord, schema: Schema): Promise<TablePlan> {
    const refresh = this.#config.tableRefreshInterval * 1000;
    if (refresh > 0 && Date.now() - state.refreshedAt > refresh) {
      // columns others added are noticed: plans are made again from the table's description
      state.plans.clear();
      state.refreshedAt = Date.now();
      this.#lastPlan = null;
    }
    const cached = state.bySchema.get(schema);
    if (cached && state.plans.size > 0) {
      this.#lastPlan = { state, schema, plan: cached };
      return cached;
    }
    const fingerprint = schemaFingerprint(schema);
    let plan = state.plans.get(fingerprint);
    if (!plan) {
      plan = await this.#retrying(`prepare table ${state.name}`, () => this.#tables.prepare({ table: state.name, topic: record.topic, mode: state.mode, schema, keys: state.keys }));
      state.plans.set(fingerprint, plan);
    }
    state.bySchema.set(schema, plan);
    this.#lastPlan = { state, schema, plan };
    return plan;
  }

  #writerContext(table: string): WriterContext {
    const database = this.#config.database;
    return {
      tracker: this.#tracker,
      buffers: this.#buffers,
      retainRecords: this.#context.rawConfig['errors.tolerance'] === 'all',
      nextBatchId: () => ++this.#batchIds,
      insert: (columns, body) => this.#connection.insertRowBinary(database, table, columns, body),
      retrying: (what, attempt) => this.#retrying(what, attempt),
      reject: (record, error) => this.#context.reportErrant(record, error),
      acknowledged: (rows, bytes, elapsedMs) => this.#acknowledged(table, rows, bytes, elapsedMs),
    };
  }

  #acknowledged(table: string, sourceTsMs: ArrayLike<number>, bytes: number, elapsedMs: number): void {
    const m = this.#context.metrics;
    const labels = { table };
    m.incCounter('clickhouse_sink_rows_total', 'Rows ClickHouse acknowledged.', sourceTsMs.length, labels);
    m.incCounter('clickhouse_sink_bytes_total', 'RowBinary bytes sent (before compression).', bytes, labels);
    m.observe('clickhouse_sink_insert_seconds', 'Time from sending an insert to its acknowledgement.', elapsedMs / 1000, labels);
    const now = Date.now();
    const step = Math.max(1, Math.floor(sourceTsMs.length / FRESHNESS_SAMPLES));
    for (let i = 0; i < sourceTsMs.length; i += step) {
      m.observe('clickhouse_sink_freshness_seconds', 'Time from the source commit (source.ts_ms) to ClickHouse acknowledging the row (a sample of each insert\'s rows).', Math.max(0, now - sourceTsMs[i]) / 1000, labels);
    }
  }

  /** Retries retriable ClickHouse failures with backoff and jitter within errors.retry.timeout. */
  async #retrying<T>(what: string, attempt: () => Promise<T>): Promise<T> {
    const started = Date.now();
    let delay = 100;
    for (let n = 1; ; n++) {
      try {
        const result = await attempt();
        if (this.#degraded) {
          this.#degraded = false;
          this.#context.reportDegraded(null);
          this.#context.logger.info({ what, attempts: n }, 'ClickHouse call succeeded after retries');
        }
        return result;
      } catch (error) {
        if (!isRetriableClickHouseError(error)) throw error;
        const elapsed = Date.now() - started;
        const timeout = this.#retryTimeoutMs;
        if (this.#context.signal.aborted || (timeout >= 0 && elapsed >= timeout)) {
          throw new TributaryError('sink.unavailable', `${what} failed and was retried for ${elapsed} ms (errors.retry.timeout=${timeout}): ${serverMessage(error)}`, { cause: error, retriable: false });
        }
        this.#degraded = true;
        this.#context.reportDegraded(new TributaryError('sink.unavailable', `${what} failed (${serverMessage(error)}); retrying with backoff (attempt ${n})`, { cause: error }));
        this.#context.logger.warn({ what, attempt: n, err: error }, 'ClickHouse call failed; retrying');
        await new Promise((r) => setTimeout(r, Math.random() * delay));
        delay = Math.min(delay * 2, 10_000);
      }
    }
  }
}
