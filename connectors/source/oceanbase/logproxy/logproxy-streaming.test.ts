import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { SourceRecord } from '../../../../plugins/api/index.js';
import type { SourceTaskDriver } from '../../../../plugins/testing/index.js';
import { FakeLogProxy, type FakeTransaction } from '../test/fake-log-proxy.js';
import { passwordHash } from './log-proxy-protocol.js';
import { driverFor, oracleConfig, ordersShape, staticDeps } from '../test/fake-setup.js';

type Envelope = { op: string; before: Record<string, unknown> | null; after: Record<string, unknown> | null; source: Record<string, unknown> };
const fields = [
  { name: 'ID', type: 246, primaryKey: true }, { name: 'NAME', type: 15, primaryKey: false },
  { name: 'QTY', type: 246, primaryKey: false }, { name: 'UPDATED_AT', type: 0xc8, primaryKey: false },
];
const base = Math.floor(Date.now() / 1000);
const tx = (n: number, rows: FakeTransaction['rows'], ts = base + n): FakeTransaction => ({ ts, id: `tx-${n}`, rows });
const ins = (id: number, name: string, qty: string) => ({ op: 'INSERT' as const, table: 'ORDERS', after: [String(id), name, qty, '2024-05-06 07:08:09.123456000 +08:00'] });

function config(fake: FakeLogProxy, overrides: Record<string, string> = {}) {
  return oracleConfig({
    'capture.mode': 'logproxy', 'logproxy.host': '127.0.0.1', 'logproxy.port': String(fake.port), 'rootserver.list': '127.0.0.1:2882:2881',
    'logproxy.user': 'root@sys', 'logproxy.password': 'lp-secret', 'reconnect.backoff.initial.ms': '50', 'reconnect.backoff.max.ms': '500', ...overrides,
  });
}

const changes = (d: SourceTaskDriver) => d.changes().map((r) => r.value as Envelope);
const positionsUnique = (records: readonly SourceRecord[]) => {
  const seen = new Set<string>();
  for (const r of records) {
    assert.ok(!seen.has(r.id), `id ${r.id} delivered twice`);
    seen.add(r.id);
  }
};

