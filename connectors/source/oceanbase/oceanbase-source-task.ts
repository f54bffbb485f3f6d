import {
  RetriableError, TributaryError, type SourceOffset, type SourcePartition, type SourceRecord, type SourceTask, type SourceTaskContext,
} from '../../../plugins/api/index.js';
import { ChangeQueue } from '../../../plugins/cdc/index.js';
import type { RecordSettings } from './change-records.js';
import { decodeLogProxyOffset, encodeLogProxyOffset } from './logproxy/logproxy-offset.js';
import { LogProxyStreamer } from './logproxy/logproxy-streamer.js';
import { captureModeOf, defaultSchema, type OceanBaseConfig } from './oceanbase-config-spec.js';
import { decodeQueryOffset, encodeQueryOffset } from './query/query-cursor.js';
import { QueryReader } from './query/query-reader.js';
import { keepConnected } from './reconnect-loop.js';
import type { SqlClient } from './sql-client.js';
import type { TableShape } from './oceanbase-table.js';
import { TableCache, oceanbaseTableFilter, type Catalog } from './table-cache.js';
import { ChangeTableReader, decodeTriggerOffset } from './trigger/change-table-reader.js';
import { decodeSnapshotOffset, encodeSnapshotOffset, TriggerSnapshot, type TriggerSnapshotPoint } from './trigger/trigger-snapshot.js';
import { mysqlDialect, oracleDialect, installScript, type TriggerDialect } from './trigger/trigger-dialect.js';

/** What the task connects through; tests pass fakes, the connector mysql2 and the SQL catalogs. */
export interface OceanBaseDeps {
  /** a new SQL connection to the tenant */
  sql(config: OceanBaseConfig): Promise<SqlClient>;
  /** the catalog over a connection getter */
  catalog(config: OceanBaseConfig, client: () => Promise<SqlClient>): Catalog;
}

/** how long a hole in the trigger sequence is waited for: inside the 5 s capture budget */
const TRIGGER_GAP_TIMEOUT_MS = 3_000;

/**
 * The OceanBase source task for Oracle-mode tenants (and MySQL-mode tenants in trigger mode):
 * one reader per capture mode feeding one bounded queue that `poll` drains. The SQL
 * connection (trigger and query modes) is kept open; its regular reads are its heartbeat, and a
 * drop is healed by `keepConnected` (backoff up to `reconnect.backoff.max.ms` ≤ 30 s), resuming
 * from the reader's own position, which is the last handed-on record's offset.
 */
export class OceanBaseSourceTask implements SourceTask<OceanBaseConfig> {
  #context!: SourceTaskContext<OceanBaseConfig>;
  #config!: OceanBaseConfig;
  #queue!: ChangeQueue<SourceRecord>;
  #client: SqlClient | null = null;
  #trigger: ChangeTableReader | null = null;
  readonly #abort = new AbortController();
  #worker: Promise<void> = Promise.resolve();
  #heartbeat: NodeJS.Timeout | undefined;

  constructor(readonly deps: OceanBaseDeps) {}

