import { TributaryError, type SinkRecord } from '../../../plugins/api/index.js';
import type { AckTracker } from './ack-tracker.js';
import { isRetriableClickHouseError, serverMessage } from './clickhouse-errors.js';
import { RowBinaryWriter } from './row-binary.js';
import type { PlannedRow, TablePlan } from './table-plan.js';

/** What a table writer needs from its task. */
export interface WriterContext {
  readonly tracker: AckTracker;
  /**
   * Keep each row's record until ClickHouse acknowledged it, so that a rejected row can go to
   * the dead-letter queue (errors.tolerance=all). Otherwise records are not kept: a record that
   * lives past its put is copied by the young-generation collector and promoted, which cost the
   * sink a third of its CPU; a rejected insert then fails the task with the server's message.
   */
  readonly retainRecords: boolean;
  readonly nextBatchId: () => number;
  /** one INSERT; rejects with the server's error */
  insert(columns: readonly string[], body: Buffer): Promise<void>;
  /** retries retriable failures of `attempt` within errors.retry.timeout, then throws */
  retrying<T>(what: string, attempt: () => Promise<T>): Promise<T>;
  /** a row ClickHouse rejected, with its message: dead-lettered, or the task fails */
  reject(record: SinkRecord, error: TributaryError): Promise<void>;
  /** `sourceTsMs`: the source commit time of each row ClickHouse acknowledged */
  acknowledged(sourceTsMs: readonly number[], bytes: number, elapsedMs: number): void;
}

interface Batch {
  readonly id: number;
  readonly plan: TablePlan;
  readonly w: RowBinaryWriter;
  readonly starts: number[];
  /** the record of each row, when kept (WriterContext.retainRecords) */
  readonly records: SinkRecord[] | null;
  /** the source commit time of each row */
  readonly sourceTs: number[];
  /** the first and last record's position, for messages */
  readonly firstPosition: string;
  lastPosition: string;
  /** upsert: the row index of each key's latest version in this batch */
  readonly latest: Map<unknown, number> | null;
  /** upsert: rows a later version of their key replaced in this batch */
  readonly superseded: Set<number>;
  readonly firstAt: number;
}

export interface BatchLimits {
  readonly rows: number;
  readonly bytes: number;
  readonly lingerMs: number;
}

/**
 * Batches the rows of one table and sends them as RowBinary inserts, one at a time per table
 * (the next batch is built while one is in flight; batches of different tables go in
 * parallel). Sending a table's inserts in order is what keeps two versions of a key in order:
 * ClickHouse keeps the last row inserted among equal versions. Within a batch only a key's
 * latest version is sent. A rejected batch is split in halves until the rejected rows are found.
 */
export class TableWriter {
  #batch: Batch | null = null;
  #chain: Promise<void> = Promise.resolve();
  #failure: unknown = undefined;
  #inFlightBytes = 0;
  #inFlight = 0;

  constructor(readonly table: string, readonly context: WriterContext, readonly limits: BatchLimits) {}

  /** buffered and in-flight bytes */
  get bytes(): number {
    return this.#inFlightBytes + (this.#batch?.w.length ?? 0);
  }

  get failure(): unknown {
    return this.#failure;
  }

  /** Encodes a row into the open batch. Throws, writing nothing, when a value does not fit. */
  add(plan: TablePlan, row: PlannedRow, now: number): void {
    if (this.#batch && this.#batch.plan !== plan) this.send();
    const batch: Batch = (this.#batch ??= {
      id: this.context.nextBatchId(), plan, w: new RowBinaryWriter(), starts: [] as number[], records: this.context.retainRecords ? [] : null, sourceTs: [] as number[],
      firstPosition: row.record.position, lastPosition: row.record.position, latest: plan.mode === 'upsert' ? new Map<unknown, number>() : null, superseded: new Set<number>(), firstAt: now,
    });
    const mark = batch.w.length;
    try {
      plan.write(batch.w, row);
    } catch (error) {
      batch.w.rewind(mark);
      throw error;
    }
    const index = batch.starts.length;
    batch.starts.push(mark);
    batch.records?.push(row.record);
    batch.sourceTs.push(row.sourceTsMs);
    batch.lastPosition = row.record.position;
    if (batch.latest) {
      const key = plan.keyOf(row.row);
      const earlier = batch.latest.get(key);
      if (earlier !== undefined) batch.superseded.add(earlier);
      batch.latest.set(key, index);
    }
    this.context.tracker.add(batch.id, row.record);
  }

