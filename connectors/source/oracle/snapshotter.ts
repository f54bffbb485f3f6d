import { PaddedNumbers, type Logger, type SourceOffset, type SourceRecord, type TaskMetrics } from '../../../plugins/api/index.js';
import { envelope, heartbeatRecord, SnapshotRunner, utf8Hex, type ChangeQueue, type Emit, type SnapshotTable, type TableProgress } from '../../../plugins/cdc/index.js';
import { listTables, type CatalogTable } from './catalog.js';
import { currentScn, openTransactions } from './database-state.js';
import { quoteIdentifier } from './oracle-identifiers.js';
import { encodeSnapshot, encodeStreaming, type SnapshotOffset } from './oracle-offsets.js';
import type { OracleTable } from './oracle-table.js';
import type { RecordSettings } from './record-settings.js';
import { oracleSourceInfo } from './source-info.js';
import type { SqlSession } from './sql-session.js';
import type { TableCatalog } from './table-catalog.js';
import { CommitScn } from './commit-scn.js';

export interface SnapshotOptions {
  readonly session: SqlSession;
  readonly settings: RecordSettings;
  readonly tables: TableCatalog;
  readonly queue: ChangeQueue<SourceRecord>;
  readonly fetchSize: number;
  readonly logger: Logger;
  readonly metrics: TaskMetrics;
  readonly setProgress: (progress: Record<string, unknown> | null) => void;
  readonly signal: AbortSignal;
}

/** Where a snapshot stands: the SCN it reads at and what is already done. */
export type SnapshotPlan = SnapshotOffset;

/**
 * The snapshot: every captured table read with `AS OF SCN <snapshot scn>` (flashback query: the
 * committed state at that SCN, no locks), in primary-key chunks of `snapshot.fetch.size` rows
 * (keyless tables in one streamed pass), then streaming from below the transactions that were
 * open at that SCN. Those are read from V$TRANSACTION and stored (`snapshot_pending_tx`), so
 * mining starts early enough to see their first changes, while any transaction committed at or
 * below the snapshot SCN (already in the snapshot) is never emitted.
 *
 * The pending transactions are read between two SCNs: one taken before V$TRANSACTION is read
 * (a floor: a transaction starting after it is mined from its start anyway) and the snapshot
 * SCN after, so a transaction that begins and ends around the reads cannot slip through.
 */
export class OracleSnapshotter {
  readonly #o: SnapshotOptions;
  readonly #runner: SnapshotRunner;

  constructor(options: SnapshotOptions) {
    this.#o = options;
    this.#runner = new SnapshotRunner({ queue: options.queue, logger: options.logger, metrics: options.metrics, metricPrefix: 'oracle', setProgress: options.setProgress, signal: options.signal });
  }

