import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SourceOffset, SourceRecord } from '../api/index.js';
import type { ChunkBounds, ChunkTable, IncrementalDialect } from './incremental-dialect.js';
import { incrementalOffsetFields, incrementalStateOf, type IncrementalState, type Watermark } from './incremental-state.js';
import { IncrementalSnapshots } from './incremental-snapshots.js';
import { keyText } from './snapshot-window.js';

const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const metrics = { setGauge: () => undefined, incCounter: () => undefined, observe: () => undefined };
const TABLE: ChunkTable = { name: 'db.t', topic: 't', estimatedRows: 5, keyEncoder: (texts) => texts.map((t) => Number(t).toString(16).padStart(4, '0')).join('') };

/** A table of ids 1..5 in memory; watermarks are collected for the test to feed back as the stream. */
function fakeDialect(ids = [1, 2, 3, 4, 5]): IncrementalDialect<ChunkTable, number, number> & { marks: Watermark[] } {
  const marks: Watermark[] = [];
  return {
    marks, metricPrefix: 'fake', unavailable: null,
    includes: (c) => c === 'db.t',
    describe: async () => ({ table: TABLE }),
    maxKey: async () => [String(Math.max(...ids))],
    readChunk: async (_t, b: ChunkBounds) => ids.filter((id) => id <= Number(b.upTo[0]) && (b.after === null || id > Number(b.after[0]))).slice(0, b.limit ?? undefined)
      .map((id) => ({ key: keyText({ id }), row: { values: id, keyTexts: [String(id)] } })),
    chunkEnds: async (_t, b: ChunkBounds, count) => ids.filter((id) => id <= Number(b.upTo[0]) && (b.after === null || id > Number(b.after[0])))
      .filter((_, i) => (i + 1) % b.limit! === 0).slice(0, count).map((id) => [String(id)]),
    writeWatermark: async (mark) => void marks.push(mark),
    isStatementError: () => false,
    pointOf: (at) => ({ position: `P${at}`, offset: { at } }),
    chunkRecords: (_t, _at) => (id, position, offset) => ({ topic: 't', key: { id }, value: { op: 'r' }, position, sourceOffset: offset, sourcePartition: {}, id: position } as unknown as SourceRecord),
    release: async () => undefined,
  };
}

const until = async (done: () => boolean) => { for (let i = 0; i < 200 && !done(); i++) await new Promise((r) => setImmediate(r)); assert.ok(done(), 'in time'); };

