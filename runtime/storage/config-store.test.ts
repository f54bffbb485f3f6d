import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { FileConfigStore, toStringMap, type StoredConnector } from './config-store.js';

/** What a worker starting on `dir` finds. */
async function loadAll(dir: string): Promise<StoredConnector[]> {
  const store = new FileConfigStore(dir);
  await store.start();
  return store.connectors();
}

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
    assert.deepEqual(await loadAll(dir), []);
    await store.putConnector(orders);
    await store.putConnector({ name: 'audit', config: { 'connector.class': 'stdout', topics: 'orders' }, targetState: 'PAUSED' });
    const loaded = await loadAll(dir);
    assert.deepEqual(loaded, [{ name: 'audit', config: { 'connector.class': 'stdout', topics: 'orders' }, targetState: 'PAUSED' }, orders]);
    assert.ok(readFileSync(join(dir, 'connectors', 'orders.json'), 'utf8').includes('${env:PGPASSWORD}'), 'references are stored unresolved');
  });

  it('replaces a connector on a second put and forgets it on remove', async () => {
    const dir = freshStateDir();
    const store = new FileConfigStore(dir);
    await store.putConnector(orders);
    await store.putConnector({ ...orders, targetState: 'STOPPED' });
    assert.deepEqual(await loadAll(dir), [{ ...orders, targetState: 'STOPPED' }]);
    await store.removeConnector('orders');
    assert.deepEqual(await loadAll(dir), []);
    await store.removeConnector('orders');
    await store.removeConnector('never-existed');
  });

  it('stores names with spaces, slashes, dots and unicode in their own files', async () => {
    const dir = freshStateDir();
    const store = new FileConfigStore(dir);
    const names = ['with space', 'a/b/../c', '../escape', '..', 'ünï 日本', 'a%2Fb'];
    for (const name of names) await store.putConnector({ name, config: { 'connector.class': 'datagen' }, targetState: 'RUNNING' });
    const files = readdirSync(join(dir, 'connectors'));
    assert.equal(files.length, names.length);
    assert.ok(files.every((f) => !f.includes('/')));
    assert.deepEqual((await loadAll(dir)).map((c) => c.name).sort(), [...names].sort());
    assert.ok(!existsSync(join(dir, 'escape.json')), 'nothing written outside connectors/');
    await store.removeConnector('a/b/../c');
    assert.ok(!(await loadAll(dir)).some((c) => c.name === 'a/b/../c'));
    assert.equal((await loadAll(dir)).length, names.length - 1);
  });

  it('ignores files that are not .json and leaves no temp file', async () => {
    const dir = freshStateDir();
    const store = new FileConfigStore(dir);
    await store.putConnector(orders);
    writeFileSync(join(dir, 'connectors', 'notes.txt'), 'not a connector');
    assert.deepEqual(await loadAll(dir), [orders]);
    assert.deepEqual(readdirSync(join(dir, 'connectors')).sort(), ['notes.txt', 'orders.json']);
  });

  // The stored form is persisted: pin it, and keep reading what earlier versions wrote.
  const golden = fileURLToPath(new URL('./test/fixtures/connector-config-golden.json', import.meta.url));
  const beforeOrigins = fileURLToPath(new URL('./test/fixtures/connector-config-before-origins.json', import.meta.url));

  it('writes the golden form: name, origin, target state, config', async () => {
    const dir = freshStateDir();
    const expected = JSON.parse(readFileSync(golden, 'utf8')) as StoredConnector;
    await new FileConfigStore(dir).putConnector(expected);
    assert.equal(readFileSync(join(dir, 'connectors', `${encodeURIComponent(expected.name)}.json`), 'utf8'), readFileSync(golden, 'utf8'));
    assert.deepEqual(await loadAll(dir), [expected]);
  });

  it('reads a config stored before origins were recorded, without an origin', async () => {
    const dir = freshStateDir();
    mkdirSync(join(dir, 'connectors'), { recursive: true });
    copyFileSync(beforeOrigins, join(dir, 'connectors', 'audit.json'));
    const [audit] = await loadAll(dir);
    assert.equal(audit!.origin, undefined);
    assert.equal(audit!.targetState, 'STOPPED');
    assert.equal(audit!.config.topics, 'orders');
  });

  it('refuses an origin it does not know, naming the file', async () => {
    const dir = freshStateDir();
    mkdirSync(join(dir, 'connectors'), { recursive: true });
    writeFileSync(join(dir, 'connectors', 'odd.json'), JSON.stringify({ name: 'odd', origin: { type: 'kafka' }, targetState: 'RUNNING', config: {} }));
    await assert.rejects(loadAll(dir), (e: Error & { code?: string }) => e.code === 'config.invalid' && /odd\.json has an unknown "origin"/.test(e.message));
  });

  it('keeps nothing on disk without a state dir', async () => {
    const store = new FileConfigStore(undefined);
    await store.start();
    await store.putConnector(orders);
    assert.deepEqual(store.connectors(), [orders], 'in memory');
    await store.removeConnector('orders');
    assert.deepEqual(store.connectors(), []);
    assert.equal(store.location, undefined);
  });

  it('keeps task configs in memory and reports every change', async () => {
    const store = new FileConfigStore(freshStateDir());
    await store.start();
    const changes: string[] = [];
    store.onChange((c) => changes.push(`${c.kind}:${c.name}`));
    await store.putConnector(orders);
    await store.putTaskConfigs('orders', [{ 'task.id': '0' }]);
    assert.deepEqual(store.taskConfigs('orders'), [{ 'task.id': '0' }]);
    await store.removeConnector('orders');
    assert.equal(store.taskConfigs('orders'), undefined);
    assert.deepEqual(changes, ['connector:orders', 'tasks:orders', 'removed:orders']);
  });
});

describe('toStringMap', () => {
  it('turns every value into a string', () => {
    assert.deepEqual(toStringMap({ a: 'x', b: 1 as unknown as string }), { a: 'x', b: '1' });
  });
});
