import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { RetriableError, type Logger, type SourceOffset, type SourceRecord, type TaskMetrics } from '../../../plugins/api/index.js';
import { envelope, keyText, parseSignal, SnapshotWindow, utf8Hex, type Signal } from '../../../plugins/cdc/index.js';
import { tableColumns } from './catalog.js';
import { copyOut } from './copy-out.js';
import { Lsn } from './lsn.js';
import { quoteIdent, quoteLiteral } from './pg-connection.js';
import { streamOffset, streamPosition } from './positions.js';
import { keyColumnInfo, keyEncoderFor } from './snapshot-key-encoder.js';
import { sourceInfo } from './source-info.js';
import { TableSchema } from './table-schema.js';
import type { TransactionDecoderOptions } from './transaction-decoder.js';

/** pg_logical_emit_message prefixes: the chunk windows' watermarks, and signals sent over REST */
export const WATERMARK_PREFIX = 'tributary.watermark';
export const SIGNAL_PREFIX = 'tributary.signal';

/** Where a message sits in the stream: what positions and offsets of records built there need. */
export interface StreamPoint {
  readonly commitLsn: Lsn;
  readonly changeLsn: Lsn;
  readonly ordinal: number;
  readonly txId: number;
  readonly commitTimeMs: number;
}

/** The decoder's settings (the task's `admin` connection also writes watermarks and REST signals), and more. */
export interface IncrementalSnapshotOptions extends Omit<TransactionDecoderOptions, 'incremental' | 'signalTable'> {
  /** a connection of its own for reading chunks */
  readonly connect: () => Promise<pg.Client>;
  readonly chunkSize: number;
  /**
   * the task's slot: logical decoding messages reach every slot of the database, so each
   * watermark and REST signal names the slot it is for, and the others ignore it
   */
  readonly slot: string;
  /** the stream carries logical decoding messages (PostgreSQL 14+): without them there are no watermarks */
  readonly messages: boolean;
  readonly logger: Logger;
  readonly metrics: TaskMetrics;
  readonly setProgress: (progress: IncrementalProgress | null) => void;
  readonly signal: AbortSignal;
}

/** What an incremental snapshot has left, as it is stored in every record's offset. */
interface State {
  /** the signal that started it */
  id: string;
  /** tables left, the one being read first (`schema.table`) */
  collections: string[];
  /** per table, Debezium's additional-conditions filter */
  conditions: Record<string, string>;
  /** key texts of the last row of the last completed chunk of the first table (null: from its start) */
  lastKey: (string | null)[] | null;
  /** key texts of the first table's largest key when its snapshot began: rows inserted later stream */
  maxKey: (string | null)[] | null;
  paused: boolean;
  /**
   * The chunk window the stream is inside (between its low watermark and the end of its rows):
   * a restart from a record there reads that chunk again before streaming, and emits it when
   * the replayed stream reaches the same high watermark.
   */
  window: string | null;
}

export interface IncrementalProgress {
  readonly id: string;
  readonly state: 'running' | 'paused';
  readonly collections: readonly string[];
  readonly current: { readonly table: string; readonly chunks: number; readonly rows: number; readonly estimatedRows: number | null } | null;
  readonly tablesDone: readonly string[];
  readonly rows: number;
  readonly rowsPerSecond: number;
  readonly etaSeconds: number | null;
}

const KEYS = {
  id: 'incremental_snapshot_id',
  collections: 'incremental_snapshot_collections',
  conditions: 'incremental_snapshot_conditions',
  lastKey: 'incremental_snapshot_primary_key',
  maxKey: 'incremental_snapshot_maximum_key',
  paused: 'incremental_snapshot_paused',
  window: 'incremental_snapshot_window',
} as const;

/** The incremental snapshot an offset records, if any. */
function stateOf(offset: SourceOffset | null): State | null {
  if (!offset || typeof offset[KEYS.collections] !== 'string') return null;
  const json = <T>(key: string, fallback: T): T => (typeof offset[key] === 'string' ? (JSON.parse(offset[key] as string) as T) : fallback);
  let collections: unknown;
  try {
    collections = json<unknown>(KEYS.collections, []);
    json(KEYS.lastKey, null);
    json(KEYS.maxKey, null);
  } catch {
    return null;
  }
  // Debezium writes these keys in a format of its own (objects, hex keys): not resumed here
  if (!Array.isArray(collections) || collections.length === 0 || collections.some((c) => typeof c !== 'string')) return null;
  return {
    id: String(offset[KEYS.id] ?? ''), collections: collections as string[], conditions: json(KEYS.conditions, {}), lastKey: json(KEYS.lastKey, null), maxKey: json(KEYS.maxKey, null),
    paused: offset[KEYS.paused] === true, window: typeof offset[KEYS.window] === 'string' ? (offset[KEYS.window] as string) : null,
  };
}

