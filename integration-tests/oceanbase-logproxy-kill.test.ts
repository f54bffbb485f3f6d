import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { FakeLogProxy, type FakeRow } from '../connectors/source/oceanbase/test/fake-log-proxy.js';
import { tempDir } from './harness/temp.js';
import { eventually, startWorkerProcess, writeProperties, type WorkerProcess } from './harness/worker-process.js';

/**
 * Issue 15's "kill -9 of the worker" for capture.mode=logproxy: a worker process captures from the
 * fake Log Proxy (in this test's process, so it outlives the worker) into the files sink (JSON),
 * and is killed with SIGKILL at random moments, five times, while the fake streams transactions
 * of one to three row changes (several per second: the resume inside a second by `idx` is what is
 * exercised) with heartbeats in between; each time it is started again at once, and the
 * transactions committed while it was down come in the replay from the checkpoint. Then every
 * row change is in the lake exactly once: as many lines as changes, no position twice, and per
 * key the latest state is the database's.
 *
 * The worker runs the OceanBase connector with a fixed catalog (test/static-catalog-plugin.ts):
 * logproxy mode reads table shapes from the database, and no OceanBase exists here.
 */
const PLUGIN = fileURLToPath(new URL('../connectors/source/oceanbase/test/static-catalog-plugin.ts', import.meta.url));
const FIELDS = [
  { name: 'ID', type: 246, primaryKey: true }, { name: 'NAME', type: 15, primaryKey: false },
  { name: 'QTY', type: 246, primaryKey: false }, { name: 'UPDATED_AT', type: 0xc8, primaryKey: false },
];

type Line = { __op: string; __source_pos: string; ID: number; NAME: string | null; QTY: string | number | null };

function lakeLines(root: string): Line[] {
  const out: Line[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.json')) out.push(...readFileSync(path, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Line));
    }
  };
  try { walk(root); } catch { /* nothing landed yet */ }
  return out;
}