  /** whether the open batch is full or has waited long enough */
  due(now: number): boolean {
    const b = this.#batch;
    return b !== null && (b.starts.length >= this.limits.rows || b.w.length >= this.limits.bytes || now - b.firstAt >= this.limits.lingerMs);
  }

  /** Sends the open batch after those already in flight. */
  send(): void {
    const batch = this.#batch;
    if (!batch) return;
    this.#batch = null;
    const body = batch.w.take();
    this.#inFlightBytes += body.length;
    this.#inFlight++;
    this.#then(async () => {
      try {
        await this.#deliver(batch, body);
      } finally {
        this.#inFlightBytes -= body.length;
        this.#inFlight--;
      }
    });
  }

  /** Runs `op` (a TRUNCATE) after every insert sent so far; `record` is pending until it ran. */
  after(record: SinkRecord, what: string, op: () => Promise<void>): void {
    this.send();
    const id = this.context.nextBatchId();
    this.context.tracker.add(id, record);
    this.#then(async () => {
      await this.context.retrying(what, op);
      this.context.tracker.done(id);
    });
  }

  /** Resolves when everything sent so far is acknowledged; throws the first failure. */
  async drain(): Promise<void> {
    await this.#chain;
    if (this.#failure !== undefined) throw this.#failure;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  #then(op: () => Promise<void>): void {
    this.#chain = this.#chain.then(async () => {
      // after a failure nothing more is written: the task fails and replays from what was acknowledged
      if (this.#failure === undefined) await op();
    }).catch((error: unknown) => {
      this.#failure ??= error;
    });
  }

  async #deliver(batch: Batch, body: Buffer): Promise<void> {
    const started = Date.now();
    const kept: number[] = [];
    const rows = batch.starts.length;
    for (let i = 0; i < rows; i++) if (!batch.superseded.has(i)) kept.push(i);
    const slice = (i: number) => body.subarray(batch.starts[i], i + 1 < rows ? batch.starts[i + 1] : body.length);
    const bodyOf = (indices: readonly number[]) => (indices.length === rows ? body : Buffer.concat(indices.map(slice)));
    await this.#insertFinding(batch, kept, bodyOf);
    this.context.tracker.done(batch.id);
    this.context.acknowledged(kept.length === rows ? batch.sourceTs : kept.map((i) => batch.sourceTs[i]), body.length, Date.now() - started);
  }

  /** Inserts the rows; when ClickHouse rejects them, halves until each rejected row is alone. */
  async #insertFinding(batch: Batch, indices: readonly number[], bodyOf: (indices: readonly number[]) => Buffer): Promise<void> {
    if (indices.length === 0) return;
    try {
      await this.context.retrying(`insert into ${this.table}`, () => this.context.insert(batch.plan.columns, bodyOf(indices)));
    } catch (error) {
      if (isRetriableClickHouseError(error) || error instanceof TributaryError) throw error;
      if (!batch.records) {
        throw new TributaryError('record.rejected', `ClickHouse rejected an insert into ${this.table} (rows from position ${batch.firstPosition} to ${batch.lastPosition}): ${serverMessage(error)}. With errors.tolerance=all the rejected rows go to the dead-letter queue and the rest lands.`, { cause: error });
      }
      if (indices.length === 1) {
        const record = batch.records[indices[0]];
        await this.context.reject(record, new TributaryError('record.rejected', `ClickHouse rejected the row of record ${record.id} (topic ${record.topic}, position ${record.position}) for table ${this.table}: ${serverMessage(error)}`, { cause: error }));
        return;
      }
      const half = Math.ceil(indices.length / 2);
      await this.#insertFinding(batch, indices.slice(0, half), bodyOf);
      await this.#insertFinding(batch, indices.slice(half), bodyOf);
    }
  }
}