describe('incremental snapshots (the shared engine over a dialect)', () => {
  it('reads chunk by chunk between watermarks; keys streamed inside a window win; positions follow the key; the offsets carry the state', async () => {
    const dialect = fakeDialect();
    let progress: unknown = 'unset';
    const engine = new IncrementalSnapshots({ dialect, chunkSize: 2, logger: silent, metrics, setProgress: (p) => void (progress = p), signal: new AbortController().signal }, null);
    engine.handle('s1', 'execute-snapshot', { 'data-collections': ['db.t', 'db.other'] });
    assert.equal(dialect.marks.length, 0, 'no chunk before the replay is over');
    engine.replayOver();
    await until(() => dialect.marks.length === 2);
    const [open, close] = dialect.marks;
    assert.deepEqual([open.edge, open.after, open.maxKey, close.edge, close.last, close.complete], ['open', null, ['5'], 'close', ['2'], false]);
    assert.deepEqual(engine.watermark(open, 10), []);
    engine.changed([{ topic: 't', key: { id: 2 } } as unknown as SourceRecord]);
    const first = engine.watermark(close, 11);
    assert.deepEqual(first.map((r) => r.position), ['P11:k0001'], 'row 2 changed inside the window: the stream has it');
    assert.deepEqual(incrementalStateOf(first[0].sourceOffset)?.lastKey, ['2'], 'the last record says where the next chunk starts');
    await until(() => dialect.marks.length === 4);
    engine.watermark(dialect.marks[2], 12);
    assert.deepEqual(engine.watermark(dialect.marks[3], 13).map((r) => r.position), ['P13:k0003', 'P13:k0004']);
    await until(() => dialect.marks.length === 6);
    engine.watermark(dialect.marks[4], 14);
    const last = engine.watermark(dialect.marks[5], 15);
    assert.deepEqual(last.map((r) => r.position), ['P15:k0005']);
    assert.equal(engine.active, false, 'db.other is not captured: done');
    assert.equal(last[0].sourceOffset.incremental_snapshot_collections, undefined);
    assert.equal(progress, null);
  });

  it('a restart inside a window takes it up again: the chunk is read again at its replayed high watermark, over the keys the first read covered, at the same positions', async () => {
    const state: IncrementalState = { id: 's1', collections: ['db.t'], conditions: {}, lastKey: ['2'], maxKey: ['5'], paused: false, window: 'w2' };
    const stored: SourceOffset = { at: 11, ...incrementalOffsetFields(state) };
    assert.deepEqual(incrementalStateOf(stored), state, 'the state round-trips through the offset');
    const dialect = fakeDialect([1, 2, 3, 4, 5]);
    const engine = new IncrementalSnapshots({ dialect, chunkSize: 2, logger: silent, metrics, setProgress: () => undefined, signal: new AbortController().signal }, stored);
    await engine.prepare();
    // the replayed stream: the high watermark of w2 (its read covered up to key 4)
    const close: Watermark = { window: 'w2', edge: 'close', last: ['4'], complete: false };
    const wait = engine.pending(close);
    assert.ok(wait, 'the stream waits for the chunk to be read again');
    await wait;
    assert.deepEqual(engine.watermark(close, 13).map((r) => r.position), ['P13:k0003', 'P13:k0004']);
    assert.equal(dialect.marks.length, 0, 'no new chunk during the replay');
    engine.replayOver();
    await until(() => dialect.marks.length === 2);
    assert.deepEqual(dialect.marks[0].after, ['4'], 'then the next chunk');
    await engine.stop();
  });

  it('pause, resume and stop', async () => {
    const dialect = fakeDialect();
    const engine = new IncrementalSnapshots({ dialect, chunkSize: 2, logger: silent, metrics, setProgress: () => undefined, signal: new AbortController().signal }, null);
    engine.replayOver();
    engine.handle('p', 'pause-snapshot', null);
    engine.handle('s1', 'execute-snapshot', { 'data-collections': ['db.t'] });
    await until(() => dialect.marks.length === 2);
    engine.handle('p', 'pause-snapshot', null);
    engine.watermark(dialect.marks[0], 1);
    assert.equal(engine.watermark(dialect.marks[1], 2).length, 2, 'the chunk in flight comes out');
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    assert.equal(dialect.marks.length, 2, 'no chunk while paused');
    assert.equal(engine.progress()?.state, 'paused');
    engine.handle('r', 'resume-snapshot', null);
    await until(() => dialect.marks.length === 4);
    engine.handle('st', 'stop-snapshot', null);
    assert.equal(engine.active, false);
    engine.watermark(dialect.marks[2], 3);
    assert.deepEqual(engine.watermark(dialect.marks[3], 4), [], 'a stopped window emits nothing');
  });

  it('parallel: a window reads its chunks at once on several readers over key ranges known first; a key streamed inside one of them wins; rows come out in key order at the high watermark', async () => {
    const dialect = fakeDialect([1, 2, 3, 4, 5, 6, 7]);
    const readers: number[] = [];
    let inFlight = 0;
    let most = 0;
    const read = dialect.readChunk.bind(dialect);
    dialect.readChunk = async (t, b, reader) => {
      readers.push(reader ?? 0);
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setImmediate(r));
      inFlight--;
      return read(t, b, reader);
    };
    const engine = new IncrementalSnapshots({ dialect, chunkSize: 2, threads: 2, logger: silent, metrics, setProgress: () => undefined, signal: new AbortController().signal }, null);
    engine.replayOver();
    engine.handle('s1', 'execute-snapshot', { 'data-collections': ['db.t'] });
    await until(() => dialect.marks.length === 2);
    assert.equal(most, 2, 'two chunks read at once');
    assert.deepEqual(readers.sort(), [0, 1], 'each on a reader of its own');
    const [open, close] = dialect.marks;
    assert.deepEqual([open.after, close.last, close.complete], [null, ['4'], false], 'the window covers both chunks: 1..2 and 3..4');
    engine.watermark(open, 10);
    engine.changed([{ topic: 't', key: { id: 3 } } as unknown as SourceRecord]);
    const first = engine.watermark(close, 11);
    assert.deepEqual(first.map((r) => r.position), ['P11:k0001', 'P11:k0002', 'P11:k0004'], 'key 3, streamed inside the second chunk, is the stream\'s');
    assert.equal(engine.progress()?.current?.chunks, 2);
    await until(() => dialect.marks.length === 4);
    engine.watermark(dialect.marks[2], 12);
    const rest = engine.watermark(dialect.marks[3], 13);
    assert.deepEqual(rest.map((r) => r.position), ['P13:k0005', 'P13:k0006', 'P13:k0007'], 'the second window: one whole chunk and the table\'s tail');
    assert.equal(dialect.marks[3].complete, true);
    assert.equal(engine.active, false);
  });

  it('parallel: a crash with two chunks in flight resumes them under the same window and emits every row once, at the positions of the first run', async () => {
    const dialect = fakeDialect([1, 2, 3, 4, 5, 6, 7]);
    const first = new IncrementalSnapshots({ dialect, chunkSize: 2, threads: 2, logger: silent, metrics, setProgress: () => undefined, signal: new AbortController().signal }, null);
    first.replayOver();
    first.handle('s1', 'execute-snapshot', { 'data-collections': ['db.t'] });
    await until(() => dialect.marks.length === 2);
    const [open, close] = dialect.marks;
    first.watermark(open, 10);
    // a streamed record inside the window: its offset is where the restart starts
    const [inside] = first.stamp([{ topic: 't', key: { id: 9 }, sourceOffset: { at: 10 } } as unknown as SourceRecord]);
    const emitted = first.watermark(close, 11).map((r) => r.position);
    await first.stop();
    // killed before any of the chunk's rows was committed: the restart replays the window
    const again = fakeDialect([1, 2, 3, 4, 5, 6, 7]);
    const second = new IncrementalSnapshots({ dialect: again, chunkSize: 2, threads: 2, logger: silent, metrics, setProgress: () => undefined, signal: new AbortController().signal }, inside.sourceOffset);
    await second.prepare();
    second.watermark(open, 10);
    await second.pending(close);
    const replayed = second.watermark(close, 11);
    assert.deepEqual(replayed.map((r) => r.position), emitted, 'the same rows at the same positions');
    assert.deepEqual(emitted, ['P11:k0001', 'P11:k0002', 'P11:k0003', 'P11:k0004']);
    assert.equal(again.marks.length, 0, 'nothing new during the replay');
    second.replayOver();
    await until(() => again.marks.length === 2);
    assert.deepEqual(again.marks[0].after, ['4'], 'then the chunks after the window');
    second.watermark(again.marks[0], 12);
    assert.deepEqual(second.watermark(again.marks[1], 13).map((r) => r.position), ['P13:k0005', 'P13:k0006', 'P13:k0007']);
    assert.equal(second.active, false);
  });

  it('snapshot.max.rows.per.second: reads wait so the rows stay at the rate; table gauges are published', async () => {
    const dialect = fakeDialect([1, 2, 3, 4, 5, 6]);
    let now = 0;
    const sleeps: number[] = [];
    const clock = { now: () => now, sleep: async (ms: number) => { sleeps.push(ms); now += ms; } };
    const gauges = new Map<string, number>();
    const seen = { ...metrics, setGauge: (name: string, _h: string, value: number, labels?: Record<string, string>) => void gauges.set(`${name}{${labels?.table}}`, value) };
    const engine = new IncrementalSnapshots({ dialect, chunkSize: 2, maxRowsPerSecond: 4, clock, logger: silent, metrics: seen, setProgress: () => undefined, signal: new AbortController().signal }, null);
    engine.replayOver();
    engine.handle('s1', 'execute-snapshot', { 'data-collections': ['db.t'] });
    for (let n = 2; n <= 6; n += 2) {
      await until(() => dialect.marks.length === n);
      engine.watermark(dialect.marks[n - 2], n);
      engine.watermark(dialect.marks[n - 1], n + 1);
    }
    assert.deepEqual(sleeps, [500, 500], '2 rows at 4 rows/s: half a second before each next chunk');
    assert.equal(gauges.get('fake_incremental_snapshot_table_rows{db.t}'), 6);
    assert.equal(gauges.get('fake_incremental_snapshot_table_chunks_done{db.t}'), 3);
    assert.equal(gauges.get('fake_incremental_snapshot_table_chunks_total{db.t}'), 3);
  });
});

