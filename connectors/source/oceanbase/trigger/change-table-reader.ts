import { TributaryError, type Logger, type SourceOffset, type SourceRecord, type TaskMetrics } from '../../../../plugins/api/index.js';
import { sleep, type ChangeQueue } from '../../../../plugins/cdc/index.js';
import { ChangeRecords, type RecordSettings } from '../change-records.js';
import { withHandoffRetry, type HandoffRetryPolicy } from '../handoff-retry.js';
import type { TextImage } from '../oceanbase-table.js';
import type { SqlClient } from '../sql-client.js';
import type { TableCache } from '../table-cache.js';
import type { TriggerDialect } from './trigger-dialect.js';

export interface ChangeTableReaderOptions {
  readonly dialect: TriggerDialect;
  readonly schema: string;
  readonly changeTable: string;
  readonly batchSize: number;
  readonly pollIntervalMs: number;
  /** how long a hole in the sequence is waited for (a transaction still open) before it is passed */
  readonly gapTimeoutMs: number;
  readonly handoff: HandoffRetryPolicy;
  readonly records: RecordSettings;
  readonly tables: TableCache;
  readonly queue: ChangeQueue<SourceRecord>;
  readonly logger: Logger;
  readonly metrics: TaskMetrics;
  readonly signal: AbortSignal;
}

interface Pending {
  readonly seq: number;
  /** the cursor the record's offset carries: the row is durable once an offset at or past it is committed */
  readonly cursor: number;
}

const pad = (n: number) => String(n).padStart(20, '0');

export function encodeTriggerOffset(seq: number): SourceOffset {
  return { mode: 'trigger', seq };
}

export function decodeTriggerOffset(offset: SourceOffset | null): number | null {
  if (!offset) return null;
  if (offset.mode !== 'trigger' || typeof offset.seq !== 'number') throw new TributaryError('offsets.invalid', `The stored offset ${JSON.stringify(offset)} is not a trigger-mode offset ({mode:"trigger", seq}); was capture.mode changed? Delete the connector's offsets to start over.`);
  return offset.seq;
}

/**
 * Reads the trigger change table in sequence order and deletes rows once an offset covering
 * them is committed (`commitUpTo`, from the task's `commit`). The cursor is the highest sequence
 * handed on. A hole in the sequence (a transaction that took its number but has not committed)
 * holds the rows after it back for up to `gapTimeoutMs`; a row that commits later still (a
 * "late" row, below the cursor) is handed on when found, with a position after the cursor.
 * Rows at or below the stored cursor found at start were handed on before the restart and
 * committed: they are deleted, not sent again.
 */
export class ChangeTableReader {
  #cursor: number;
  readonly #pending: Pending[] = [];
  readonly #pendingSeqs = new Set<number>();
  #committed = -1;
  #gap: { seq: number; since: number } | null = null;
  readonly #maker: ChangeRecords;
  #lateSeq = 0;

  constructor(readonly options: ChangeTableReaderOptions, readonly client: () => SqlClient, cursor: number) {
    this.#cursor = cursor;
    this.#maker = new ChangeRecords(options.records);
  }

  get cursor(): number {
    return this.#cursor;
  }

