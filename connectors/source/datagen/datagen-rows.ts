import { commonSourceFields, envelopeSchema, Schemas, type Op, type Schema } from '../../../plugins/api/index.js';

/**
 * The rows datagen emits, as pure functions of (seed, seq), so a replay after a restart produces
 * exactly the same records and tests can compute what was sent without recording it.
 *
 * In `cdc` mode key k = ((seq − 1) mod keys) + 1 and the previous change of that key is seq − keys,
 * so every before-image is exact: generation 0 inserts every key; odd generations update or delete
 * (a quarter of them deletes); even generations re-insert what was deleted and update the rest.
 */
export interface DatagenOptions {
  readonly topic: string;
  readonly keys: number;
  readonly ops: 'insert' | 'cdc';
  readonly seed: number;
  readonly tsStartMs: number;
  readonly tsStepMs: number;
}

export interface DatagenRow {
  id: number;
  seq: number;
  name: string;
  amount: string;
  score: number | null;
  active: boolean;
  created_at: string;
  day: number;
  uid: string;
  payload: string;
}

export interface DatagenEvent {
  op: Op;
  key: { id: number };
  before: DatagenRow | null;
  after: DatagenRow | null;
  /** record time (source.ts_ms): ts.start.ms + seq × ts.step.ms */
  tsMs: number;
}

// Names exercise CSV quoting and unicode on purpose.
const NAMES = ['alice', 'bob, jr.', 'carol "cc"', 'dave\nsecond line', 'émilie', '日本語', 'zoë 🚀', 'frank'];
const DELETE_SHARE = 0.25;

/** A 32-bit avalanche hash of (seed, n, salt): cheap, deterministic, well spread. */
export function hash32(seed: number, n: number, salt = 0): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul((n % 0x100000000) | 0, 0xc2b2ae35) ^ Math.imul(Math.floor(n / 0x100000000) + salt, 0x27d4eb2f);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/*
 * Every string below is built flat, or shared from a table: a row lives until the change of its
 * key `keys` records later (the before-image is shared) and records wait in sink inboxes, so each
 * string survives young-generation GCs. A template literal of many parts survives as a tree of
 * concatenated strings, one heap object per part; copying those trees cost more than building
 * the rows (one-core pipeline benchmark: GC was over half of the time).
 */

const HEX_DIGITS = [...'0123456789abcdef'].map((c) => c.charCodeAt(0));
const DASH = '-'.charCodeAt(0);
const uuidCodes = new Array<number>(36);

/** The UUID whose 32 hex digits are the four words' (the 4 and 8 version bits set by the caller). */
function uuidText(w0: number, w1: number, w2: number, w3: number): string {
  let j = 0;
  for (const word of [w0, w1, w2, w3]) {
    for (let shift = 28; shift >= 0; shift -= 4) {
      if (j === 8 || j === 13 || j === 18 || j === 23) uuidCodes[j++] = DASH;
      uuidCodes[j++] = HEX_DIGITS[(word >>> shift) & 15];
    }
  }
  return String.fromCharCode.apply(null, uuidCodes);
}

/** The random-looking version 4 UUID of a row. */
function rowUuid(h: number, u1: number, u2: number, u3: number): string {
  return uuidText(h, (u1 & 0xffff0000) | 0x4000 | (u1 & 0x0fff), (((u2 & 0x3fff) | 0x8000) << 16) | (u2 >>> 16), u3);
}

/** A small table of strings built on first use and kept. */
function memoized(size: number, build: (i: number) => string): (i: number) => string {
  const table = new Array<string | undefined>(size);
  return (i) => (table[i] ??= build(i));
}

const rowName = memoized(NAMES.length * 1000, (i) => `${NAMES[Math.floor(i / 1000)]} ${i % 1000}`);

// Written out by hand rather than JSON.stringify: same text; 100 × 6 × 2 variants, so shared.
const rowPayload = memoized(100 * 6 * 2, (i) => {
  const n = Math.floor(i / 12);
  const tags = Math.floor(i / 2) % 6;
  return `{"n":${n},"tags":${tags === 5 ? '[]' : `["a","t${tags}"]`},"nested":{"ok":${i % 2 === 1}}}`;
});

