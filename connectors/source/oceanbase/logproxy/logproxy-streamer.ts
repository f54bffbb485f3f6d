import type { Logger, SourceRecord, TaskMetrics } from '../../../../plugins/api/index.js';
import { heartbeatRecord, type ChangeQueue } from '../../../../plugins/cdc/index.js';
import { ChangeRecords, type RecordSettings, type RowChange } from '../change-records.js';
import type { TextImage } from '../oceanbase-table.js';
import { keepConnected } from '../reconnect-loop.js';
import type { TableCache } from '../table-cache.js';
import type { LogMessage } from './log-message.js';
import { runLogProxyStream } from './log-proxy-client.js';
import { configurationString, passwordHash } from './log-proxy-protocol.js';
import { alreadyDelivered, encodeLogProxyOffset, logProxyPositionText, type LogProxyPosition } from './logproxy-offset.js';

export interface LogProxySettings {
  readonly host: string;
  readonly port: number;
  readonly clientId: string;
  readonly user: string;
  readonly password: string;
  readonly rootserverList: string | null;
  readonly clusterUrl: string | null;
  /** Log Proxy's `tb_white_list`: `tenant.schema.table|...` */
  readonly tableWhiteList: string;
  readonly idleTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly rawDir: string | null;
  readonly heartbeatIntervalMs: number;
  readonly backoffInitialMs: number;
  readonly backoffMaxMs: number;
}

export interface StreamerDeps {
  readonly settings: LogProxySettings;
  readonly records: RecordSettings;
  readonly tables: TableCache;
  readonly queue: ChangeQueue<SourceRecord>;
  readonly logger: Logger;
  readonly metrics: TaskMetrics;
  readonly reportDegraded: (error: unknown) => void;
  readonly signal: AbortSignal;
}

interface OpenTransaction {
  readonly id: string | null;
  readonly changes: LogMessage[];
}

/**
 * Reads Log Proxy's CDC stream into records: groups each transaction's row changes between
 * BEGIN and COMMIT and hands them on only at COMMIT (a stream that drops mid-transaction leaves
 * nothing half-delivered), turns HEARTBEAT checkpoints into heartbeat records while idle, and
 * reconnects from the last handed-on position after a drop, dropping the replayed part
 * (`logproxy-offset.ts`).
 */
export class LogProxyStreamer {
  #position: LogProxyPosition;
  readonly #maker: ChangeRecords;
  #lastHeartbeat = 0;

  constructor(readonly deps: StreamerDeps, from: LogProxyPosition) {
    this.#position = from;
    this.#maker = new ChangeRecords(deps.records);
  }

  get position(): LogProxyPosition {
    return this.#position;
  }

  /** the configuration string for a stream that starts at `ts` (seconds; 0: now) */
  configuration(ts: number): string {
    const s = this.deps.settings;
    return configurationString([
      s.clusterUrl ? ['cluster_url', s.clusterUrl] : ['rootserver_list', s.rootserverList ?? ''],
      ['cluster_user', s.user],
      ['cluster_password', passwordHash(s.password)],
      ['tb_white_list', s.tableWhiteList],
      ['first_start_timestamp', String(ts)],
    ]);
  }

  async run(): Promise<void> {
    const d = this.deps;
    await keepConnected({
      what: 'logproxy', initialMs: d.settings.backoffInitialMs, maxMs: d.settings.backoffMaxMs, signal: d.signal,
      logger: d.logger, metrics: d.metrics, reportDegraded: d.reportDegraded,
    }, (healthy) => this.#session(healthy));
  }

  async #session(healthy: () => void): Promise<void> {
    const d = this.deps;
    const from = this.#position;
    let open: OpenTransaction | null = null;
    // transactions of the current second, counted as the stream delivers them (see logproxy-offset.ts)
    let second = -1;
    let idx = -1;
    await runLogProxyStream({
      host: d.settings.host, port: d.settings.port, clientId: d.settings.clientId, configuration: this.configuration(from.ts),
      connectTimeoutMs: d.settings.connectTimeoutMs, idleTimeoutMs: d.settings.idleTimeoutMs, rawDir: d.settings.rawDir, signal: d.signal,
    }, {
      connected: (info) => {
        d.logger.info({ logproxy: `${d.settings.host}:${d.settings.port}`, server: info, from: from.ts }, 'connected to Log Proxy');
        healthy();
      },
      messages: async (batch) => {
        for (const m of batch) {
          switch (m.op) {
            case 'BEGIN':
              open = { id: m.transactionId, changes: [] };
              break;
            case 'INSERT': case 'UPDATE': case 'DELETE':
              // a row change outside BEGIN/COMMIT (not seen from Log Proxy, but cheap to take): its own transaction
              if (open) {
                open.changes.push(m);
                break;
              }
              if (m.timestamp !== second) {
                second = m.timestamp;
                idx = 0;
              } else idx++;
              await this.#commit({ id: m.transactionId, changes: [m] }, m.timestamp, from, idx);
              break;
            case 'COMMIT': {
              const tx: OpenTransaction = open ?? { id: m.transactionId, changes: [] };
              open = null;
              if (m.timestamp !== second) {
                second = m.timestamp;
                idx = 0;
              } else idx++;
              await this.#commit(tx, m.timestamp, from, idx);
              break;
            }
            case 'ROLLBACK':
              open = null;
              break;
            case 'HEARTBEAT':
              await this.#heartbeat(m.checkpoint || m.timestamp);
              break;
            default:
              d.metrics.incCounter('oceanbase_logproxy_skipped_total', 'Log Proxy records not captured (DDL, REPLACE, ...)', 1, { op: m.op });
          }
        }
      },
    });
  }