  /** the runtime stored an offset at `seq`: rows handed on at or below it may go */
  commitUpTo(seq: number): void {
    if (seq > this.#committed) this.#committed = seq;
  }

  /** deletes the rows left from before the restart (at or below the stored cursor) */
  async cleanUpFromRestart(): Promise<void> {
    const o = this.options;
    const rows = await this.client().query(o.dialect.readBelowSql(o.schema, o.changeTable, 100_000), [this.#cursor]);
    const seqs = rows.rows.map((r) => Number(r.SEQ));
    if (seqs.length > 0) {
      o.logger.info({ rows: seqs.length, cursor: this.#cursor }, 'deleting change-table rows handed on and committed before the restart');
      await this.#delete(seqs);
    }
  }

  /** one round: delete what is durable, pick up late rows, read new rows; false when nothing was read */
  async step(): Promise<boolean> {
    await this.#deleteDurable();
    const late = await this.#readLate();
    const fresh = await this.#readNew();
    return late || fresh;
  }

  async run(): Promise<void> {
    while (!this.options.signal.aborted) {
      const busy = await this.step();
      if (!busy) await sleep(this.options.pollIntervalMs, this.options.signal);
    }
  }

  async #readNew(): Promise<boolean> {
    const o = this.options;
    const result = await this.client().query(o.dialect.readSql(o.schema, o.changeTable, o.batchSize), [this.#cursor]);
    let handed = 0;
    for (const row of result.rows) {
      const seq = Number(row.SEQ);
      if (seq !== this.#cursor + 1 && !this.#gapPassed(this.#cursor + 1)) break;
      this.#gap = null;
      await this.#hand(row, seq, pad(seq));
      this.#cursor = seq;
      handed++;
    }
    o.metrics.setGauge('oceanbase_trigger_cursor', 'Highest change-table sequence handed on', this.#cursor);
    return handed > 0;
  }

  /** true once the hole at `seq` has been waited for long enough */
  #gapPassed(seq: number): boolean {
    const now = Date.now();
    if (!this.#gap || this.#gap.seq !== seq) this.#gap = { seq, since: now };
    if (now - this.#gap.since < this.options.gapTimeoutMs) return false;
    this.options.logger.debug({ seq }, 'change-table sequence hole passed (rolled back, or a transaction still open: its rows are picked up as late rows)');
    this.#gap = null;
    return true;
  }

  async #readLate(): Promise<boolean> {
    const o = this.options;
    if (this.#cursor <= 0) return false;
    const result = await this.client().query(o.dialect.readBelowSql(o.schema, o.changeTable, o.batchSize + this.#pending.length), [this.#cursor]);
    let found = false;
    for (const row of result.rows) {
      const seq = Number(row.SEQ);
      if (this.#pendingSeqs.has(seq)) continue;
      found = true;
      o.metrics.incCounter('oceanbase_trigger_late_rows_total', 'Change-table rows that committed after rows numbered later had been handed on', 1);
      // ":" sorts after the "/" that ends the records of the row at the cursor, and before the next number
      await this.#hand(row, seq, `${pad(this.#cursor)}:${String(++this.#lateSeq).padStart(8, '0')}`);
    }
    return found;
  }

  async #hand(row: Record<string, unknown>, seq: number, position: string): Promise<void> {
    const o = this.options;
    const schema = String(row.TABLE_SCHEMA);
    const name = String(row.TABLE_NAME);
    const table = await o.tables.table(schema, name);
    this.#pending.push({ seq, cursor: this.#cursor < seq ? seq : this.#cursor });
    this.#pendingSeqs.add(seq);
    if (!table) return;
    const op = String(row.OP).trim() as 'c' | 'u' | 'd';
    const image = (v: unknown): TextImage | null => (v === null || v === undefined ? null : (JSON.parse(String(v)) as TextImage));
    const changedAt = row.CHANGED_AT === null || row.CHANGED_AT === undefined ? Date.now() : Date.parse(`${String(row.CHANGED_AT).replace(' ', 'T')}Z`);
    const offsetSeq = this.#cursor < seq ? seq : this.#cursor;
    const records = this.#maker.records({
      table, op, before: image(row.BEFORE_IMAGE), after: image(row.AFTER_IMAGE), tsMs: Number.isFinite(changedAt) ? changedAt : Date.now(),
      txId: row.TX_ID === null || row.TX_ID === undefined ? null : String(row.TX_ID), scn: String(seq), position, offset: encodeTriggerOffset(offsetSeq),
    });
    for (const r of records) await o.queue.put(r);
  }

  async #deleteDurable(): Promise<void> {
    const durable: number[] = [];
    while (this.#pending.length > 0 && this.#pending[0].cursor <= this.#committed) durable.push(this.#pending.shift()!.seq);
    // late rows sit behind later cursors in the list but carry the cursor of when they were found
    for (let i = this.#pending.length - 1; i >= 0; i--) {
      if (this.#pending[i].cursor <= this.#committed) durable.push(...this.#pending.splice(i, 1).map((p) => p.seq));
    }
    if (durable.length === 0) return;
    await this.#delete(durable);
    for (const s of durable) this.#pendingSeqs.delete(s);
  }

  async #delete(seqs: readonly number[]): Promise<void> {
    const o = this.options;
    for (let i = 0; i < seqs.length; i += 500) {
      const chunk = seqs.slice(i, i + 500);
      await withHandoffRetry('change-table-delete', o.handoff, { logger: o.logger, metrics: o.metrics, signal: o.signal }, () => this.client().query(o.dialect.deleteSql(o.schema, o.changeTable, chunk.length), chunk));
    }
    o.metrics.incCounter('oceanbase_trigger_deleted_rows_total', 'Change-table rows deleted after their records were durably committed downstream', seqs.length);
  }
}
