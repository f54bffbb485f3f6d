import type { SourceOffset } from '../api/index.js';

/** Key column values as text, in key order (null for a NULL part): how chunk bounds are kept and stored. */
export type KeyTexts = (string | null)[];

/** What an incremental snapshot has left, as it is stored in every record's offset. */
export interface IncrementalState {
  /** the signal that started it */
  id: string;
  /** tables left, the one being read first (`schema.table`, `db.table`) */
  collections: string[];
  /** per table, Debezium's additional-conditions filter */
  conditions: Record<string, string>;
  /** key texts of the last row of the last completed chunk of the first table (null: from its start) */
  lastKey: KeyTexts | null;
  /** key texts of the first table's largest key when its snapshot began: rows inserted later stream */
  maxKey: KeyTexts | null;
  paused: boolean;
  /**
   * The chunk window the stream is inside (between its low watermark and the end of its rows):
   * a restart from a record there reads that chunk again before streaming, and emits it when
   * the replayed stream reaches the same high watermark.
   */
  window: string | null;
}

/**
 * The offset fields. Debezium's names (`incremental_snapshot_*`), so a Debezium user recognises
 * them, but not Debezium's encoding (it writes objects and hex keys): an offset written by
 * Debezium is not resumed, and one written here is not resumed by Debezium.
 */
const KEYS = {
  id: 'incremental_snapshot_id',
  collections: 'incremental_snapshot_collections',
  conditions: 'incremental_snapshot_conditions',
  lastKey: 'incremental_snapshot_primary_key',
  maxKey: 'incremental_snapshot_maximum_key',
  paused: 'incremental_snapshot_paused',
  window: 'incremental_snapshot_window',
} as const;

/** The incremental snapshot an offset records, if any (null also for one this code cannot read). */
export function incrementalStateOf(offset: SourceOffset | null): IncrementalState | null {
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

/** The offset fields that record `state` (added to every record's offset while it runs). */
export function incrementalOffsetFields(state: IncrementalState): SourceOffset {
  const fields: Record<string, string | boolean> = {
    [KEYS.id]: state.id, [KEYS.collections]: JSON.stringify(state.collections), [KEYS.conditions]: JSON.stringify(state.conditions),
    [KEYS.lastKey]: JSON.stringify(state.lastKey), [KEYS.maxKey]: JSON.stringify(state.maxKey),
  };
  if (state.paused) fields[KEYS.paused] = true;
  if (state.window) fields[KEYS.window] = state.window;
  return fields;
}

/**
 * A watermark: a chunk window's edges (the low one names the chunk), or a marker written at start
 * (PostgreSQL). What it carries is what a restart needs to take a chunk up again from the replayed
 * stream alone.
 */
export interface Watermark {
  readonly slot?: string;
  readonly window: string;
  readonly edge: 'open' | 'close' | 'resume';
  readonly table?: string;
  readonly after?: KeyTexts | null;
  /** low watermark: the table's largest key when its snapshot began */
  readonly maxKey?: KeyTexts | null;
  /** high watermark: the last key the chunk's read covered, and whether that was the table's end */
  readonly last?: KeyTexts | null;
  readonly complete?: boolean;
}
