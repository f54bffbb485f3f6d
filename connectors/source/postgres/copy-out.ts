import type pg from 'pg';

type RowHandler = (fields: (string | null)[]) => void | Promise<void>;

/** The part of pg's Connection a submittable query sees. */
interface PgConnection {
  stream: NodeJS.ReadableStream & { pause(): void; resume(): void };
  query(text: string): void;
  sendCopyFail(message: string): void;
}

/**
 * Runs `COPY (...) TO STDOUT` (text format) on a `pg` client and hands each row's field texts
 * (null for SQL NULL) to `onRow`, in an array reused for the next row: `onRow` must take what it
 * keeps before returning. When it returns a promise (the queue is full), reading stops and the
 * socket is paused until the promise settles: the backpressure that reaches the server. Once
 * `signal` is aborted (the task stops) rows are no longer handed on, so a stop does not queue
 * the rest of a table.
 *
 * For the duration of the COPY the query takes the socket's data from pg (as pg-copy-streams
 * does) and reads the CopyData frames itself, decoding each row straight out of the socket
 * chunk; everything after CopyDone, or from an ErrorResponse on, goes back to pg, which ends the
 * query as usual (CommandComplete, ReadyForQuery, or the error).
 *
 * Why not pg's CopyData events or pg-copy-streams: both allocate a message and a Buffer view per
 * row (and emit an event or copy the bytes); that framing alone cost about as much CPU as
 * turning the row into a change event (bench/postgres-snapshot). Notices sent during the COPY
 * are skipped (they do not reach the client's 'notice' event).
 */
export function copyOut(client: pg.Client, sql: string, onRow: RowHandler, signal?: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    client.query(new CopyOutQuery(sql, onRow, signal, resolve, reject) as unknown as pg.QueryConfig);
  });
}

const COPY_DATA = 0x64; // d
const COPY_DONE = 0x63; // c
const COPY_OUT_RESPONSE = 0x48; // H
const NOTICE = 0x4e; // N
const PARAMETER_STATUS = 0x53; // S
const NOTIFICATION = 0x41; // A

/**
 * Assumes what the snapshot guarantees: the COPY is sent on an idle client whose previous query
 * was awaited and which does not LISTEN, so pg has no partly received message buffered when the
 * socket is taken over. Rows only go to `onRow` while the query is unsettled and not aborted;
 * after a failure or an abort the rest of the COPY is read and dropped.
 */
class CopyOutQuery {
  readonly #sql: string;
  readonly #onRow: RowHandler;
  readonly #signal: AbortSignal | undefined;
  readonly #resolve: (rows: number) => void;
  readonly #reject: (error: unknown) => void;
  readonly #fields: (string | null)[] = [];
  #connection: PgConnection | null = null;
  #pgListener: ((chunk: Buffer) => void) | null = null;
  /**
   * Chunks received and not yet read (a frame cut by a chunk's end, or all that came during a
   * wait), joined only once they hold `#needed` bytes: a 100 MB value arriving in 64 kB chunks is
   * joined once, not once per chunk.
   */
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #needed = 0;
  #waiting = false;
  #rows = 0;
  #failure: unknown = null;
  #settled = false;

  constructor(sql: string, onRow: RowHandler, signal: AbortSignal | undefined, resolve: (rows: number) => void, reject: (error: unknown) => void) {
    this.#sql = sql;
    this.#onRow = onRow;
    this.#signal = signal;
    this.#resolve = resolve;
    this.#reject = reject;
  }

