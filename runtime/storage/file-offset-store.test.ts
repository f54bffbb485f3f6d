import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TributaryError, type Logger } from '../../plugins/api/index.js';
import { FileOffsetStore } from './file-offset-store.js';
import type { OffsetChange } from './offset-store.js';

/** A logger that keeps what was logged. */
function captureLogger(): Logger & { warnings: { obj: object | string; msg?: string }[] } {
  const warnings: { obj: object | string; msg?: string }[] = [];
  return { warnings, debug() {}, info() {}, error() {}, warn: (obj, msg) => void warnings.push({ obj, msg }) };
}

const golden = new URL('./test/fixtures/offsets-golden.json', import.meta.url);
const goldenV1 = new URL('./test/fixtures/offsets-golden-v1.json', import.meta.url);

/** The body the golden file pins: both source and sink sections, odd characters included. */
const goldenChanges: { source: OffsetChange[]; sinkBounds: Map<string, Map<string, string>> } = {
  source: [
    { connector: 'shop-pg', partition: { server: 'shop' }, offset: { lsn: '0/16B3748', txId: 771, snapshot: false, lsn_proc: null } },
    { connector: 'orders gen', partition: { datagen: 'orders/eu' }, offset: { seq: 10 } },
  ],
  // durable bounds: "through 10" (inclusive) and "before 3" (exclusive)
  sinkBounds: new Map([['lake', new Map([['orders\u0000shop-pg', '00000000000000000010\u0000'], ['dlq\u0000shop-pg>lake', '00000000000000000003']])]]),
};

/** The golden body in two writes, as the commit cycle makes them: sink bounds, then source offsets. */
async function writeGolden(store: FileOffsetStore): Promise<void> {
  await store.setSinkBounds(goldenChanges.sinkBounds);
  await store.set(goldenChanges.source);
}