describe('blocking snapshot signals (routed by the engine)', () => {
  it('go to the source\'s `blocking` with the captured tables and filters; refused without one, and while an incremental snapshot runs', async () => {
    const blocked: { collections: readonly string[]; conditions: ReadonlyMap<string, string> }[] = [];
    const errors: string[] = [];
    const logger = { ...silent, error: (_: unknown, message: string) => void errors.push(message) };
    const engine = new IncrementalSnapshots({ dialect: fakeDialect(), chunkSize: 2, logger, metrics, setProgress: () => undefined, signal: new AbortController().signal, blocking: (s) => void blocked.push(s) }, null);
    engine.handle('b1', 'execute-snapshot', { 'data-collections': ['db.t', 'db.other'], type: 'blocking', 'additional-conditions': [{ 'data-collection': 'db.t', filter: 'id > 2' }] });
    assert.equal(blocked.length, 1);
    assert.deepEqual(blocked[0].collections, ['db.t'], 'only the captured table');
    assert.equal(blocked[0].conditions.get('db.t'), 'id > 2');
    assert.equal(engine.active, false, 'no incremental snapshot started');

    engine.handle('s1', 'execute-snapshot', { 'data-collections': ['db.t'] });
    engine.handle('b2', 'execute-snapshot', { 'data-collections': ['db.t'], type: 'blocking' });
    assert.equal(blocked.length, 1, 'refused while the incremental one runs');
    assert.match(errors.join('\n'), /while an incremental snapshot runs/);
    await engine.stop();

    const without = new IncrementalSnapshots({ dialect: fakeDialect(), chunkSize: 2, logger, metrics, setProgress: () => undefined, signal: new AbortController().signal }, null);
    without.handle('b3', 'execute-snapshot', { 'data-collections': ['db.t'], type: 'blocking' });
    assert.match(errors.join('\n'), /does not take blocking snapshots/);
    assert.equal(without.active, false);
  });
});