function fieldsOf(state: State): SourceOffset {
  const fields: Record<string, string | boolean> = {
    [KEYS.id]: state.id, [KEYS.collections]: JSON.stringify(state.collections), [KEYS.conditions]: JSON.stringify(state.conditions),
    [KEYS.lastKey]: JSON.stringify(state.lastKey), [KEYS.maxKey]: JSON.stringify(state.maxKey),
  };
  if (state.paused) fields[KEYS.paused] = true;
  if (state.window) fields[KEYS.window] = state.window;
  return fields;
}

/** A watermark message: a chunk window's edges (the low one names the chunk), or the marker written at start. */
interface Watermark {
  readonly slot?: string;
  readonly window: string;
  readonly edge: 'open' | 'close' | 'resume';
  readonly table?: string;
  readonly after?: (string | null)[] | null;
  /** low watermark: the table's largest key when its snapshot began */
  readonly maxKey?: (string | null)[] | null;
  /** high watermark: the last key the chunk's read covered, and whether that was the table's end */
  readonly last?: (string | null)[] | null;
  readonly complete?: boolean;
}

interface ChunkTable {
  readonly name: string;
  readonly oid: number;
  readonly schema: TableSchema;
  readonly keyIndexes: number[];
  readonly selectList: string;
  readonly from: string;
  readonly keyList: string;
  readonly keyEncoder: ((texts: (string | null)[]) => string) | null;
  readonly estimatedRows: number | null;
}

interface ChunkRow {
  readonly values: (string | null)[];
  readonly keyTexts: (string | null)[];
}

/** What a chunk read covered: where the next one starts, and whether it was the table's last. */
interface ChunkRead {
  readonly rows: { key: string; row: ChunkRow }[];
  /** key texts of the last row read (also when the stream changed it meanwhile) */
  readonly lastKey: (string | null)[] | null;
  readonly last: boolean;
}

/**
 * Incremental snapshots of the PostgreSQL source (Debezium's, on DBLog's watermarks): while the
 * stream runs, each table of an `execute-snapshot` signal is read in primary-key chunks of
 * `incremental.snapshot.chunk.size` rows. Each chunk is read between a low and a high watermark
 * written to the WAL with `pg_logical_emit_message` (no table needed); the stream notes the keys
 * it sees changed between them and, when it reaches the high watermark, emits the chunk's rows
 * less those (SnapshotWindow), as `op: r` records with `source.snapshot = incremental`.
 *
 * Positions and offsets: chunk rows take the high watermark's place in the stream (its LSN, then
 * `:k` and the row's key in byte order), so a chunk emitted again after a crash has the positions
 * it had and a sink drops what it holds. Every record's offset carries the snapshot's state (the
 * tables left, the last key of the last complete chunk, the table's largest key when it began),
 * so a restart resumes at the next chunk. The rows of a chunk being emitted also name its window:
 * a restart from one of them reads that chunk again before streaming, and emits it when the
 * replayed stream reaches the same high watermark.
 *
 * Signals arrive in stream order: rows inserted into `signal.data.collection`, and messages with
 * prefix `tributary.signal` (what the REST API writes). Only `incremental` snapshots are done.
 */
/** A `tributary.*` message for this slot, parsed; null (logged) when it is not one, so a bad message never stops the stream. */
function parseMessage<T extends { slot?: string }>(content: Buffer, slot: string, logger: Logger): T | null {
  try {
    const body = JSON.parse(content.toString('utf8')) as T;
    return body.slot === undefined || body.slot === slot ? body : null;
  } catch (error) {
    logger.warn({ err: (error as Error).message, message: content.toString('utf8').slice(0, 200) }, 'incremental snapshot: a message that is not JSON was skipped');
    return null;
  }
}