/** A deterministic pseudo-random sequence (the kills and the load vary, a failure can be rerun). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

let fake: FakeLogProxy;
const dir = tempDir('ob-logproxy-kill');
before(async () => {
  fake = await FakeLogProxy.start({ user: 'root@sys', password: 'lp-secret', tenant: 'ora_t', schema: 'INVENTORY', tables: { ORDERS: FIELDS }, heartbeatMs: 200 });
});
after(async () => {
  await fake.stop();
  dir.remove();
});

test('kill -9 of the worker five times while Log Proxy streams: every transaction lands exactly once', { timeout: 300_000 }, async () => {
  const seed = Number(process.env.OB_KILL_SEED ?? Date.now() % 100_000);
  const rnd = random(seed);
  const lake = join(dir.path, 'lake');
  const source = writeProperties(join(dir.path, 'source.properties'), {
    name: 'ob', 'connector.class': 'oceanbase-static-catalog', 'database.compatibility.mode': 'oracle', 'capture.mode': 'logproxy',
    'database.hostname': '127.0.0.1', 'database.port': '2881', 'database.user': 'inventory', 'database.password': 'secret',
    'database.tenant': 'ora_t', 'database.dbname': 'INVENTORY', 'topic.prefix': 'ob', 'snapshot.mode': 'no_data',
    'logproxy.host': '127.0.0.1', 'logproxy.port': String(fake.port), 'rootserver.list': '127.0.0.1:2882:2881',
    'logproxy.user': 'root@sys', 'logproxy.password': 'lp-secret', 'heartbeat.interval.ms': '500',
    'reconnect.backoff.initial.ms': '100', 'reconnect.backoff.max.ms': '1000', 'poll.interval.ms': '100',
  });
  const sink = writeProperties(join(dir.path, 'sink.properties'), {
    name: 'lake', 'connector.class': 'files', 'topics.regex': 'ob\\..*', 'store.url': `file://${lake}`, format: 'json',
    'flush.size': '25', 'rotate.interval.ms': '1000',
  });
  const props = { 'plugin.path': PLUGIN, 'offset.flush.interval.ms': '300' };
  const start = () => startWorkerProcess(dir.path, props, [sink, source], { timeoutMs: 90_000 });
  let worker: WorkerProcess = await start();

  // the database: key → row, and every change made, in commit order
  const rows = new Map<number, { name: string; qty: string }>();
  let changes = 0;
  let txNo = 0;
  const commitOne = () => {
    const out: FakeRow[] = [];
    const n = 1 + Math.floor(rnd() * 3);
    for (let i = 0; i < n; i++) {
      const id = 1 + Math.floor(rnd() * 60);
      const row = rows.get(id);
      const image = (r: { name: string; qty: string }) => [String(id), r.name, r.qty, null];
      if (out.some((o) => (o.after ?? o.before)?.[0] === String(id))) continue; // one change per key and transaction
      if (!row) {
        const next = { name: `n${txNo}`, qty: `${txNo}.50` };
        rows.set(id, next);
        out.push({ op: 'INSERT', table: 'ORDERS', after: image(next) });
      } else if (rnd() < 0.2) {
        rows.delete(id);
        out.push({ op: 'DELETE', table: 'ORDERS', before: image(row) });
      } else {
        const next = { name: row.name, qty: `${txNo}.25` };
        rows.set(id, next);
        out.push({ op: 'UPDATE', table: 'ORDERS', before: image(row), after: image(next) });
      }
    }
    changes += out.length;
    fake.commit({ ts: Math.floor(Date.now() / 1000), id: `tx-${++txNo}`, rows: out });
  };

  try {
    await eventually(() => (fake.connections > 0 ? true : undefined), 60_000, 'the worker connected to Log Proxy');
    // a load of ~25 transactions a second, on while the worker is killed and started again
    let loading = true;
    const load = (async () => {
      while (loading) {
        commitOne();
        await new Promise((r) => setTimeout(r, 20 + rnd() * 40));
      }
    })();
    const kills: string[] = [];
    for (let k = 0; k < 5; k++) {
      const wait = 300 + rnd() * 4_700; // from just after the start (before the first offset commit) to mid-stream
      await new Promise((r) => setTimeout(r, wait));
      const landed = lakeLines(lake).length;
      await worker.kill('SIGKILL');
      kills.push(`after ${Math.round(wait)} ms (${changes} changes made, ${landed} in the lake)`);
      if (rnd() < 0.5) await new Promise((r) => setTimeout(r, rnd() * 2_000)); // down a while
      worker = await start();
    }
    await new Promise((r) => setTimeout(r, 2_000));
    loading = false;
    await load;
    console.log(`# seed ${seed}: ${txNo} transactions, ${changes} row changes; killed ${kills.join(', ')}`);

    await eventually(() => (lakeLines(lake).length >= changes ? true : undefined), 60_000, `${changes} changes in the lake`);
    await new Promise((r) => setTimeout(r, 1_500)); // anything more would be a duplicate
    const lines = lakeLines(lake);
    const positions = new Map<string, number>();
    for (const l of lines) positions.set(l.__source_pos, (positions.get(l.__source_pos) ?? 0) + 1);
    const twice = [...positions].filter(([, n]) => n > 1).map(([p, n]) => `${p} ×${n}`);
    assert.deepEqual(twice, [], `no position twice (seed ${seed})`);
    assert.equal(lines.length, changes, `every change once (seed ${seed})`);
    // the latest state per key, in position order (the source's order)
    const latest = new Map<number, Line>();
    for (const l of [...lines].sort((a, b) => (a.__source_pos < b.__source_pos ? -1 : 1))) latest.set(Number(l.ID), l);
    for (const [id, l] of latest) {
      const row = rows.get(id);
      if (l.__op === 'd') assert.equal(row, undefined, `key ${id} deleted (seed ${seed})`);
      // QTY is NUMBER(10,2): an exact JSON number in the lake (1026.5 for '1026.50')
      else assert.deepEqual({ name: l.NAME, qty: Number(l.QTY) }, row && { name: row.name, qty: Number(row.qty) }, `key ${id}'s latest state (seed ${seed})`);
    }
    for (const id of rows.keys()) assert.ok(latest.has(id), `key ${id} in the lake (seed ${seed})`);
  } catch (error) {
    throw new Error(`${(error as Error).message}\nworker log:\n${worker.stderr().split('\n').slice(-20).join('\n')}`);
  } finally {
    await worker.kill('SIGKILL');
  }
});
