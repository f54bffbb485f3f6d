import type { Logger } from '../../../plugins/api/index.js';
import type { MinedRow } from './logminer-row.js';
import { Scn } from './scn.js';

/** An open transaction: its DML rows in redo order (their SQL_REDO is parsed only once it commits). */
export class OpenTransaction {
  readonly changes: MinedRow[] = [];

  constructor(readonly xid: string, readonly startScn: Scn, readonly startTime: number, readonly thread: number) {}

  /**
   * A partial rollback (ROLLBACK TO SAVEPOINT, or a failed statement's undo) writes one undo row
   * per change it takes back, ROLLBACK = 1, naming the row it restores by ROW_ID: the latest
   * buffered change to that row is removed. Returns false when none matched.
   */
  undo(rowId: string | null): boolean {
    for (let i = this.changes.length - 1; i >= 0; i--) {
      if (this.changes[i].rowId === rowId) {
        this.changes.splice(i, 1);
        return true;
      }
    }
    return false;
  }
}

export interface BufferLimits {
  /** log.mining.transaction.retention.ms: 0 keeps transactions forever */
  readonly retentionMs: number;
  /** log.mining.buffer.transaction.events.threshold: 0 is no bound */
  readonly maxEvents: number;
}

/**
 * Debezium's buffered adapter: every DML row is held per transaction id until its COMMIT row
 * (then handed on whole, in commit order) or its ROLLBACK row (then dropped). A transaction open
 * longer than the retention (by the redo's own clock), or holding more events than the bound, is
 * abandoned with a warning and the XID remembered, so its later rows are ignored.
 */
export class TransactionBuffer {
  readonly #open = new Map<string, OpenTransaction>();
  readonly #abandoned = new Set<string>();
  readonly #limits: BufferLimits;
  readonly #logger: Logger;
  #eventCount = 0;

  constructor(limits: BufferLimits, logger: Logger) {
    this.#limits = limits;
    this.#logger = logger;
  }

  get size(): number {
    return this.#open.size;
  }

  get eventCount(): number {
    return this.#eventCount;
  }

  start(row: MinedRow): void {
    if (this.#open.has(row.xid) || this.#abandoned.has(row.xid)) return;
    this.#open.set(row.xid, new OpenTransaction(row.xid, row.scn, row.timestamp, row.thread));
  }

  /** A DML row, or the undo row of a partial rollback. */
  change(row: MinedRow): void {
    if (this.#abandoned.has(row.xid)) return;
    let tx = this.#open.get(row.xid);
    if (!tx) {
      // its START row was before the mined range (a transaction open when mining began)
      tx = new OpenTransaction(row.xid, row.scn, row.timestamp, row.thread);
      this.#open.set(row.xid, tx);
    }
    if (row.rollback) {
      if (tx.undo(row.rowId)) this.#eventCount--;
      else this.#logger.warn({ xid: row.xid, rowId: row.rowId, scn: row.scn.toString() }, 'a partial rollback names a row this transaction has no buffered change for; ignored');
      return;
    }
    tx.changes.push(row);
    this.#eventCount++;
    const max = this.#limits.maxEvents;
    if (max > 0 && tx.changes.length > max) this.#abandon(tx, `it holds more than log.mining.buffer.transaction.events.threshold=${max} events`);
  }

  /** The transaction's changes on its COMMIT row (null for a transaction with none, or abandoned). */
  commit(xid: string): OpenTransaction | null {
    this.#abandoned.delete(xid);
    const tx = this.#open.get(xid);
    if (!tx) return null;
    this.#open.delete(xid);
    this.#eventCount -= tx.changes.length;
    return tx;
  }

  rollback(xid: string): void {
    this.#abandoned.delete(xid);
    const tx = this.#open.get(xid);
    if (!tx) return;
    this.#open.delete(xid);
    this.#eventCount -= tx.changes.length;
  }

  /** Abandons transactions open longer than the retention, measured against the redo's time `now`. */
  expire(now: number): void {
    const retention = this.#limits.retentionMs;
    if (retention <= 0) return;
    for (const tx of this.#open.values()) {
      if (now - tx.startTime > retention) this.#abandon(tx, `it has been open longer than log.mining.transaction.retention.ms=${retention}`);
    }
  }

  #abandon(tx: OpenTransaction, why: string): void {
    this.#open.delete(tx.xid);
    this.#abandoned.add(tx.xid);
    this.#eventCount -= tx.changes.length;
    this.#logger.warn({ xid: tx.xid, startScn: tx.startScn.toString(), events: tx.changes.length }, `transaction ${tx.xid} abandoned: ${why}; its changes are not emitted`);
  }

  /** the open transaction that started first (it holds the low watermark) */
  oldest(): OpenTransaction | null {
    let oldest: OpenTransaction | null = null;
    for (const tx of this.#open.values()) if (oldest === null || tx.startScn.isBefore(oldest.startScn)) oldest = tx;
    return oldest;
  }

  /** the lowest start SCN of the open transactions other than `except`, or null */
  oldestStartExcept(except: string | null): Scn | null {
    let low: Scn | null = null;
    for (const tx of this.#open.values()) if (tx.xid !== except && (low === null || tx.startScn.isBefore(low))) low = tx.startScn;
    return low;
  }

  clear(): void {
    this.#open.clear();
    this.#abandoned.clear();
    this.#eventCount = 0;
  }
}
