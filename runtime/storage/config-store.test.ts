import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { FileConfigStore, toStringMap, type StoredConnector } from './config-store.js';

describe('FileConfigStore', () => {
  let root: string;
  let n = 0;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'tributary-configs-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));
  const freshStateDir = () => join(root, `state-${++n}`);

  const orders: StoredConnector = { name: 'orders', config: { 'connector.class': 'datagen', topic: 'orders', 'database.password': '${env:PGPASSWORD}' }, targetState: 'RUNNING' };

  it('round-trips connectors through put and loadAll, sorted by file name', async () => {
    const dir = freshStateDir();
    const store = new FileConfigStore(dir);
    assert.deepEqual(store.loadAll(), []);
    await store.put(orders);
    await store.put({ name: 'audit', config: { 'connector.class': 'stdout', topics: 'orders' }, targetState: 'PAUSED' });
    const loaded = new FileConfigStore(dir).loadAll();
    assert.deepEqual(loaded, [{ name: 'audit', config: { 'connector.class': 'stdout', topics: 'orders' }, targetState: 'PAUSED' }, orders]);
    assert.ok(readFileSync(join(dir, 'connectors', 'orders.json'), 'utf8').includes('${env:PGPASSWORD}'), 'references are stored unresolved');
  });

  it('replaces a connector on a second put and forgets it on remove', async () => {
    const dir = freshStateDir();
    const store = new FileConfigStore(dir);
    await store.put(orders);
    await store.put({ ...orders, targetState: 'STOPPED' });
    assert.deepEqual(store.loadAll(), [{ ...orders, targetState: 'STOPPED' }]);
    await store.remove('orders');
    assert.deepEqual(store.loadAll(), []);
    await store.remove('orders');
    await store.remove('never-existed');
  });

  it('stores names with spaces, slashes, dots and unicode in their own files', async () => {
    const dir = freshStateDir();
    const store = new FileConfigStore(dir);
    const names = ['with space', 'a/b/../c', '../escape', '..', 'ünï 日本', 'a%2Fb'];
    for (const name of names) await store.put({ name, config: { 'connector.class': 'datagen' }, targetState: 'RUNNING' });
    const files = readdirSync(join(dir, 'connectors'));
    assert.equal(files.length, names.length);
    assert.ok(files.every((f) => !f.includes('/')));
    assert.deepEqual(new FileConfigStore(dir).loadAll().map((c) => c.name).sort(), [...names].sort());
    assert.ok(!existsSync(join(dir, 'escape.json')), 'nothing written outside connectors/');
    await store.remove('a/b/../c');
    assert.ok(!store.loadAll().some((c) => c.name === 'a/b/../c'));
    assert.equal(store.loadAll().length, names.length - 1);
  });

  it('ignores files that are not .json and leaves no temp file', async () => {
    const dir = freshStateDir();
    const store = new FileConfigStore(dir);
    await store.put(orders);
    writeFileSync(join(dir, 'connectors', 'notes.txt'), 'not a connector');
    assert.deepEqual(store.loadAll(), [orders]);
    assert.deepEqual(readdirSync(join(dir, 'connectors')).sort(), ['notes.txt', 'orders.json']);
  });

  // The stored form is persisted: pin it, and keep reading what earlier versions wrote.
  const golden = fileURLToPath(new URL('./test/fixtures/connector-config-golden.json', import.meta.url));
  const beforeOrigins = fileURLToPath(new URL('./test/fixtures/connector-config-before-origins.json', import.meta.url));

  it('writes the golden form: name, origin, target state, config', async () => {
    const dir = freshStateDir();
    const expected = JSON.parse(readFileSync(golden, 'utf8')) as StoredConnector;
    await new FileConfigStore(dir).put(expected);
    assert.equal(readFileSync(join(dir, 'connectors', `${encodeURIComponent(expected.name)}.json`), 'utf8'), readFileSync(golden, 'utf8'));
    assert.deepEqual(new FileConfigStore(dir).loadAll(), [expected]);
  });

  it('reads a config stored before origins were recorded, without an origin', () => {
    const dir = freshStateDir();
    mkdirSync(join(dir, 'connectors'), { recursive: true });
    copyFileSync(beforeOrigins, join(dir, 'connectors', 'audit.json'));
    const [audit] = new FileConfigStore(dir).loadAll();
    assert.equal(audit!.origin, undefined);
    assert.equal(audit!.targetState, 'STOPPED');
    assert.equal(audit!.config.topics, 'orders');
  });

  it('refuses an origin it does not know, naming the file', () => {
    const dir = freshStateDir();
    mkdirSync(join(dir, 'connectors'), { recursive: true });
    writeFileSync(join(dir, 'connectors', 'odd.json'), JSON.stringify({ name: 'odd', origin: { type: 'kafka' }, targetState: 'RUNNING', config: {} }));
    assert.throws(() => new FileConfigStore(dir).loadAll(), (e: Error & { code?: string }) => e.code === 'config.invalid' && /odd\.json has an unknown "origin"/.test(e.message));
  });

  it('keeps nothing without a state dir', async () => {
    const store = new FileConfigStore(undefined);
    await store.put(orders);
    await store.remove('orders');
    assert.deepEqual(store.loadAll(), []);
  });
});

describe('toStringMap', () => {
  it('turns every value into a string', () => {
    assert.deepEqual(toStringMap({ a: 'x', b: 1 as unknown as string }), { a: 'x', b: '1' });
  });
});