export class IncrementalSnapshots {
  readonly #o: IncrementalSnapshotOptions;
  #state: State | null;
  #fields: SourceOffset | null = null;
  #window: SnapshotWindow<ChunkRow> | null = null;
  /** the open window's read, once done */
  #read: ChunkRead | null = null;
  /** the window whose rows the restart must emit again, read before streaming starts */
  #replay: string | null;
  #table: ChunkTable | null = null;
  #client: pg.Client | null = null;
  /**
   * Set once the stream reached the marker written at start: everything before it is the
   * previous run's, replayed. No new chunk starts before that, so the replayed watermarks of
   * chunks already emitted are taken up again (same windows, same positions) instead of being
   * read anew at other positions.
   */
  #caughtUp = false;
  #resumeMarker: string | null = null;
  /** the open window was taken up from a replayed low watermark: its high one may never come */
  #adopted = false;
  #stopped = false;
  #failures = 0;
  /** the table was described again after a refused statement (once per chunk) */
  #redescribed = false;
  #retryTimer: NodeJS.Timeout | undefined;
  // progress
  #chunks = 0;
  #tableRows = 0;
  #rows = 0;
  #startedAt = Date.now();
  readonly #tablesDone: string[] = [];

  constructor(options: IncrementalSnapshotOptions, stored: SourceOffset | null) {
    this.#o = options;
    this.#state = stateOf(stored);
    this.#replay = this.#state?.window ?? null;
    this.#refreshFields();
  }

  get active(): boolean {
    return this.#state !== null;
  }

  /**
   * While a chunk window is in flight (its low watermark written, its rows not out) and while the
   * previous run is replayed, the server may not be told that WAL holding nothing to capture is
   * done with: a restart must replay the low watermarks after the last committed offset, or the
   * chunks they opened could not be taken up again at the same positions. Between chunks and
   * while paused the slot advances as usual.
   */
  get holdsWal(): boolean {
    return this.#state !== null && (this.#window !== null || !this.#caughtUp);
  }

  /** Adds the snapshot's state to records built by the stream (null while none runs). */
  stamp(records: SourceRecord[]): SourceRecord[] {
    const fields = this.#fields;
    if (!fields || records.length === 0) return records;
    return records.map((r) => ({ ...r, sourceOffset: { ...r.sourceOffset, ...fields } }));
  }