export function datagenRow(id: number, seq: number, options: DatagenOptions): DatagenRow {
  const h = hash32(options.seed, seq);
  const cents = (h % 10_000_000) - (h % 7 === 0 ? 10_000_000 : 0);
  const ts = options.tsStartMs + seq * options.tsStepMs;
  return {
    id,
    seq,
    name: rowName((h % NAMES.length) * 1000 + (h % 1000)),
    amount: formatCents(cents),
    score: h % 10 === 0 ? null : (h % 1_000_000) / 64,
    active: (h & 1) === 1,
    created_at: isoMillis(ts),
    day: Math.floor(ts / 86_400_000),
    uid: rowUuid(h, hash32(options.seed, seq, 1), hash32(options.seed, seq, 2), hash32(options.seed, seq, 3)),
    payload: rowPayload((h % 100) * 12 + (h % 3 === 0 ? 5 : h % 5) * 2 + ((h & 2) === 2 ? 1 : 0)),
  };
}

// Records share their second with their neighbours, and before-images (seq − keys) with theirs:
// two cached seconds keep both hits, so the ISO prefix is formatted once per second, not per row;
// the milliseconds come from a table, so a timestamp is one two-part string.
const isoCache = [
  { second: Number.NaN, prefix: '' },
  { second: Number.NaN, prefix: '' },
];
let isoNext = 0;
const isoMillisSuffix = memoized(1000, (ms) => `${String(ms).padStart(3, '0')}Z`);

function isoMillis(ts: number): string {
  const second = Math.floor(ts / 1000);
  let entry = isoCache[0].second === second ? isoCache[0] : isoCache[1].second === second ? isoCache[1] : undefined;
  if (!entry) {
    entry = isoCache[isoNext];
    isoNext ^= 1;
    entry.second = second;
    entry.prefix = new Date(second * 1000).toISOString().slice(0, 20);
  }
  return entry.prefix + isoMillisSuffix(ts - second * 1000);
}

function formatCents(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

function isDelete(seq: number, options: DatagenOptions): boolean {
  return hash32(options.seed, seq, 7) / 0x100000000 < DELETE_SHARE;
}

function cdcOp(seq: number, options: DatagenOptions): Op {
  const generation = Math.floor((seq - 1) / options.keys);
  if (generation === 0) return 'c';
  if (generation % 2 === 1) return isDelete(seq, options) ? 'd' : 'u';
  return isDelete(seq - options.keys, options) ? 'c' : 'u';
}

/**
 * The change with sequence number `seq` (≥ 1). `previous` may supply rows already built (the
 * task keeps each key's last after-image): the before-image is then shared, not built again.
 */
export function datagenEvent(seq: number, options: DatagenOptions, previous?: (id: number, seq: number) => DatagenRow | undefined): DatagenEvent {
  const tsMs = options.tsStartMs + seq * options.tsStepMs;
  if (options.ops === 'insert') return { op: 'c', key: { id: seq }, before: null, after: datagenRow(seq, seq, options), tsMs };
  const id = ((seq - 1) % options.keys) + 1;
  const op = cdcOp(seq, options);
  const before = op === 'c' ? null : (previous?.(id, seq - options.keys) ?? datagenRow(id, seq - options.keys, options));
  const after = op === 'd' ? null : datagenRow(id, seq, options);
  return { op, key: { id }, before, after, tsMs };
}

export const datagenKeySchema: Schema = Schemas.struct([Schemas.field('id', Schemas.int64())], { name: 'datagen.Key' });

export const datagenRowFields = [
  Schemas.field('id', Schemas.int64()),
  Schemas.field('seq', Schemas.int64()),
  Schemas.field('name', Schemas.string()),
  Schemas.field('amount', Schemas.decimal(12, 2)),
  Schemas.field('score', Schemas.float64({ optional: true })),
  Schemas.field('active', Schemas.boolean()),
  Schemas.field('created_at', Schemas.zonedTimestamp()),
  Schemas.field('day', Schemas.date()),
  Schemas.field('uid', Schemas.uuid()),
  Schemas.field('payload', Schemas.json()),
] as const;

export const datagenSourceSchema: Schema = Schemas.struct([...commonSourceFields, Schemas.field('seq', Schemas.int64())], {
  name: 'io.tributary.connector.datagen.Source',
});

export function datagenValueSchema(topic: string): Schema {
  return envelopeSchema(topic, datagenRowFields, datagenSourceSchema);
}