  async #commit(tx: OpenTransaction, ts: number, from: LogProxyPosition, idx: number): Promise<void> {
    const d = this.deps;
    const records: SourceRecord[] = [];
    for (const m of tx.changes) {
      const [owner, name] = tableOf(m);
      const table = owner && name ? await d.tables.table(owner, name) : null;
      if (!table) continue;
      const image = (values: readonly (string | null)[] | null): TextImage | null => {
        if (!values) return null;
        const out: Record<string, string | null> = {};
        m.fields.forEach((f, i) => (out[f.name] = values[i] ?? null));
        return out;
      };
      const op = m.op === 'INSERT' ? 'c' : m.op === 'UPDATE' ? 'u' : 'd';
      const change: RowChange = {
        table, op, before: image(m.before), after: image(m.after), tsMs: ts * 1000, txId: tx.id, scn: null, position: '', offset: {},
      };
      this.#maker.records(change, records);
    }
    // one offset and position per record: a restart inside a transaction skips exactly what was handed on
    let seq = 0;
    for (const r of records) {
      seq++;
      if (alreadyDelivered(from, ts, idx, seq)) continue;
      const position = logProxyPositionText(ts, idx, seq);
      const record: SourceRecord = { ...r, position, id: `${d.records.serverName}/${position}`, sourceOffset: encodeLogProxyOffset({ ts, idx, seq, tx: tx.id }) };
      await d.queue.put(record);
    }
    if (records.length > 0) d.metrics.incCounter('oceanbase_logproxy_transactions_total', 'Transactions read from Log Proxy with captured changes', 1);
    // the position only moves forward: a replayed transaction leaves it where the stored offset was
    if (!alreadyDelivered(this.#position, ts, idx, records.length)) this.#position = { ts, idx, seq: records.length, tx: tx.id };
    if (from.ts === ts && from.idx === idx && from.tx && tx.id && from.tx !== tx.id) {
      d.logger.warn({ ts, idx, stored: from.tx, replayed: tx.id }, 'the transaction replayed at the stored position has another id than the one stored: Log Proxy ordered that second differently; records may repeat or be missing there');
    }
    d.metrics.setGauge('oceanbase_logproxy_commit_ts_seconds', 'Commit time of the last transaction read from Log Proxy', ts);
  }

  async #heartbeat(checkpoint: number): Promise<void> {
    const d = this.deps;
    d.metrics.setGauge('oceanbase_logproxy_checkpoint_seconds', 'Last checkpoint Log Proxy reported', checkpoint);
    const interval = d.settings.heartbeatIntervalMs;
    // only past the last transaction's second: an earlier checkpoint would move the offset back
    if (interval <= 0 || checkpoint <= this.#position.ts || Date.now() - this.#lastHeartbeat < interval) return;
    this.#lastHeartbeat = Date.now();
    this.#position = { ts: checkpoint, idx: -1, seq: 0, tx: null };
    const position = logProxyPositionText(checkpoint, -1, 0);
    await d.queue.put(heartbeatRecord({ serverName: d.records.serverName, heartbeatTopic: d.records.heartbeatTopic }, d.records.partition, encodeLogProxyOffset(this.#position), position));
  }
}

/** `tenant.schema` and the table name of a row change, as Log Proxy names them */
function tableOf(m: LogMessage): [string | null, string | null] {
  const db = m.dbName ?? '';
  const dot = db.indexOf('.');
  return [dot >= 0 ? db.slice(dot + 1) : db || null, m.tableName];
}