  /**
   * Before streaming: writes the marker that ends the replay (see #caughtUp). A restart from a
   * record inside a chunk window takes that window up again: its high watermark, replayed, says
   * which keys the chunk covered, and the chunk is read again then (the stream waits), so its
   * rows come out at the positions they had.
   */
  async prepare(): Promise<void> {
    if (!this.#o.messages) return;
    this.#resumeMarker = randomUUID();
    await this.#o.admin.query('SELECT pg_logical_emit_message(true, $1, $2)', [WATERMARK_PREFIX, JSON.stringify({ slot: this.#o.slot, window: this.#resumeMarker, edge: 'resume' })]);
    if (!this.#state) return;
    // described now, so that a replayed low watermark can be taken up at once
    const table = await this.#chunkTable();
    if (!table || !this.#replay) return;
    const window = new SnapshotWindow<ChunkRow>(this.#replay, table.schema.topic);
    window.open();
    this.#window = window;
    this.#adopted = true;
    this.#o.logger.info({ table: table.name, window: this.#replay }, 'incremental snapshot: the chunk the stream was in is taken up again');
  }

  /**
   * A replayed high watermark of a window taken up again: the chunk is read now, over exactly the
   * keys the first read covered (up to the key it names), and the stream waits for the read.
   */
  pending(prefix: string, content: Buffer): Promise<void> | null {
    if (prefix !== WATERMARK_PREFIX || this.#caughtUp || !this.#state) return null;
    const mark = parseMessage<Watermark>(content, this.#o.slot, this.#o.logger);
    if (!mark) return null;
    const state = this.#state;
    // a replayed low watermark of a table not described yet (its snapshot began in the replay)
    if (mark.edge === 'open' && state.collections[0] === mark.table && this.#table?.name !== mark.table) {
      if (!state.maxKey && mark.maxKey) state.maxKey = mark.maxKey;
      return this.#withRetries('describe the table of a replayed chunk', () => this.#chunkTable()).then(() => undefined);
    }
    const window = this.#window;
    if (mark.edge !== 'close' || !window || window.id !== mark.window || window.filled || !this.#adopted) return null;
    const table = this.#table;
    if (!table) return null;
    const upTo = mark.last ?? null;
    return this.#withRetries('read a replayed chunk again', () => (upTo === null ? Promise.resolve({ rows: [], lastKey: null, last: true }) : this.#readChunkRows(table, upTo)))
      .then((read) => { if (this.#window === window) this.#fill(window, read); });
  }

  /**
   * The replay waits for these: a failure is retried a few times, then fails the stream (the
   * task restarts and the replay starts over), since going on would read the chunk anew at
   * other positions.
   */
  async #withRetries<T>(what: string, run: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await run();
      } catch (error) {
        this.#client?.end().catch(() => undefined);
        this.#client = null;
        if (attempt >= 5) throw new RetriableError('source.unavailable', `Incremental snapshot: could not ${what}: ${(error as Error).message}`, { cause: error });
        this.#o.logger.warn({ err: (error as Error).message, attempt }, `incremental snapshot: could not ${what}; retrying`);
        await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
      }
    }
  }

  /** Streaming has started (again): chunks may be read once the replay is over. */
  streamingStarted(): void {
    if (this.#state && !this.#caughtUp) this.#o.logger.info({ collections: this.#state.collections, paused: this.#state.paused }, 'incremental snapshot resumed');
    this.#next();
  }

  /** Streamed changes: their keys, inside an open window of their table, win over the chunk's read. */
  changed(records: readonly SourceRecord[]): void {
    const window = this.#window;
    if (!window?.isOpen) return;
    for (const r of records) {
      if (r.topic !== window.table) continue;
      if (r.key !== null && r.key !== undefined) window.changed(r.topic, keyText(r.key));
      // a TRUNCATE of the table inside the window: nothing the read saw is there any more
      else if ((r.value as { op?: string } | null)?.op === 't') window.truncated();
    }
  }

  /** A logical decoding message from the stream: a watermark (may yield a chunk's rows) or a signal. */
  message(prefix: string, content: Buffer, at: StreamPoint): SourceRecord[] {
    if (prefix === SIGNAL_PREFIX) {
      const body = parseMessage<{ slot?: string; id: string; type: string; data: unknown }>(content, this.#o.slot, this.#o.logger);
      if (body) this.handle(body.id, body.type, body.data);
      return [];
    }
    if (prefix !== WATERMARK_PREFIX) return [];
    const mark = parseMessage<Watermark>(content, this.#o.slot, this.#o.logger);
    if (!mark) return [];
    if (mark.edge === 'resume') {
      if (mark.window !== this.#resumeMarker) return [];
      this.#o.logger.debug({ adopted: this.#adopted, window: this.#window?.id }, 'incremental snapshot: the replay of the previous run is over');
      this.#caughtUp = true;
      // a replayed low watermark whose high one the previous run never wrote: read that chunk anew
      if (this.#adopted) this.#dropWindow();
      this.#next();
      return [];
    }
    const window = this.#window;
    if (mark.edge === 'open') {
      if (window?.id === mark.window) window.open();
      else if (!this.#caughtUp) {
        // windows follow one another in the WAL: a taken-up window still waiting for its high
        // watermark when the next low one comes never closed (the previous run failed it)
        if (window && this.#adopted && !window.filled) this.#dropWindow();
        if (!this.#window) this.#adopt(mark);
      }
      if (this.#window?.id === mark.window && this.#state) {
        // from here until its rows are out, records' offsets name the window
        this.#state.window = mark.window;
        this.#refreshFields();
      }
      return [];
    }
    if (!window || window.id !== mark.window || !window.filled) return [];
    return this.#emit(window, at, mark);
  }

  /**
   * A low watermark of the previous run, replayed: if it opened the chunk the stored state says
   * comes next, that chunk is taken up under the same window (read again now), so its rows get
   * the positions they had at its high watermark and the sinks drop the ones they hold.
   */
  #adopt(mark: Watermark): void {
    const state = this.#state;
    const table = this.#table;
    if (!state || !table || state.collections[0] !== mark.table || table.name !== mark.table || JSON.stringify(state.lastKey) !== JSON.stringify(mark.after ?? null)) {
      this.#o.logger.debug({ window: mark.window, after: mark.after, lastKey: state?.lastKey }, 'incremental snapshot: a replayed low watermark of no chunk the state has next');
      return;
    }
    const window = new SnapshotWindow<ChunkRow>(mark.window, table.schema.topic);
    window.open();
    this.#window = window;
    this.#adopted = true;
  }

  /** No window any more (done, failed, stopped, abandoned): records' offsets stop naming one. */
  #dropWindow(): void {
    this.#window = null;
    this.#read = null;
    this.#adopted = false;
    if (this.#state?.window) {
      this.#state.window = null;
      this.#refreshFields();
    }
  }

  /** A signal from the signal table or the REST API; a malformed one is logged and ignored. */
  handle(id: string, type: string, data: unknown): void {
    let signal: Signal;
    try {
      signal = parseSignal(id, type, data);
    } catch (error) {
      this.#o.logger.error({ signal: id, err: (error as Error).message }, 'signal ignored');
      return;
    }
    this.#apply(signal);
  }

  #apply(signal: Signal): void {
    const log = this.#o.logger;
    switch (signal.type) {
      case 'log':
        log.info({ signal: signal.id }, signal.message);
        return;
      case 'execute-snapshot': {
        if (!this.#o.messages) {
          log.error({ signal: signal.id }, 'signal ignored: incremental snapshots need PostgreSQL 14 or later (logical decoding messages carry their watermarks)');
          return;
        }
        if (signal.snapshotType !== 'incremental') {
          log.error({ signal: signal.id }, 'signal ignored: only incremental snapshots are supported (type "blocking" is not)');
          return;
        }
        const wanted = signal.collections.filter((c) => {
          const [schema, table] = splitName(c);
          if (this.#o.filter.includesTable(schema, table)) return true;
          log.warn({ signal: signal.id, collection: c }, 'incremental snapshot: table not captured by this connector, skipped');
          return false;
        });
        if (wanted.length === 0) return;
        const conditions = Object.fromEntries(signal.conditions);
        if (this.#state) {
          for (const c of wanted) if (!this.#state.collections.includes(c)) this.#state.collections.push(c);
          Object.assign(this.#state.conditions, conditions);
        } else {
          this.#state = { id: signal.id, collections: [...wanted], conditions, lastKey: null, maxKey: null, paused: false, window: null };
          this.#startedAt = Date.now();
          this.#rows = 0;
          this.#tablesDone.length = 0;
          this.#resetTable();
        }
        this.#refreshFields();
        log.info({ signal: signal.id, collections: this.#state.collections }, 'incremental snapshot requested');
        this.#next();
        return;
      }
      case 'stop-snapshot': {
        if (!this.#state) return;
        const drop = signal.collections.length === 0 ? this.#state.collections : signal.collections;
        const first = this.#state.collections[0];
        this.#state.collections = this.#state.collections.filter((c) => !drop.includes(c));
        if (!this.#state.collections.includes(first)) {
          this.#dropWindow();
          this.#state.lastKey = null;
          this.#state.maxKey = null;
          this.#resetTable();
        }
        log.info({ signal: signal.id, stopped: drop, left: this.#state.collections }, 'incremental snapshot stopped');
        if (this.#state.collections.length === 0) this.#finish();
        else this.#refreshFields();
        this.#next();
        return;
      }
      case 'pause-snapshot':
        if (!this.#state) return;
        this.#state.paused = true;
        this.#refreshFields();
        log.info({ signal: signal.id }, 'incremental snapshot paused (after the chunk being read)');
        return;
      case 'resume-snapshot':
        if (!this.#state) return;
        this.#state.paused = false;
        this.#refreshFields();
        log.info({ signal: signal.id }, 'incremental snapshot resumed');
        this.#next();
    }
  }

  /** Reads the next chunk unless one is in flight, the snapshot is paused or done, or streaming has not started. */
  #next(): void {
    if (!this.#state || this.#state.paused || this.#window || !this.#caughtUp || this.#stopped || this.#o.signal.aborted) return;
    const window = new SnapshotWindow<ChunkRow>(randomUUID(), '');
    this.#window = window;
    void this.#readChunk(window).catch((error: unknown) => this.#chunkFailed(window, error));
  }

  async #readChunk(pending: SnapshotWindow<ChunkRow>): Promise<void> {
    const table = await this.#chunkTable();
    if (this.#window !== pending) return;
    if (!table) return;
    const window = new SnapshotWindow<ChunkRow>(pending.id, table.schema.topic);
    this.#window = window;
    await this.#watermark({ slot: this.#o.slot, window: window.id, edge: 'open', table: table.name, after: this.#state?.lastKey ?? null, maxKey: this.#state?.maxKey ?? null });
    const read = await this.#readChunkRows(table);
    if (this.#window !== window) return;
    this.#fill(window, read);
    await this.#watermark({ slot: this.#o.slot, window: window.id, edge: 'close', last: read.lastKey, complete: read.last });
    this.#failures = 0;
    this.#redescribed = false;
  }

  #chunkFailed(window: SnapshotWindow<ChunkRow>, error: unknown): void {
    // #readChunk replaces the placeholder window by its table's: the id is what stays
    if (this.#window?.id !== window.id || this.#stopped || this.#o.signal.aborted) return;
    this.#dropWindow();
    this.#client?.end().catch(() => undefined);
    this.#client = null;
    const code = (error as { code?: string }).code ?? '';
    const table = this.#state?.collections[0];
    // the table changed shape (a column dropped or renamed): described again, then read once more
    if (code.startsWith('42') && this.#state && table && !this.#redescribed) {
      this.#redescribed = true;
      this.#table = null;
      this.#o.logger.warn({ table, err: (error as Error).message }, 'incremental snapshot: reading a chunk failed; the table is described again');
      setImmediate(() => this.#next());
      return;
    }
    // a statement the server still refuses (a bad additional condition, a table dropped) will not succeed later
    if (code.startsWith('42') && this.#state && table) {
      this.#redescribed = false;
      this.#o.logger.error({ table, err: (error as Error).message }, 'incremental snapshot: the table cannot be read, skipped');
      this.#tableDone();
      this.#next();
      return;
    }
    this.#failures++;
    const wait = Math.min(30_000, 500 * 2 ** Math.min(this.#failures, 6));
    this.#o.logger.warn({ table, err: (error as Error).message, retryInMs: wait }, 'incremental snapshot: reading a chunk failed; retrying');
    this.#retryTimer = setTimeout(() => this.#next(), wait);
    this.#retryTimer.unref();
  }

  async #watermark(mark: Watermark): Promise<void> {
    await this.#o.admin.query('SELECT pg_logical_emit_message(true, $1, $2)', [WATERMARK_PREFIX, JSON.stringify(mark)]);
  }

  /** The first table left, described for chunk reads (null when none is left). */
  async #chunkTable(): Promise<ChunkTable | null> {
    for (;;) {
      const state = this.#state;
      const name = state?.collections[0];
      if (!state || !name) return null;
      if (this.#table?.name === name) return this.#table;
      const client = await this.#connection();
      const [schemaName, tableName] = splitName(name);
      const { rows } = await client.query<{ oid: number; reltuples: number }>(
        'SELECT c.oid::int AS oid, c.reltuples::float8 AS reltuples FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2', [schemaName, tableName]);
      if (rows.length === 0) {
        this.#o.logger.error({ table: name }, 'incremental snapshot: no such table, skipped');
        this.#tableDone();
        continue;
      }
      const oid = Number(rows[0].oid);
      const columns = await tableColumns(client, oid);
      const keyIndexes = columns.map((c, i) => ({ c, i })).filter((x) => x.c.pkPosition > 0).sort((a, b) => a.c.pkPosition - b.c.pkPosition).map((x) => x.i);
      if (keyIndexes.length === 0) {
        this.#o.logger.error({ table: name }, 'incremental snapshot: the table has no primary key to read it in chunks by, skipped');
        this.#tableDone();
        continue;
      }
      await this.#o.registry.ensure(client, columns.map((c) => c.typeOid));
      const schema = new TableSchema(schemaName, tableName, columns, { topicPrefix: this.#o.topicPrefix, registry: this.#o.registry, filter: this.#o.filter, mapping: this.#o.mapping });
      const keyList = keyIndexes.map((i) => quoteIdent(columns[i].name)).join(', ');
      const table: ChunkTable = {
        name, oid, schema, keyIndexes, keyList,
        selectList: columns.map((c) => quoteIdent(c.name)).join(', '),
        from: `${quoteIdent(schemaName)}.${quoteIdent(tableName)}`,
        keyEncoder: keyEncoderFor(await keyColumnInfo(client, oid)),
        estimatedRows: rows[0].reltuples >= 0 ? Math.round(rows[0].reltuples) : null,
      };
      if (!state.maxKey) {
        // the largest key now: rows inserted after this stream anyway, so the snapshot ends
        const max: ChunkRow[] = [];
        await copyOut(client, `COPY (SELECT ${keyList} FROM ${table.from}${this.#condition(table, 'WHERE')} ORDER BY ${keyList} DESC LIMIT 1) TO STDOUT`, (values) => void max.push({ values, keyTexts: values.slice() }), this.#o.signal);
        if (max.length === 0) {
          this.#o.logger.info({ table: name }, 'incremental snapshot: the table is empty');
          this.#tableDone();
          continue;
        }
        state.maxKey = max[0].keyTexts;
        this.#refreshFields();
      }
      this.#table = table;
      return table;
    }
  }

  #condition(table: ChunkTable, keyword: 'WHERE' | 'AND'): string {
    const condition = this.#state?.conditions[table.name];
    return condition ? ` ${keyword} (${condition})` : '';
  }

  #fill(window: SnapshotWindow<ChunkRow>, read: ChunkRead): void {
    window.fill(read.rows);
    this.#read = read;
  }

  /** The chunk after the last complete one, up to the table's largest key at its start. */
  async #readChunkRows(table: ChunkTable, upTo?: (string | null)[]): Promise<ChunkRead> {
    const state = this.#state!;
    const client = await this.#connection();
    const literals = (texts: (string | null)[]) => texts.map((t) => quoteLiteral(t ?? '')).join(', ');
    // a chunk read again covers the keys the first read did; a new one the next chunk.size keys
    const bounds = [`(${table.keyList}) <= (${literals(upTo ?? state.maxKey!)})`];
    if (state.lastKey) bounds.push(`(${table.keyList}) > (${literals(state.lastKey)})`);
    const limit = upTo ? '' : ` LIMIT ${this.#o.chunkSize}`;
    const sql = `COPY (SELECT ${table.selectList} FROM ${table.from} WHERE ${bounds.join(' AND ')}${this.#condition(table, 'AND')} ORDER BY ${table.keyList}${limit}) TO STDOUT`;
    const rows: { key: string; row: ChunkRow }[] = [];
    await copyOut(client, sql, (reused) => {
      // copyOut hands every row in the same array: the window keeps its rows until the high watermark
      const values = reused.slice();
      const keyTexts = table.keyIndexes.map((i) => values[i]);
      rows.push({ key: keyText(table.schema.toKey(values)), row: { values, keyTexts } });
    }, this.#o.signal);
    const lastKey = rows.length > 0 ? rows[rows.length - 1].row.keyTexts : null;
    const reachedMax = lastKey !== null && literals(lastKey) === literals(state.maxKey!);
    return { rows, lastKey, last: rows.length < this.#o.chunkSize || reachedMax };
  }

  /** The high watermark of the open window: its rows (less the keys streamed meanwhile) as reads. */
  #emit(window: SnapshotWindow<ChunkRow>, at: StreamPoint, mark: Watermark): SourceRecord[] {
    const state = this.#state;
    const table = this.#table;
    // what the first read covered, as its high watermark says (a chunk read again may have other rows)
    const chunk = this.#read && mark.complete !== undefined ? { ...this.#read, lastKey: mark.last ?? null, last: mark.complete } : this.#read;
    this.#replay = null;
    this.#read = null;
    const emitted = window.close();
    this.#dropWindow();
    if (!state || !table || !chunk) return [];
    const base = streamPosition(at.commitLsn, at.changeLsn, at.ordinal);
    const source = sourceInfo({
      serverName: this.#o.events.serverName, db: this.#o.events.db, schema: table.schema.schema, table: table.schema.table,
      tsMs: at.commitTimeMs, snapshot: 'incremental', txId: at.txId, lsn: at.changeLsn, commitLsn: at.commitLsn,
    });
    const partition = { server: this.#o.events.serverName };
    const placeholder = this.#o.events.placeholder;
    const offset = streamOffset(at.commitLsn, at.changeLsn, at.ordinal, 0, at.txId, at.commitTimeMs);
    // the offsets of the chunk's rows name the window: a restart from one of them reads the
    // chunk again and emits it when the replayed stream reaches this high watermark again
    const during = { ...offset, ...fieldsOf({ ...state, window: window.id }) };
    state.window = null;
    // positions follow the key: byte-order encoded where the key's types have such an encoding;
    // otherwise the key's text in hex, the rows emitted in that order (never an ordinal, which a
    // chunk read again with a row fewer would shift onto other rows)
    const suffixes = emitted.map(({ keyTexts }) => (table.keyEncoder ? `k${table.keyEncoder(keyTexts)}` : `j${utf8Hex(JSON.stringify(keyTexts))}`));
    const order = emitted.map((_, i) => i);
    if (!table.keyEncoder) order.sort((a, b) => (suffixes[a] < suffixes[b] ? -1 : suffixes[a] > suffixes[b] ? 1 : 0));
    const out: SourceRecord[] = new Array(emitted.length);
    for (let n = 0; n < order.length; n++) {
      const i = order[n];
      const { values } = emitted[i];
      const position = `${base}:${suffixes[i]}`;
      out[n] = {
        topic: table.schema.topic, keySchema: table.schema.keySchema, key: table.schema.toKey(values), valueSchema: table.schema.valueSchema,
        value: envelope('r', null, table.schema.toRow(values, placeholder), source),
        timestamp: at.commitTimeMs, sourcePartition: partition, sourceOffset: during, position, id: `${this.#o.events.serverName}/${position}`,
      };
    }
    this.#chunks++;
    this.#tableRows += emitted.length;
    this.#rows += emitted.length;
    if (chunk.last) this.#tableDone();
    else {
      state.lastKey = chunk.lastKey;
      this.#refreshFields();
    }
    // the last row's offset says where the next chunk starts (or that the table is done)
    if (out.length > 0) out[out.length - 1] = { ...out[out.length - 1], sourceOffset: { ...offset, ...(this.#fields ?? {}) } };
    this.#o.metrics.incCounter('postgres_incremental_snapshot_rows_total', 'Rows emitted by incremental snapshots', emitted.length);
    this.#publishProgress();
    setImmediate(() => this.#next());
    return out;
  }

  #tableDone(): void {
    const state = this.#state;
    if (!state) return;
    const done = state.collections.shift();
    if (done) {
      this.#tablesDone.push(done);
      this.#o.logger.info({ table: done, rows: this.#tableRows, chunks: this.#chunks }, 'incremental snapshot of table complete');
    }
    state.lastKey = null;
    state.maxKey = null;
    this.#resetTable();
    if (state.collections.length === 0) this.#finish();
    else this.#refreshFields();
  }

  #resetTable(): void {
    this.#table = null;
    this.#chunks = 0;
    this.#tableRows = 0;
  }

  #finish(): void {
    const state = this.#state;
    this.#dropWindow();
    this.#state = null;
    this.#fields = null;
    this.#client?.end().catch(() => undefined);
    this.#client = null;
    if (state) this.#o.logger.info({ signal: state.id, tables: this.#tablesDone, rows: this.#rows }, 'incremental snapshot complete');
    this.#publishProgress();
  }

  #refreshFields(): void {
    this.#fields = this.#state ? fieldsOf(this.#state) : null;
  }

  async #connection(): Promise<pg.Client> {
    this.#client ??= await this.#o.connect();
    return this.#client;
  }

  progress(): IncrementalProgress | null {
    const state = this.#state;
    if (!state) return null;
    const seconds = Math.max(0.001, (Date.now() - this.#startedAt) / 1000);
    const rate = this.#rows / seconds;
    const estimated = this.#table?.estimatedRows ?? null;
    const left = estimated === null ? null : Math.max(0, estimated - this.#tableRows);
    return {
      id: state.id, state: state.paused ? 'paused' : 'running', collections: [...state.collections],
      current: state.collections[0] ? { table: state.collections[0], chunks: this.#chunks, rows: this.#tableRows, estimatedRows: estimated } : null,
      tablesDone: [...this.#tablesDone], rows: this.#rows, rowsPerSecond: Math.round(rate),
      etaSeconds: left === null || rate === 0 ? null : Math.round(left / rate),
    };
  }

  #publishProgress(): void {
    this.#o.setProgress(this.progress());
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
    this.#window = null;
    await this.#client?.end().catch(() => undefined);
    this.#client = null;
  }
}

/** `schema.table` (a quoted part may hold dots: `"my.schema".t` is not supported; Debezium's names are plain). */
function splitName(name: string): [string, string] {
  const dot = name.indexOf('.');
  return dot < 0 ? ['public', name] : [name.slice(0, dot), name.slice(dot + 1)];
}