describe('FileOffsetStore', () => {
  let root: string;
  let n = 0;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'tributary-offsets-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  /** A fresh offsets path in its own folder (created by load). */
  const freshPath = () => join(root, `case-${++n}`, 'state', 'connect.offsets');

  async function open(path: string, logger: Logger = captureLogger()): Promise<FileOffsetStore> {
    const store = new FileOffsetStore(path, logger);
    await store.start();
    return store;
  }

  const generationOf = (file: string) => (JSON.parse(readFileSync(file, 'utf8')) as { generation: number }).generation;

  it('starts empty, creating the folder, when no file exists', async () => {
    const path = freshPath();
    const store = await open(path);
    assert.ok(existsSync(join(path, '..')));
    assert.equal((await store.get('x', { a: 1 })), null);
    assert.deepEqual((await store.connectorOffsets('x')), []);
    assert.deepEqual(store.sinkBounds('x'), new Map());
  });

  it('round-trips source offsets and sink positions through the file', async () => {
    const path = freshPath();
    await writeGolden(await open(path));
    const reloaded = await open(path);
    assert.deepEqual((await reloaded.get('shop-pg', { server: 'shop' })), { lsn: '0/16B3748', txId: 771, snapshot: false, lsn_proc: null });
    assert.deepEqual((await reloaded.connectorOffsets('orders gen')), [{ partition: { datagen: 'orders/eu' }, offset: { seq: 10 } }]);
    assert.equal((await reloaded.get('shop-pg', { server: 'other' })), null);
    assert.deepEqual(reloaded.sinkBounds('lake'), new Map([['orders\u0000shop-pg', '00000000000000000010\u0000'], ['dlq\u0000shop-pg>lake', '00000000000000000003']]));
    assert.deepEqual(reloaded.sinkBounds('unknown'), new Map());
  });

  it('keeps offsets in memory only without a path', async () => {
    const store = new FileOffsetStore(undefined, captureLogger());
    await store.start();
    await store.set([{ connector: 'c', partition: { p: 1 }, offset: { o: 2 } }]);
    assert.deepEqual((await store.get('c', { p: 1 })), { o: 2 });
  });

  it('keeps three generations (.1, .2) with increasing generation numbers and no temp file', async () => {
    const path = freshPath();
    const store = await open(path);
    for (let seq = 1; seq <= 4; seq++) await store.set([{ connector: 'c', partition: { p: 0 }, offset: { seq } }]);
    assert.deepEqual(readdirSync(join(path, '..')).sort(), ['connect.offsets', 'connect.offsets.1', 'connect.offsets.2']);
    assert.equal(generationOf(path), 4);
    assert.equal(generationOf(`${path}.1`), 3);
    assert.equal(generationOf(`${path}.2`), 2);
    const reloaded = await open(path);
    assert.deepEqual((await reloaded.get('c', { p: 0 })), { seq: 4 });
    await reloaded.set([]);
    assert.equal(generationOf(path), 5, 'a reloaded store continues the numbering');
  });

  /** Writes three generations: seq 1 (.2), 2 (.1), 3 (newest). */
  async function threeGenerations(): Promise<string> {
    const path = freshPath();
    const store = await open(path);
    for (let seq = 1; seq <= 3; seq++) await store.set([{ connector: 'c', partition: { p: 0 }, offset: { seq } }]);
    return path;
  }

  it('falls back to the previous generation when the newest is truncated, with a warning', async () => {
    const path = await threeGenerations();
    const text = readFileSync(path, 'utf8');
    writeFileSync(path, text.slice(0, text.length / 2));
    const logger = captureLogger();
    const store = await open(path, logger);
    assert.deepEqual((await store.get('c', { p: 0 })), { seq: 2 });
    assert.equal(logger.warnings.length, 1);
    const warning = logger.warnings[0].obj as { problems: string[]; using: string; generation: number };
    assert.equal(warning.using, `${path}.1`);
    assert.equal(warning.generation, 2);
    assert.deepEqual(warning.problems, [`${path}: not valid JSON (truncated or overwritten)`]);
    await store.set([{ connector: 'c', partition: { p: 0 }, offset: { seq: 9 } }]);
    assert.equal(generationOf(path), 3, 'the next write follows the generation it resumed from');
  });

  it('detects a flipped value in valid JSON by its checksum and falls back, with a warning', async () => {
    const path = await threeGenerations();
    const text = readFileSync(path, 'utf8');
    assert.ok(text.includes('"seq": 3'));
    writeFileSync(path, text.replace('"seq": 3', '"seq": 7'));
    const logger = captureLogger();
    const store = await open(path, logger);
    assert.deepEqual((await store.get('c', { p: 0 })), { seq: 2 });
    assert.equal(logger.warnings.length, 1);
    assert.deepEqual((logger.warnings[0].obj as { problems: string[] }).problems, [`${path}: checksum mismatch (the content was altered or partly written)`]);
  });

  it('falls back two generations when the two newest are unreadable', async () => {
    const path = await threeGenerations();
    writeFileSync(path, '');
    writeFileSync(`${path}.1`, JSON.stringify({ hello: 'world' }));
    const logger = captureLogger();
    const store = await open(path, logger);
    assert.deepEqual((await store.get('c', { p: 0 })), { seq: 1 });
    const warning = logger.warnings[0].obj as { problems: string[]; using: string };
    assert.equal(warning.using, `${path}.2`);
    assert.deepEqual(warning.problems, [`${path}: not valid JSON (truncated or overwritten)`, `${path}.1: not a Tributary offset file`]);
  });

  it('does not warn when the newest generation is readable', async () => {
    const path = await threeGenerations();
    writeFileSync(`${path}.2`, 'garbage');
    const logger = captureLogger();
    const store = await open(path, logger);
    assert.deepEqual((await store.get('c', { p: 0 })), { seq: 3 });
    assert.deepEqual(logger.warnings, []);
  });

  it('fails with offsets.corrupt when no generation is readable, never starting over silently', async () => {
    const path = await threeGenerations();
    for (const file of [path, `${path}.1`, `${path}.2`]) writeFileSync(file, readFileSync(file, 'utf8').replace('"seq"', '"SEQ"'));
    await assert.rejects(open(path), (e: unknown) => {
      assert.ok(e instanceof TributaryError);
      assert.equal(e.code, 'offsets.corrupt');
      assert.equal(e.retriable, false);
      assert.equal(e.details.length, 3);
      for (const d of e.details) assert.match(d, /: checksum mismatch/);
      assert.ok(e.message.includes(path));
      return true;
    });
  });

  it('uses a temp file holding a newer valid generation (a crash between the renames)', async () => {
    const path = await threeGenerations();
    // Write generation 4 elsewhere and leave it as the temp file of this store.
    const other = freshPath();
    const writer = await open(other);
    for (let seq = 1; seq <= 4; seq++) await writer.set([{ connector: 'c', partition: { p: 0 }, offset: { seq: seq * 100 } }]);
    copyFileSync(other, `${path}.tmp`);
    const logger = captureLogger();
    const store = await open(path, logger);
    assert.deepEqual((await store.get('c', { p: 0 })), { seq: 400 });
    await store.set([]);
    assert.equal(generationOf(path), 5);
  });

  it('ignores a temp file holding an older or a partly written generation', async () => {
    const path = await threeGenerations();
    copyFileSync(`${path}.2`, `${path}.tmp`);
    assert.deepEqual((await (await open(path)).get('c', { p: 0 })), { seq: 3 });
    writeFileSync(`${path}.tmp`, '{"format":"tributary-off');
    const logger = captureLogger();
    assert.deepEqual((await (await open(path, logger)).get('c', { p: 0 })), { seq: 3 });
    assert.deepEqual(logger.warnings, []);
  });

  it('resetSources removes every offset of a connector only; a null offset removes one partition', async () => {
    const path = freshPath();
    const store = await open(path);
    await store.set([
        { connector: 'a', partition: { t: 1 }, offset: { o: 1 } },
        { connector: 'a', partition: { t: 2 }, offset: { o: 2 } },
        { connector: 'b', partition: { t: 1 }, offset: { o: 3 } },
        { connector: 'b', partition: { t: 2 }, offset: { o: 4 } },
      ]);
    await store.set([{ connector: 'b', partition: { t: 2 }, offset: null }], { reset: ['a'] });
    const reloaded = await open(path);
    assert.deepEqual((await reloaded.connectorOffsets('a')), []);
    assert.deepEqual((await reloaded.connectorOffsets('b')), [{ partition: { t: 1 }, offset: { o: 3 } }]);
  });

  it('applies source offsets given with a reset after the reset', async () => {
    const store = await open(freshPath());
    await store.set([{ connector: 'a', partition: { t: 1 }, offset: { o: 1 } }]);
    await store.set([{ connector: 'a', partition: { t: 9 }, offset: { o: 9 } }], { reset: ['a'] });
    assert.deepEqual((await store.connectorOffsets('a')), [{ partition: { t: 9 }, offset: { o: 9 } }]);
  });

  it("replaces a sink connector's positions as a whole; null removes them", async () => {
    const path = freshPath();
    const store = await open(path);
    await store.setSinkBounds(new Map([['s1', new Map([['t\u0000a', '1'], ['t\u0000b', '2']])], ['s2', new Map([['t\u0000a', '5']])]]));
    await store.setSinkBounds(new Map([['s1', new Map([['t\u0000b', '3']])]]));
    let reloaded = await open(path);
    assert.deepEqual(reloaded.sinkBounds('s1'), new Map([['t\u0000b', '3']]));
    assert.deepEqual(reloaded.sinkBounds('s2'), new Map([['t\u0000a', '5']]));
    await reloaded.setSinkBounds(new Map([['s2', null]]));
    reloaded = await open(path);
    assert.deepEqual(reloaded.sinkBounds('s2'), new Map());
    assert.deepEqual(reloaded.sinkBounds('s1'), new Map([['t\u0000b', '3']]));
  });

  it('keeps the positions of sink connectors with any name, __proto__ included', async () => {
    const path = freshPath();
    const store = await open(path);
    const names = ['__proto__', 'constructor', 'toString', 'a b/c'];
    await store.setSinkBounds(new Map(names.map((n, i) => [n, new Map([[`t\u0000${n}`, String(i)]])])));
    const reloaded = await open(path);
    for (const [i, n] of names.entries()) assert.deepEqual(reloaded.sinkBounds(n), new Map([[`t\u0000${n}`, String(i)]]), n);
    assert.deepEqual(reloaded.sinkBounds('hasOwnProperty'), new Map());
  });

  it('lands overlapping commits in order', async () => {
    const path = freshPath();
    const store = await open(path);
    const commits = Array.from({ length: 6 }, (_, i) => store.set([{ connector: 'c', partition: { p: 0 }, offset: { seq: i + 1 } }, { connector: 'c', partition: { p: i + 1 }, offset: { seq: 0 } }]));
    await Promise.all(commits);
    assert.equal(generationOf(path), 6);
    assert.equal(generationOf(`${path}.1`), 5);
    assert.equal(generationOf(`${path}.2`), 4);
    const reloaded = await open(path);
    assert.deepEqual((await reloaded.get('c', { p: 0 })), { seq: 6 });
    assert.equal((await reloaded.connectorOffsets('c')).length, 7, 'every commit applied on top of the previous one');
    assert.ok(!existsSync(`${path}.tmp`));
  });

  it('writes the on-disk format the golden file pins', async () => {
    const path = freshPath();
    await writeGolden(await open(path));
    assert.equal(readFileSync(path, 'utf8'), readFileSync(golden, 'utf8'));
  });

  it('reads the golden file', async () => {
    const path = freshPath();
    await open(path);
    copyFileSync(golden, path);
    const store = await open(path);
    assert.deepEqual((await store.get('orders gen', { datagen: 'orders/eu' })), { seq: 10 });
    assert.equal(store.sinkBounds('lake').get('dlq\u0000shop-pg>lake'), '00000000000000000003');
    assert.equal(store.sinkBounds('lake').get('orders\u0000shop-pg'), '00000000000000000010\u0000');
  });

  it('reads a version 1 file: its last durable positions become the bounds just above them', async () => {
    const path = freshPath();
    await open(path);
    copyFileSync(goldenV1, path);
    const store = await open(path);
    assert.deepEqual((await store.get('orders gen', { datagen: 'orders/eu' })), { seq: 10 });
    assert.deepEqual(store.sinkBounds('lake'), new Map([['orders\u0000shop-pg', '00000000000000000010\u0000'], ['dlq\u0000shop-pg>lake', '00000000000000000003\u0000']]));
    await store.set([]);
    assert.equal((JSON.parse(readFileSync(path, 'utf8')) as { version: number }).version, 2, 'rewritten in the current version');
  });
});