describe('capture.mode=logproxy against the fake Log Proxy', () => {
  let fake: FakeLogProxy;
  // a Log Proxy of its own per test: a fresh stream replays every transaction from its start second
  beforeEach(async () => {
    fake = await FakeLogProxy.start({ user: 'root@sys', password: 'lp-secret', tenant: 'ora_t', schema: 'INVENTORY', tables: { ORDERS: fields }, heartbeatMs: 100 });
  });
  afterEach(async () => fake.stop());

  test('insert, update (before and after) and delete reach the records within 5 s, grouped by transaction, with unique ids', async () => {
    const d = driverFor(staticDeps([ordersShape]), config(fake));
    await d.start();
    try {
      await d.pollUntil(() => fake.connections > 0 && fake.handshakes.length > 0, 5_000, 'the handshake');
      const hs = fake.handshakes.at(-1)!;
      assert.equal(hs.config.get('cluster_password'), passwordHash('lp-secret'), 'the password travels as its SHA-1 hash');
      assert.equal(hs.request.id, 'tributary-ob');
      assert.equal(hs.config.get('tb_white_list'), 'ora_t.INVENTORY.ORDERS');
      const started = Date.now();
      fake.commit(tx(1, [ins(1, 'apple', '2.50'), ins(2, 'pear', '1')]));
      fake.commit(tx(2, [{ op: 'UPDATE', table: 'ORDERS', before: ['1', 'apple', '2.50', null], after: ['1', 'apple', '3.75', null] }]));
      fake.commit(tx(3, [{ op: 'DELETE', table: 'ORDERS', before: ['2', 'pear', '1', null] }]));
      await d.pollUntil(() => changes(d).length >= 4, 5_000, 'insert, update and delete');
      assert.ok(Date.now() - started < 5_000);
      const [c1, c2, u, del] = changes(d);
      assert.deepEqual([c1.op, c2.op, u.op, del.op], ['c', 'c', 'u', 'd']);
      assert.deepEqual(c1.after, { ID: 1, NAME: 'apple', QTY: '2.50', UPDATED_AT: '2024-05-06T07:08:09.123456+08:00' });
      assert.equal(u.before!.QTY, '2.50');
      assert.equal(u.after!.QTY, '3.75');
      assert.equal(del.before!.ID, 2);
      assert.equal(c1.source.txId, 'tx-1');
      assert.equal(c2.source.txId, 'tx-1', 'both inserts belong to one transaction');
      positionsUnique(d.records);
      const positions = d.changes().map((r) => r.position);
      assert.deepEqual([...positions].sort(), positions, 'positions sort in stream order');
    } finally {
      await d.stop();
    }
  });

  test('heartbeats: while idle, heartbeat records carry the advancing checkpoint as offset; the SQL connection gets heartbeat queries', async () => {
    const d = driverFor(staticDeps([ordersShape]), config(fake, { 'heartbeat.interval.ms': '100' }));
    await d.start();
    try {
      await d.pollUntil((r) => r.filter((x) => x.topic.startsWith('__debezium-heartbeat')).length >= 1, 5_000, 'a heartbeat record');
      const hb = d.records.find((x) => x.topic === '__debezium-heartbeat.ob')!;
      assert.equal(hb.sourceOffset.mode, 'logproxy');
      assert.equal(hb.sourceOffset.idx, -1);
      assert.ok(Number(hb.sourceOffset.ts) >= base);
      await d.pollUntil(() => (d.gauges.get('oceanbase_heartbeat_queries_total') ?? 0) >= 1, 5_000, 'a heartbeat query on the SQL connection');
    } finally {
      await d.stop();
    }
  });

  test('a dropped connection is re-established within 30 s and resumes from the checkpoint without duplicates', async () => {
    const d = driverFor(staticDeps([ordersShape]), config(fake));
    await d.start();
    try {
      await d.pollUntil(() => fake.connections > 0, 5_000, 'connected');
      const handshakes = fake.handshakes.length;
      fake.commit(tx(10, [ins(10, 'a', '1'), ins(11, 'b', '1')]));
      await d.pollUntil(() => changes(d).length >= 2, 5_000, 'first transaction');
      const dropped = Date.now();
      fake.dropAll();
      // committed while the connection is down: only the replay from the checkpoint brings it
      fake.commit(tx(11, [ins(12, 'c', '1')], base + 10));
      await d.pollUntil(() => changes(d).length >= 3, 30_000, 'the transaction after the drop');
      assert.ok(Date.now() - dropped < 30_000, 'reconnected within 30 s');
      assert.ok(fake.handshakes.length > handshakes);
      assert.equal(fake.handshakes.at(-1)!.config.get('first_start_timestamp'), String(base + 10), 'resumes at the last transaction\'s second');
      assert.deepEqual(changes(d).map((c) => c.after!.ID), [10, 11, 12], 'the replayed second (tx-10 again) was dropped');
      positionsUnique(d.records);
      assert.equal(d.degraded, null, 'healthy again');
    } finally {
      await d.stop();
    }
  });

  test('a restart from a stored offset inside a transaction skips exactly what was handed on (kill -9 of the worker)', async () => {
    fake.commit(tx(20, [ins(20, 'x', '1'), ins(21, 'y', '1'), ins(22, 'z', '1')]));
    const first = driverFor(staticDeps([ordersShape]), config(fake), { mode: 'logproxy', ts: base + 19, idx: -1, seq: 0, tx: null });
    await first.start();
    await first.pollUntil(() => first.changes().some((r) => (r.value as Envelope).after?.ID === 21), 5_000, 'two records of tx-20');
    const upTo = first.changes().findIndex((r) => (r.value as Envelope).after?.ID === 21);
    const stored = first.changes()[upTo].sourceOffset;
    await first.stop();
    const second = driverFor(staticDeps([ordersShape]), config(fake), stored);
    await second.start();
    try {
      await second.pollUntil(() => second.changes().length >= 1, 5_000, 'the rest of tx-20');
      assert.deepEqual(second.changes().map((r) => (r.value as Envelope).after!.ID), [22]);
      assert.equal(second.changes()[0].position > first.changes()[upTo].position, true);
    } finally {
      await second.stop();
    }
  });

  test('an idle stream (no heartbeat within logproxy.idle.timeout.ms) is reconnected', async () => {
    const d = driverFor(staticDeps([ordersShape]), config(fake, { 'logproxy.idle.timeout.ms': '600' }));
    await d.start();
    try {
      await d.pollUntil(() => fake.connections > 0, 5_000, 'connected');
      const handshakes = fake.handshakes.length;
      fake.silent = true;
      await d.pollUntil(() => fake.handshakes.length > handshakes, 10_000, 'a reconnect after the idle timeout');
      assert.ok(d.logs.some((l) => /sent nothing for 600 ms/.test(l)), 'the idle reconnect is logged');
    } finally {
      fake.silent = false;
      await d.stop();
    }
  });

  test('an error response (wrong password hash) fails the task with source.setup_required', async () => {
    const d = driverFor(staticDeps([ordersShape]), config(fake, { 'logproxy.password': 'wrong' }));
    await d.start();
    try {
      await assert.rejects(d.pollUntil(() => false, 5_000, 'failure'), (e: Error & { code?: string }) => e.code === 'source.setup_required' && /auth failed/.test(e.message));
    } finally {
      await d.stop();
    }
  });
});