  /** A new snapshot's SCN and the transactions open at it. */
  async begin(): Promise<SnapshotPlan> {
    const floor = await currentScn(this.#o.session);
    const open = await openTransactions(this.#o.session);
    const snapshotScn = await currentScn(this.#o.session);
    const pending = new Map([...open].filter(([, start]) => start.compare(snapshotScn) <= 0));
    let streamFrom = floor.subtract(1);
    for (const start of pending.values()) if (start.subtract(1).isBefore(streamFrom)) streamFrom = start.subtract(1);
    return { snapshotScn, streamFrom, pending, completed: false, tablesDone: [], table: null };
  }

  /** Reads every captured table not done in `plan`; the last record carries the completed offset. */
  async run(plan: SnapshotPlan): Promise<void> {
    const session = this.#o.session;
    const completed = [...plan.tablesDone];
    const catalog = (await listTables(session))
      .filter((t) => this.#o.tables.filter.includesTable(t.owner, t.table))
      .map((t) => ({ ...t, name: `${t.owner}.${t.table}` }))
      // positions hold the table name as UTF-8 hex: reading in that order keeps them ascending
      .sort((a, b) => (utf8Hex(a.name) < utf8Hex(b.name) ? -1 : 1))
      .filter((t) => !plan.tablesDone.includes(t.name));
    const tables: SnapshotTable<CatalogTable>[] = catalog.map((t) => ({
      name: t.name, table: t, estimated: t.estimatedRows, rowsBefore: plan.table?.name === t.name ? plan.table.rowsBefore : 0, resumedPartWay: plan.table?.name === t.name && plan.table.rowsBefore > 0,
    }));
    this.#runner.plan(tables);
    this.#o.logger.info({ tables: tables.length, skipped: plan.tablesDone.length, snapshotScn: plan.snapshotScn.toString(), pendingTransactions: plan.pending.size }, 'snapshot started');
    const startedAt = Date.now();
    const base = (table: SnapshotOffset['table']): SourceOffset => encodeSnapshot({ ...plan, tablesDone: completed, table });
    const completedOffset = encodeStreaming({ scn: plan.streamFrom, commitScn: CommitScn.EMPTY, txId: null, txSeq: null, snapshotScn: plan.snapshotScn }, {
      snapshot_completed: true, ...(plan.pending.size > 0 ? { snapshot_pending_tx: [...plan.pending].map(([x, s]) => `${x}:${s}`).join(',') } : {}),
    });
    await this.#runner.run(tables, {
      read: (t, emit, progress, report) => this.#readTable(t, plan, startedAt, plan.table?.name === t.name ? plan.table : null, base, emit, progress, report),
      emptySnapshotRecord: (offset) => heartbeatRecord(this.#o.settings, this.#o.settings.partition, offset, `${plan.snapshotScn.padded()}#`),
    }, completed, { between: () => base(null), completed: () => completedOffset });
  }

  async #readTable(
    t: SnapshotTable<CatalogTable>, plan: SnapshotPlan, startedAt: number, start: SnapshotOffset['table'],
    base: (table: SnapshotOffset['table']) => SourceOffset, emit: Emit, progress: TableProgress, report: () => void,
  ): Promise<void> {
    const { owner, table: name } = t.table;
    const table = await this.#o.tables.describe(this.#o.session, owner, name);
    if (!table) return;
    const s = this.#o.settings;
    const source = oracleSourceInfo({
      serverName: s.serverName, tsMs: startedAt, snapshot: 'true', db: s.db, schema: owner, table: name, txId: null,
      scn: plan.snapshotScn.toString(), commitScn: null, rsId: null, ssn: 0, thread: null, userName: null, rowId: null,
    });
    const positions = new PaddedNumbers(`${plan.snapshotScn.padded()}#${utf8Hex(t.name)}`, 12);
    let lastKey: (string | null)[] | null = start?.after ? [...start.after] : null;
    let offset = base({ name: t.name, after: lastKey, rowsBefore: progress.rows });
    const onRow = (text: (string | null)[]): Promise<void> | undefined => {
      const position = positions.of(progress.rows++);
      lastKey = table.keyText(text);
      return emit({
        topic: table.topic, keySchema: table.keySchema, key: table.toKey(text), valueSchema: table.valueSchema,
        value: envelope('r', null, table.toRow(text), source), timestamp: startedAt, sourcePartition: s.partition,
        sourceOffset: offset, position, id: `${s.serverName}/${position}`,
      });
    };
    const from = `${quoteIdentifier(owner)}.${quoteIdentifier(name)} AS OF SCN ${plan.snapshotScn}`;
    if (table.keyNames.length === 0) {
      await this.#stream(`SELECT ${table.snapshotSelectList} FROM ${from}`, {}, table, onRow);
      report();
      return;
    }
    const order = table.keyNames.map(quoteIdentifier).join(', ');
    for (;;) {
      const { where, binds } = keysetAfter(table, lastKey);
      const before = progress.rows;
      await this.#stream(`SELECT ${table.snapshotSelectList} FROM ${from}${where} ORDER BY ${order} FETCH FIRST ${this.#o.fetchSize} ROWS ONLY`, binds, table, onRow);
      report();
      if (progress.rows - before < this.#o.fetchSize || this.#o.signal.aborted) break;
      // the next chunk's records resume after this chunk's last key
      offset = base({ name: t.name, after: lastKey, rowsBefore: progress.rows });
    }
  }

  async #stream(sql: string, binds: Record<string, string | null>, table: OracleTable, onRow: (text: (string | null)[]) => Promise<void> | undefined): Promise<void> {
    for await (const row of this.#o.session.stream(sql, binds, Math.min(this.#o.fetchSize, 10_000))) {
      if (this.#o.signal.aborted) return;
      const waiting = onRow(table.textOfSnapshot(row));
      if (waiting) await waiting;
    }
  }
}

/**
 * Keyset pagination without row-value comparison (Oracle has none for `>`): rows after
 * (v1, v2, ...) are `k1 > :k0 OR (k1 = :k0 AND k2 > :k1) OR ...`. Binds are the key texts in the
 * session's NLS formats, which Oracle converts to the column's type.
 */
export function keysetAfter(table: Pick<OracleTable, 'keyNames'>, after: readonly (string | null)[] | null): { where: string; binds: Record<string, string | null> } {
  if (!after) return { where: '', binds: {} };
  const keys = table.keyNames.map(quoteIdentifier);
  const binds: Record<string, string | null> = {};
  after.forEach((v, i) => (binds[`k${i}`] = v));
  const terms = keys.map((_, i) => {
    const equal = keys.slice(0, i).map((k, j) => `${k} = :k${j}`);
    return `(${[...equal, `${keys[i]} > :k${i}`].join(' AND ')})`;
  });
  return { where: ` WHERE ${terms.join(' OR ')}`, binds };
}