  async start(context: SourceTaskContext<OceanBaseConfig>): Promise<void> {
    try {
      await this.#start(context);
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  async #connection(): Promise<SqlClient> {
    if (this.#client) return this.#client;
    try {
      this.#client = await this.deps.sql(this.#config);
    } catch (error) {
      throw new RetriableError('source.unavailable', `Cannot connect to OceanBase ${this.#config['database.hostname']}:${this.#config['database.port']}: ${(error as Error).message}`, { cause: error });
    }
    return this.#client;
  }

  /** drops the connection after a failure, so the next step opens a new one */
  async #dropConnection(): Promise<void> {
    const c = this.#client;
    this.#client = null;
    await c?.close().catch(() => undefined);
  }

  async #start(context: SourceTaskContext<OceanBaseConfig>): Promise<void> {
    this.#context = context;
    const config = (this.#config = context.config);
    const capture = captureModeOf(config);
    const partition: SourcePartition = Object.freeze({ server: config['topic.prefix'] });
    this.#queue = new ChangeQueue(config['max.queue.size']);
    const records: RecordSettings = {
      serverName: config['topic.prefix'], partition, db: defaultSchema(config), tenant: config['database.tenant'], tombstones: config['tombstones.on.delete'],
      captureMode: capture, heartbeatTopic: `${config['heartbeat.topics.prefix']}.${config['topic.prefix']}`,
    };
    // the catalog runs on the shared connection: a failure there drops it and is retried like any lost connection
    const sqlCatalog = this.deps.catalog(config, () => this.#connection());
    const catalog: Catalog = { tables: () => this.#guard(() => sqlCatalog.tables()), describe: (owner, name) => this.#guard(() => sqlCatalog.describe(owner, name)) };
    const tables = new TableCache(catalog, oceanbaseTableFilter(config), config['topic.prefix'], config, context.logger);
    const stored = await context.offsets.offset(partition);
    const signal = this.#abort.signal;
    const reconnect = { initialMs: config['reconnect.backoff.initial.ms'], maxMs: config['reconnect.backoff.max.ms'], signal, logger: context.logger, metrics: context.metrics, reportDegraded: (e: unknown) => context.reportDegraded(e) };
    const captured = await this.#withSql(() => tables.captured());
    context.logger.info({ capture, tables: captured.map((t) => t.identifier), stored }, 'oceanbase source starting');

    if (capture === 'logproxy') {
      context.logger.warn({ capture }, 'capture.mode=logproxy is EXPERIMENTAL: this Log Proxy client was tested only against a fake Log Proxy; set logproxy.record.raw.dir to record traffic for a fixture (see the connector README)');
      let from = decodeLogProxyOffset(stored);
      if (!from) {
        // fixed and stored before anything is sent, so a task killed before its first commit starts at the same second again
        from = { ts: Math.floor(Date.now() / 1000), idx: -1, seq: 0, tx: null };
        await context.storeStartingOffset(partition, encodeLogProxyOffset(from));
      }
      const tenant = config['database.tenant'];
      const whiteList = captured.length > 0 ? captured.map((t) => `${tenant}.${t.shape.owner}.${t.shape.name}`).join('|') : `${tenant}.*.*`;
      const streamer = new LogProxyStreamer({
        settings: {
          host: config['logproxy.host']!, port: config['logproxy.port'], clientId: config['logproxy.client.id'] ?? `tributary-${config['topic.prefix']}`,
          user: config['logproxy.user'] ?? config['database.user'], password: config['logproxy.password'] || config['database.password'],
          rootserverList: config['rootserver.list'] ?? null, clusterUrl: config['config.url'] ?? null, tableWhiteList: whiteList,
          idleTimeoutMs: config['logproxy.idle.timeout.ms'], connectTimeoutMs: config['connect.timeout.ms'], rawDir: config['logproxy.record.raw.dir'] ?? null,
          heartbeatIntervalMs: config['heartbeat.interval.ms'], backoffInitialMs: reconnect.initialMs, backoffMaxMs: reconnect.maxMs,
        },
        records, tables, queue: this.#queue, logger: context.logger, metrics: context.metrics, reportDegraded: reconnect.reportDegraded, signal,
      }, from);
      this.#worker = streamer.run();
    } else if (capture === 'trigger') {
      const dialect: TriggerDialect = config['database.compatibility.mode'] === 'oracle' ? oracleDialect : mysqlDialect;
      const schema = defaultSchema(config);
      const changeTable = config['trigger.change.table'];
      if (config['trigger.install']) await this.#withSql(() => this.#install(dialect, schema, changeTable, captured.map((t) => t.shape)));
      const storedPoint = stored ? decodeSnapshotOffset(stored) : null;
      let cursor = decodeTriggerOffset(stored);
      const fresh = cursor === null;
      const snapshot = new TriggerSnapshot({
        dialect, schema, changeTable, tables: captured.filter((t) => t.shape.name.toUpperCase() !== changeTable.toUpperCase()), fetchSize: config['max.batch.size'],
        records, queue: this.#queue, logger: context.logger, signal,
      }, () => this.#client ?? failNoConnection());
      let pending: { point: TriggerSnapshotPoint; reopen: boolean } | null = storedPoint ? { point: storedPoint, reopen: true } : null;
      if (fresh && config['snapshot.mode'] === 'initial') {
        const scnOf = dialect.name === 'oracle' ? async () => String((await this.#client!.query('SELECT DBMS_FLASHBACK.GET_SYSTEM_CHANGE_NUMBER AS "SCN" FROM DUAL')).rows[0]?.SCN) : null;
        const point = await this.#withSql(() => snapshot.begin(scnOf));
        // stored before the first row is sent: a task killed before its first commit resumes this snapshot
        await context.storeStartingOffset(partition, encodeSnapshotOffset(point));
        pending = { point, reopen: false };
        cursor = point.seq;
      }
      const cleanUp = !fresh || pending !== null;
      cursor ??= 0;
      const reader = (this.#trigger = new ChangeTableReader({
        dialect, schema, changeTable, batchSize: config['max.batch.size'], pollIntervalMs: config['poll.interval.ms'], gapTimeoutMs: TRIGGER_GAP_TIMEOUT_MS,
        handoff: { attempts: config['handoff.retry.attempts'], intervalMs: config['handoff.retry.interval.ms'] }, records, tables, queue: this.#queue,
        logger: context.logger, metrics: context.metrics, signal,
      }, () => this.#client ?? failNoConnection(), cursor));
      let cleaned = !cleanUp;
      this.#worker = keepConnected({ what: 'sql', ...reconnect }, async (healthy) => {
        await this.#connection();
        healthy();
        await this.#guard(async () => {
          if (pending) {
            const run = pending;
            try {
              await snapshot.run(run.point, run.reopen);
              pending = null;
            } catch (error) {
              // a retry after a lost connection resumes after the last row queued, in a new consistent read
              pending = { point: snapshot.lastPoint ?? run.point, reopen: true };
              throw error;
            }
          }
          if (!cleaned) {
            // rows at or below the cursor are in the snapshot, or were committed before a restart
            await reader.cleanUpFromRestart();
            cleaned = true;
          }
          await reader.run();
        });
      });
    } else if (capture === 'query') {
      const ordered = captured;
      const reader0 = decodeQueryOffset(stored);
      const reader = new QueryReader({
        cursorKind: config['query.cursor'], timestampColumn: config['query.timestamp.column'] ?? null, incrementingColumn: config['query.incrementing.column'] ?? null,
        deleteDetection: config['query.delete.detection'], deleteDetectionIntervalMs: config['query.delete.detection.interval.ms'], batchSize: config['max.batch.size'],
        pollIntervalMs: config['poll.interval.ms'], records, queue: this.#queue, logger: context.logger, metrics: context.metrics, signal,
      }, () => this.#client ?? failNoConnection(), ordered, { lower: null, upper: '0', table: 0, scn: null, key: null, row: 0 });
      let from = reader0;
      if (!from) {
        const upper = await this.#withSql(() => reader.currentUpper());
        // no_data: start above the current SCN with nothing to snapshot (the first pass reads changes after it)
        from = config['snapshot.mode'] === 'no_data' ? { lower: upper, upper, table: ordered.length, scn: null, key: null, row: 0 } : { lower: null, upper, table: 0, scn: null, key: null, row: 0 };
        await context.storeStartingOffset(partition, encodeQueryOffset(from));
      }
      const resumed = new QueryReader(reader.options, reader.client, ordered, from);
      this.#worker = keepConnected({ what: 'sql', ...reconnect }, async (healthy) => {
        await this.#connection();
        healthy();
        await this.#guard(() => resumed.run());
      });
    } else {
      throw new TributaryError('config.invalid', 'capture.mode=binlog is served by the MySQL binlog source (mysql-mode-task.ts)');
    }
    this.#startHeartbeat(config['heartbeat.interval.ms']);
    this.#worker = this.#worker.catch((error: unknown) => {
      if (!signal.aborted) this.#queue.fail(error);
    });
  }

  /**
   * The heartbeat query: `SELECT 1 FROM DUAL` on the open SQL connection every interval, so a
   * connection the server or a proxy closed while idle (Log Proxy mode uses it only for the
   * catalog) is noticed and reopened before the next real use, not by it.
   */
  #startHeartbeat(intervalMs: number): void {
    if (intervalMs <= 0) return;
    this.#heartbeat = setInterval(() => {
      const c = this.#client;
      if (!c || this.#abort.signal.aborted) return;
      c.query('SELECT 1 FROM DUAL').then(
        () => this.#context.metrics.incCounter('oceanbase_heartbeat_queries_total', 'Heartbeat queries sent on the SQL connection', 1),
        (error: unknown) => {
          this.#context.logger.warn({ err: (error as Error).message }, 'the heartbeat query failed; the SQL connection is reopened at its next use');
          if (this.#client === c) void this.#dropConnection();
        },
      );
    }, intervalMs);
    this.#heartbeat.unref();
  }

  /** runs SQL work, turning a lost connection into a retriable error and dropping the connection */
  async #guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof TributaryError && !error.retriable) throw error;
      await this.#dropConnection();
      if (error instanceof TributaryError) throw error;
      if (isConnectionError(error)) throw new RetriableError('source.connection_lost', `The OceanBase connection was lost: ${(error as Error).message}`, { cause: error });
      throw error;
    }
  }

  async #withSql<T>(work: () => Promise<T>): Promise<T> {
    await this.#connection();
    return this.#guard(work);
  }

  async #install(dialect: TriggerDialect, schema: string, changeTable: string, shapes: readonly TableShape[]): Promise<void> {
    const c = await this.#connection();
    const exists = dialect.changeTableExistsSql(schema, changeTable);
    if ((await c.query(exists.sql, exists.params)).rows.length === 0) for (const s of dialect.changeTableDdl(schema, changeTable)) await c.query(s);
    for (const shape of shapes) {
      if (shape.name.toUpperCase() === changeTable.toUpperCase()) continue;
      const t = dialect.triggersSql(schema, shape.name);
      const present = new Set((await c.query(t.sql, t.params)).rows.map((r) => String(r.NAME)));
      if (dialect.triggerNames(shape).every((n) => present.has(n))) continue;
      for (const s of dialect.dropTriggerDdl(schema, shape)) await c.query(s).catch(() => undefined);
      for (const s of dialect.triggerDdl(schema, changeTable, shape)) await c.query(s);
    }
    this.#context.logger.info({ schema, changeTable, tables: shapes.map((s) => s.name), script: installScript(dialect, schema, changeTable, shapes).length }, 'change table and triggers installed');
  }

  async poll(signal: AbortSignal): Promise<SourceRecord[]> {
    const records = await this.#queue.take(this.#config['max.batch.size'], this.#config['poll.interval.ms'], signal);
    if (records.length > 0) this.#context.metrics.incCounter('oceanbase_records_total', 'Change records handed to the runtime', records.length);
    return records;
  }

  /** trigger mode: the change-table rows the committed offset covers may now be deleted */
  async commit(committed: readonly { offset: SourceOffset }[]): Promise<void> {
    if (!this.#trigger) return;
    for (const c of committed) {
      if (c.offset.mode === 'trigger') this.#trigger.commitUpTo(Number(c.offset.seq));
    }
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    clearInterval(this.#heartbeat);
    this.#queue?.fail(new TributaryError('worker.stopping', 'task stopped'));
    await this.#worker;
    await this.#dropConnection();
  }
}

function failNoConnection(): never {
  throw new RetriableError('source.connection_lost', 'The OceanBase connection is not open');
}

function isConnectionError(error: unknown): boolean {
  const e = error as { code?: unknown; fatal?: unknown; message?: unknown };
  return e?.fatal === true || /ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|PROTOCOL_CONNECTION_LOST|closed state|socket hang up|connection/i.test(String(e?.code ?? '') + ' ' + String(e?.message ?? ''));
}
