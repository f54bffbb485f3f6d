import { TributaryError, type SinkRecord } from '../../../plugins/api/index.js';
import type { AckTracker } from './ack-tracker.js';
import type { BufferPool } from './buffer-pool.js';
import { isRetriableClickHouseError, serverMessage } from './clickhouse-errors.js';
import { RowBinaryWriter } from './row-binary.js';
import type { PlannedRow, TablePlan } from './table-plan.js';

/** What a table writer needs from its task. */
export interface WriterContext {
  readonly tracker: AckTracker;
  /** where batch buffers come from, and go back to once their insert is over */
  readonly buffers: BufferPool;
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
  acknowledged(sourceTsMs: ArrayLike<number>, bytes: number, elapsedMs: number): void;
}

/** numbers per row of a batch in a typed array that doubles when full: no boxing, nothing for the collector to copy */
class RowNumbers {
  #values = new Float64Array(1024);
  length = 0;

  push(v: number): void {
    if (this.length === this.#values.length) {
      const next = new Float64Array(this.#values.length * 2);
      next.set(this.#values);
      this.#values = next;
    }
    this.#values[this.length++] = v;
  }

  at(i: number): number {
    return this.#values[i];
  }

  /** the numbers pushed so far (a view) */
  view(): Float64Array {
    return this.#values.subarray(0, this.length);
  }
}

interface Batch {
  readonly id: number;
  readonly plan: TablePlan;
  readonly w: RowBinaryWriter;
  /** where each row starts in the body */
  readonly starts: RowNumbers;
  /** the record of each row, when kept (WriterContext.retainRecords) */
  readonly records: SinkRecord[] | null;
  /** the source commit time of each row */
  readonly sourceTs: RowNumbers;
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
  /** inserts of this table in flight at once (1: one after the other) */
  readonly inFlight: number;
}

/** Something sent to ClickHouse in its turn: an insert, or a statement that waits for all before it (TRUNCATE). */
interface Op {
  readonly run: () => Promise<void>;
  /** upsert: the keys of the insert (no two inserts that share a key run at once) */
  readonly keys: ReadonlyMap<unknown, number> | null;
  /** runs alone: after everything sent before it, before anything sent after it */
  readonly barrier: boolean;
  readonly bytes: number;
  /** called once when the op is over: done, failed, or dropped after a failure */
  readonly over?: () => void;
}

/**
 * Batches the rows of one table and sends them as RowBinary inserts, up to `limits.inFlight`
 * at once (the next batch is built meanwhile; tables go in parallel). ClickHouse keeps the row
 * inserted last among equal versions of a key, so an upsert batch never runs beside one that
 * shares a key with it: it waits for it, and two versions of one key land in order. Append
 * batches carry unique record ids and may run side by side. Batches start in the order they
 * were sent; a TRUNCATE runs alone between what was sent before and after it. Within a batch
 * only a key's latest version is sent. A rejected batch is split in halves until the rejected
 * rows are found.
 */
export class TableWriter {
  #batch: Batch | null = null;
  readonly #waiting: Op[] = [];
  readonly #running = new Set<Op>();
  #drained: (() => void)[] = [];
  #failure: unknown = undefined;
  #inFlightBytes = 0;
  /** a little more than the last batch's bytes: the next batch's buffer starts that large, so it rarely grows (each growth copies) */
  #sizeHint = 64 * 1024;

  constructor(readonly table: string, readonly context: WriterContext, readonly limits: BatchLimits) {}

  /** buffered and in-flight bytes */
  get bytes(): number {
    return this.#inFlightBytes + (this.#batch?.w.length ?? 0);
  }

  get failure(): unknown {
    return this.#failure;
  }

  /** inserts (and truncates) sent and not yet acknowledged */
  get inFlight(): number {
    return this.#waiting.length + this.#running.size;
  }

  /** Encodes a row into the open batch. Throws, writing nothing, when a value does not fit. */
  add(plan: TablePlan, row: PlannedRow, now: number): void {
    if (this.#batch && this.#batch.plan !== plan) this.send();
    const batch: Batch = (this.#batch ??= {
      id: this.context.nextBatchId(), plan, w: new RowBinaryWriter(this.#sizeHint, this.context.buffers), starts: new RowNumbers(), records: this.context.retainRecords ? [] : null, sourceTs: new RowNumbers(),
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

  /** Sends the open batch after those sent before it. */
  send(): void {
    const batch = this.#batch;
    if (!batch) return;
    this.#batch = null;
    const buffer = batch.w.buf;
    const body = batch.w.take();
    this.#sizeHint = Math.min(Math.max(Math.ceil(body.length * 1.25), 64 * 1024), this.limits.bytes + 1024 * 1024);
    // the response comes after the server read the whole body: then no socket write still reads it
    this.#enqueue({ run: () => this.#deliver(batch, body), keys: batch.latest, barrier: false, bytes: body.length, over: () => this.context.buffers.release(buffer) });
  }

  /** Runs `op` (a TRUNCATE) after every insert sent so far; `record` is pending until it ran. */
  after(record: SinkRecord, what: string, op: () => Promise<void>): void {
    this.send();
    const id = this.context.nextBatchId();
    this.context.tracker.add(id, record);
    this.#enqueue({
      run: async () => {
        await this.context.retrying(what, op);
        this.context.tracker.done(id);
      },
      keys: null,
      barrier: true,
      bytes: 0,
    });
  }

  /** Resolves when everything sent so far is acknowledged; throws the first failure. */
  async drain(): Promise<void> {
    if (this.inFlight > 0) await new Promise<void>((resolve) => this.#drained.push(resolve));
    if (this.#failure !== undefined) throw this.#failure;
  }

  #enqueue(op: Op): void {
    this.#inFlightBytes += op.bytes;
    this.#waiting.push(op);
    this.#pump();
  }

  /** Starts what may start now, in order: the head waits while it may not, and so does everything after it. */
  #pump(): void {
    while (this.#waiting.length > 0) {
      // after a failure nothing more is written: the task fails and replays from what was acknowledged
      if (this.#failure !== undefined) {
        for (const op of this.#waiting.splice(0)) {
          this.#inFlightBytes -= op.bytes;
          op.over?.();
        }
        break;
      }
      const head = this.#waiting[0];
      if (this.#running.size > 0 && (head.barrier || this.#running.size >= this.limits.inFlight || this.#blocked(head))) break;
      this.#waiting.shift();
      this.#running.add(head);
      head.run().catch((error: unknown) => {
        this.#failure ??= error;
      }).finally(() => {
        this.#running.delete(head);
        this.#inFlightBytes -= head.bytes;
        head.over?.();
        this.#pump();
      });
    }
    if (this.inFlight === 0) for (const resolve of this.#drained.splice(0)) resolve();
  }

  /** whether `op` must wait for one that runs: a barrier runs, or an upsert insert shares a key with it */
  #blocked(op: Op): boolean {
    for (const running of this.#running) {
      if (running.barrier) return true;
      if (op.keys && running.keys) {
        const [small, large] = op.keys.size <= running.keys.size ? [op.keys, running.keys] : [running.keys, op.keys];
        for (const key of small.keys()) if (large.has(key)) return true;
      }
    }
    return false;
  }

  async #deliver(batch: Batch, body: Buffer): Promise<void> {
    const started = Date.now();
    const rows = batch.starts.length;
    let kept: number[] | null = null;
    if (batch.superseded.size > 0) {
      kept = [];
      for (let i = 0; i < rows; i++) if (!batch.superseded.has(i)) kept.push(i);
    }
    const slice = (i: number) => body.subarray(batch.starts.at(i), i + 1 < rows ? batch.starts.at(i + 1) : body.length);
    const bodyOf = (indices: readonly number[] | null) => (indices === null || indices.length === rows ? body : Buffer.concat(indices.map(slice)));
    await this.#insertFinding(batch, kept, bodyOf);
    this.context.tracker.done(batch.id);
    this.context.acknowledged(kept === null ? batch.sourceTs.view() : kept.map((i) => batch.sourceTs.at(i)), body.length, Date.now() - started);
  }

  /**
   * Inserts the rows (`indices`, or null for all of them); when ClickHouse rejects them, halves
   * until each rejected row is alone.
   */
  async #insertFinding(batch: Batch, indices: readonly number[] | null, bodyOf: (indices: readonly number[] | null) => Buffer): Promise<void> {
    const count = indices?.length ?? batch.starts.length;
    if (count === 0) return;
    try {
      await this.context.retrying(`insert into ${this.table}`, () => this.context.insert(batch.plan.columns, bodyOf(indices)));
    } catch (error) {
      if (isRetriableClickHouseError(error) || error instanceof TributaryError) throw error;
      if (!batch.records) {
        throw new TributaryError('record.rejected', `ClickHouse rejected an insert into ${this.table} (rows from position ${batch.firstPosition} to ${batch.lastPosition}): ${serverMessage(error)}. With errors.tolerance=all the rejected rows go to the dead-letter queue and the rest lands.`, { cause: error });
      }
      const all = indices ?? Array.from({ length: count }, (_, i) => i);
      if (count === 1) {
        const record = batch.records[all[0]];
        await this.context.reject(record, new TributaryError('record.rejected', `ClickHouse rejected the row of record ${record.id} (topic ${record.topic}, position ${record.position}) for table ${this.table}: ${serverMessage(error)}`, { cause: error }));
        return;
      }
      const half = Math.ceil(count / 2);
      await this.#insertFinding(batch, all.slice(0, half), bodyOf);
      await this.#insertFinding(batch, all.slice(half), bodyOf);
    }
  }
}
