import { Scn } from './scn.js';

/**
 * Debezium's `commit_scn` offset: per redo thread, the SCN of the last transaction emitted on
 * that thread and the transaction ids committed at exactly that SCN, written
 * `scn:thread:xid-xid` and joined with `,` across threads. Transactions are emitted in commit
 * order, so everything on a thread below its entry was emitted; at the entry's SCN only the
 * listed transactions were.
 */
export class CommitScn {
  readonly #threads: ReadonlyMap<number, { readonly scn: Scn; readonly xids: readonly string[] }>;

  private constructor(threads: ReadonlyMap<number, { readonly scn: Scn; readonly xids: readonly string[] }>) {
    this.#threads = threads;
  }

  static readonly EMPTY = new CommitScn(new Map());

  static parse(text: unknown): CommitScn {
    if (typeof text !== 'string' || text.trim() === '') return CommitScn.EMPTY;
    const threads = new Map<number, { scn: Scn; xids: string[] }>();
    for (const entry of text.split(',')) {
      const parts = entry.trim().split(':');
      // Debezium 1.x wrote a bare SCN: thread 1, no transaction list
      if (parts.length === 1) threads.set(1, { scn: Scn.of(parts[0]), xids: [] });
      else threads.set(Number(parts[1]), { scn: Scn.of(parts[0]), xids: parts[2] ? parts[2].split('-').filter((x) => x.length > 0) : [] });
    }
    return new CommitScn(threads);
  }

  /** after emitting (part of) transaction `xid` committed at `scn` on `thread` */
  with(thread: number, scn: Scn, xid: string): CommitScn {
    const current = this.#threads.get(thread);
    const threads = new Map(this.#threads);
    if (current && current.scn.compare(scn) === 0) {
      if (current.xids.includes(xid)) return this;
      threads.set(thread, { scn, xids: [...current.xids, xid] });
    } else {
      threads.set(thread, { scn, xids: [xid] });
    }
    return new CommitScn(threads);
  }

  /** whether transaction `xid` committed at `scn` on `thread` is covered (emitted, at least in part) */
  covers(thread: number, scn: Scn, xid: string): boolean {
    const entry = this.#threads.get(thread);
    if (!entry) return false;
    const c = scn.compare(entry.scn);
    return c < 0 || (c === 0 && entry.xids.includes(xid));
  }

  /** the highest commit SCN over all threads (null when nothing was emitted) */
  get maxScn(): Scn | null {
    let max: Scn | null = null;
    for (const { scn } of this.#threads.values()) max = max === null ? scn : Scn.max(max, scn);
    return max;
  }

  get isEmpty(): boolean {
    return this.#threads.size === 0;
  }

  toString(): string {
    return [...this.#threads.entries()].sort(([a], [b]) => a - b).map(([thread, e]) => `${e.scn}:${thread}:${e.xids.join('-')}`).join(',');
  }
}
