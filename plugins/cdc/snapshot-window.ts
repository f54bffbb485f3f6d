/**
 * One chunk window of an incremental snapshot (DBLog's watermark algorithm, as Debezium's
 * incremental snapshots use it). The chunk is read between a low and a high watermark written to
 * the source's log; the log reader opens the window when it meets the low watermark, notes the
 * key of every streamed change to the chunk's table until it meets the high one, and then hands
 * out the chunk's rows less those keys: a row changed inside the window is represented by its
 * streamed change (newer than, or as new as, what the read saw), so the output stays consistent
 * without locks and without holding the stream back.
 *
 * Keys are compared as text (`keyText`): the same key gives the same text whether it came from
 * the read or from the stream, since both build it with the table's record schema.
 */
export class SnapshotWindow<R> {
  /** streamed keys seen since the low watermark */
  readonly #changed = new Set<string>();
  #rows: { key: string; row: R }[] | null = null;
  #open = false;
  #truncated = false;

  constructor(
    /** the watermarks' id: a window only reacts to its own */
    readonly id: string,
    /** the chunk's table, as the stream names it (a topic, say) */
    readonly table: string,
  ) {}

  get isOpen(): boolean {
    return this.#open;
  }

  /** The low watermark reached the log reader. */
  open(): void {
    this.#open = true;
  }

  /** A streamed change to `table` with key `key`, seen by the log reader. */
  changed(table: string, key: string): void {
    if (this.#open && table === this.table) this.#changed.add(key);
  }

  /** The table was truncated inside the window: none of the rows read is there any more. */
  truncated(): void {
    if (this.#open) this.#truncated = true;
  }

  /** The chunk as read (in key order); set before the high watermark is written. */
  fill(rows: { key: string; row: R }[]): void {
    this.#rows = rows;
  }

  get filled(): boolean {
    return this.#rows !== null;
  }

  /** The high watermark reached the log reader: the rows to emit, in key order. */
  close(): R[] {
    const rows = this.#truncated ? [] : this.#rows ?? [];
    this.#open = false;
    this.#truncated = false;
    this.#rows = null;
    const out: R[] = [];
    for (const { key, row } of rows) if (!this.#changed.has(key)) out.push(row);
    this.#changed.clear();
    return out;
  }
}

/** A record key as text for window bookkeeping (keyless tables are not chunked, so keys are never null). */
export function keyText(key: unknown): string {
  return JSON.stringify(key, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
}