  /** Called by pg when the query's turn comes: take the socket over, then send the query. */
  submit(connection: PgConnection): Error | undefined {
    const listeners = connection.stream.listeners('data') as ((chunk: Buffer) => void)[];
    // pg takes a returned error as the query's failure (a thrown one would escape its parser)
    if (listeners.length !== 1) return new Error(`COPY reader: expected pg's one data listener on the socket, found ${listeners.length}`);
    this.#connection = connection;
    this.#pgListener = listeners[0];
    connection.stream.removeListener('data', this.#pgListener);
    connection.stream.on('data', this.#onData);
    connection.query(this.#sql);
    return undefined;
  }

  readonly #onData = (chunk: Buffer): void => {
    // (the socket's chunks are fresh buffers, safe to keep)
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
    // a chunk already on its way when the socket was paused waits with the rest
    if (!this.#waiting && this.#pendingBytes >= this.#needed) this.#read();
  };

  /** Reads the whole frames received; keeps the rest for later (a cut frame, or all after a wait). */
  #read(): void {
    const data = this.#pending.length === 1 ? this.#pending[0] : Buffer.concat(this.#pending, this.#pendingBytes);
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#needed = 0;
    let pos = 0;
    while (pos + 5 <= data.length) {
      const code = data[pos];
      // anything but the COPY's own frames and asynchronous messages (an ErrorResponse, or the
      // CommandComplete/ReadyForQuery of a statement that was no COPY) is pg's to handle
      if (code !== COPY_DATA && code !== COPY_DONE && code !== COPY_OUT_RESPONSE && code !== NOTICE && code !== PARAMETER_STATUS && code !== NOTIFICATION) {
        return this.#giveBack(data.subarray(pos));
      }
      const end = pos + 1 + data.readUInt32BE(pos + 1);
      if (end > data.length) {
        this.#needed = end - pos;
        break;
      }
      if (code === COPY_DATA) {
        const waitFor = this.#row(data, pos + 5, end);
        if (waitFor) {
          if (end < data.length) this.#keep(data.subarray(end));
          this.#wait(waitFor);
          return;
        }
      } else if (code === COPY_DONE) {
        return this.#giveBack(data.subarray(end));
      }
      // CopyOutResponse, and notices or parameter changes interleaved with the rows: skipped
      pos = end;
    }
    if (pos < data.length) this.#keep(data.subarray(pos));
  }

  #keep(rest: Buffer): void {
    this.#pending.push(rest);
    this.#pendingBytes += rest.length;
  }

  #row(data: Buffer, start: number, end: number): Promise<void> | undefined {
    this.#rows++;
    if (this.#failure || this.#settled || this.#signal?.aborted) return undefined;
    try {
      parseCopyRow(data, start, end, this.#fields);
      return this.#onRow(this.#fields) ?? undefined;
    } catch (error) {
      this.#failure = error;
      return undefined;
    }
  }

  /** Pauses the socket until `promise` settles, then reads on and resumes. */
  #wait(promise: Promise<void>): void {
    const stream = this.#connection!.stream;
    stream.pause();
    this.#waiting = true;
    promise.then(
      () => undefined,
      (error: unknown) => {
        this.#failure ??= error;
      },
    ).then(() => {
      this.#waiting = false;
      // the connection may have ended meanwhile: pg has failed the query, nothing is read
      if (this.#settled) return;
      if (this.#pendingBytes > 0 && this.#pendingBytes >= this.#needed) this.#read();
      if (!this.#waiting) stream.resume();
    });
  }

  /** Hands the socket back to pg with the bytes it has to parse (CommandComplete onwards, or an error). */
  #giveBack(rest: Buffer): void {
    const stream = this.#connection!.stream;
    stream.removeListener('data', this.#onData);
    stream.on('data', this.#pgListener!);
    if (rest.length > 0) this.#pgListener!(rest);
  }

  // pg's query callbacks, after the socket is handed back (handleError also when the connection ends)

  handleCommandComplete(): void {}
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyInResponse(connection: PgConnection): void {
    connection.sendCopyFail('COPY FROM is not expected here');
  }
  handleError(error: unknown): void {
    this.#finish(error);
  }
  handleReadyForQuery(): void {
    this.#finish(this.#failure);
  }

  #finish(error: unknown): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#pending = [];
    this.#pendingBytes = 0;
    if (error) this.#reject(error);
    else this.#resolve(this.#rows);
  }
}

// as in the pgoutput decoder: Buffer#toString's argument checks cost more than the decoding
const utf8Slice = (Buffer.prototype as unknown as { utf8Slice(this: Buffer, start: number, end: number): string }).utf8Slice;

const ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };
const ESCAPE = /\\(.)/gs;
const unescapeOne = (_match: string, c: string): string => ESCAPES[c] ?? c;

/**
 * One row of COPY text format (bytes `start`..`end` of `data`, newline-terminated) into `fields`,
 * resized to the row's field count: tab-separated, `\N` for NULL, backslash escapes (a tab or
 * newline inside a value is always escaped, so the raw separators are unambiguous).
 */
export function parseCopyRow(data: Buffer, start: number, end: number, fields: (string | null)[] = []): (string | null)[] {
  const text = utf8Slice.call(data, start, data[end - 1] === 0x0a ? end - 1 : end);
  let n = 0;
  let pos = 0;
  for (;;) {
    const tab = text.indexOf('\t', pos);
    if (tab < 0) break;
    fields[n++] = text.slice(pos, tab);
    pos = tab + 1;
  }
  fields[n++] = text.slice(pos);
  if (fields.length !== n) fields.length = n;
  // one scan of the row: most rows have neither NULLs nor escapes
  if (text.indexOf('\\') < 0) return fields;
  for (let i = 0; i < n; i++) {
    const field = fields[i] as string;
    if (field.indexOf('\\') < 0) continue;
    fields[i] = field === '\\N' ? null : field.replace(ESCAPE, unescapeOne);
  }
  return fields;
}
