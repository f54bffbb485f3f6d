import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { testConfig } from '../connectors/source/postgres/test/task-driver.js';
import { startEmbeddedWorker, type EmbeddedWorker } from '../cli/embedded-worker.js';
import { sharedPostgres, type PostgresServer } from './harness/postgres-server.js';
import { tempDir } from './harness/temp.js';
import { eventually } from './harness/worker-process.js';

// Checks "Decommissioning a connector" in docs/operations.md against a real server: what DELETE
// leaves behind, that the stop → reset offsets → delete order clears the offset file, and that
// the doc's SQL removes the slot and the publication.
let server: PostgresServer;
let worker: EmbeddedWorker;
const dir = tempDir('decommission');

before(async () => {
  server = await sharedPostgres();
  worker = await startEmbeddedWorker({ workerProps: { 'state.dir': join(dir.path, 'state'), 'offset.flush.interval.ms': '200' } });
});

after(async () => {
  await worker?.stop();
  dir.remove();
});

function offsetFile(): { source: Record<string, unknown>; sink: Record<string, Record<string, string>> } {
  return (JSON.parse(readFileSync(join(dir.path, 'state', 'connect.offsets'), 'utf8')) as { body: never }).body;
}

function landedFiles(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name);
}

test('decommissioning: DELETE leaves slot, publication and landed files; the documented recipe removes offsets, slot and publication', async () => {
  const db = await server.createDatabase('decommission');
  await server.query(db, 'CREATE TABLE orders (id int PRIMARY KEY, note text); INSERT INTO orders SELECT g, \'n\' || g FROM generate_series(1, 50) g');
  const source = testConfig(server.port, db, { 'connector.class': 'postgres', 'publication.autocreate.mode': 'filtered' });
  const lake = join(dir.path, 'lake');
  await worker.herder.putConnectorConfig('lake', { 'connector.class': 'files', topics: `${source['topic.prefix']}.public.orders`, 'store.url': `file://${lake}`, 'flush.size': '10', 'format.class': 'json' }, false);
  await worker.herder.putConnectorConfig('orders-cdc', source, false);
  await eventually(async () => {
    await worker.commitNow();
    const body = offsetFile();
    return Object.keys(body.source).some((k) => k.startsWith('["orders-cdc"')) && Object.keys(body.sink.lake ?? {}).length > 0 ? true : undefined;
  }, 30_000, 'offsets and sink positions to be committed');
  const slot = source['slot.name'];
  const publication = source['publication.name'];

  // The recipe: stop, reset offsets, delete — for the source and the sink.
  for (const name of ['orders-cdc', 'lake']) {
    await worker.herder.stopConnector(name);
    await worker.herder.resetConnectorOffsets(name);
    await worker.herder.deleteConnector(name);
  }
  await worker.commitNow();
  const body = offsetFile();
  assert.deepEqual(Object.keys(body.source).filter((k) => k.startsWith('["orders-cdc"')), [], 'no source offsets left');
  assert.deepEqual(body.sink.lake ?? {}, {}, 'no sink positions left');

  // What DELETE does not remove.
  assert.ok(landedFiles(join(lake, 'topics')).length >= 5, 'the landed files stay');
  const slots = await eventually(async () => {
    const rows = await server.query<{ active: boolean; retained: string | null }>(db, 'SELECT active, pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)) AS retained FROM pg_replication_slots WHERE slot_name = $1', [slot]);
    return rows.length === 1 && !rows[0].active ? rows : undefined;
  }, 10_000, 'the slot to be left, inactive');
  assert.equal(typeof slots[0].retained, 'string', 'the inactive slot retains WAL from its restart_lsn');
  assert.equal((await server.query(db, 'SELECT 1 FROM pg_publication WHERE pubname = $1', [publication])).length, 1, 'the publication stays');

  // The doc's SQL, with this connector's slot.name and publication.name.
  const doc = readFileSync(new URL('../docs/operations.md', import.meta.url), 'utf8');
  const section = doc.slice(doc.indexOf('## Decommissioning a connector'));
  const sql = /```sql\n([\s\S]*?)```/.exec(section)![1].replaceAll("'tributary'", `'${slot}'`).replaceAll('dbz_publication', publication);
  await server.query(db, sql);
  assert.deepEqual(await server.query(db, 'SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [slot]), []);
  assert.deepEqual(await server.query(db, 'SELECT 1 FROM pg_publication WHERE pubname = $1', [publication]), []);
});
