import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Schemas, toJsonText } from '../../../plugins/api/index.js';
import { datagenEvent, datagenRow, datagenValueSchema, hash32, type DatagenOptions, type DatagenRow } from './datagen-rows.js';

const cdc: DatagenOptions = { topic: 'orders', keys: 25, ops: 'cdc', seed: 42, tsStartMs: 1767225600000, tsStepMs: 1 };
const insert: DatagenOptions = { ...cdc, ops: 'insert' };

describe('datagen rows', () => {
  it('are deterministic: the same seed gives the same events, another seed others', () => {
    const run = (o: DatagenOptions) => Array.from({ length: 200 }, (_, i) => datagenEvent(i + 1, o));
    assert.deepEqual(run(cdc), run({ ...cdc }));
    assert.notDeepEqual(run(cdc), run({ ...cdc, seed: 43 }));
    assert.equal(hash32(42, 7), hash32(42, 7));
    assert.notEqual(hash32(42, 7), hash32(42, 7, 1));
    assert.notEqual(hash32(42, 2 ** 32 + 7), hash32(42, 7), 'the high bits of n count');
  });

  it('insert mode creates every seq as its own key', () => {
    for (const seq of [1, 2, 99, 10_000]) {
      const e = datagenEvent(seq, insert);
      assert.equal(e.op, 'c');
      assert.deepEqual(e.key, { id: seq });
      assert.equal(e.before, null);
      assert.deepEqual(e.after, datagenRow(seq, seq, insert));
      assert.equal(e.after!.id, seq);
      assert.equal(e.after!.seq, seq);
    }
  });

  it('record time is ts.start.ms + seq × ts.step.ms', () => {
    const o = { ...cdc, tsStartMs: 1_000_000, tsStepMs: 250 };
    assert.equal(datagenEvent(8, o).tsMs, 1_002_000);
    assert.equal(datagenEvent(8, { ...insert, tsStartMs: 1_000_000, tsStepMs: 250 }).after!.created_at, new Date(1_002_000).toISOString());
    assert.equal(datagenRow(1, 8, o).created_at, '1970-01-01T00:16:42.000Z');
    assert.equal(datagenRow(1, 8, { ...o, tsStartMs: 1767225600000 }).day, 20454);
  });

  for (const options of [cdc, { ...cdc, keys: 1, seed: 7 }, { ...cdc, keys: 97, seed: -5 }]) {
    it(`cdc mode replays into exact images (keys=${options.keys}, seed=${options.seed})`, () => {
      const n = options.keys * 9 + 3;
      const table = new Map<number, DatagenRow>();
      const deleted = new Set<number>();
      const ops = { c: 0, u: 0, d: 0 };
      for (let seq = 1; seq <= n; seq++) {
        const e = datagenEvent(seq, options);
        const id = e.key.id;
        assert.equal(id, ((seq - 1) % options.keys) + 1, `seq ${seq}: key cycles through 1..keys`);
        assert.equal(e.tsMs, options.tsStartMs + seq * options.tsStepMs);
        const previous = table.get(id);
        switch (e.op) {
          case 'c':
            assert.equal(previous, undefined, `seq ${seq}: create of a key that exists`);
            assert.equal(e.before, null);
            assert.notEqual(e.after, null);
            deleted.delete(id);
            table.set(id, e.after!);
            break;
          case 'u':
            assert.notEqual(previous, undefined, `seq ${seq}: update of a missing key`);
            assert.deepEqual(e.before, previous, `seq ${seq}: before-image is the previous after-image`);
            table.set(id, e.after!);
            break;
          case 'd':
            assert.notEqual(previous, undefined, `seq ${seq}: delete of a missing key`);
            assert.deepEqual(e.before, previous, `seq ${seq}: before-image is the previous after-image`);
            assert.equal(e.after, null);
            table.delete(id);
            deleted.add(id);
            break;
          default:
            assert.fail(`unexpected op ${e.op}`);
        }
        if (e.after) {
          assert.equal(e.after.id, id);
          assert.equal(e.after.seq, seq);
        }
        ops[e.op]++;
        // a deleted key's next event (one generation later) is its re-creation
        if (e.op === 'd' && seq + options.keys <= n) assert.equal(datagenEvent(seq + options.keys, options).op, 'c', `seq ${seq}: delete not followed by a create`);
      }
      // The table holds, for each key, exactly the last after-image of that key.
      const last = new Map<number, DatagenRow | null>();
      for (let seq = 1; seq <= n; seq++) {
        const e = datagenEvent(seq, options);
        last.set(e.key.id, e.after);
      }
      for (const [id, after] of last) assert.deepEqual(table.get(id) ?? null, after, `key ${id}`);
      assert.equal(table.size + deleted.size, options.keys);
      assert.equal(ops.c >= options.keys, true);
      if (options.keys > 20) {
        assert.ok(ops.u > 0, 'updates happen');
        assert.ok(ops.d > 0, 'deletes happen');
      }
    });
  }

  it('rows fit their schema: decimal text, uuid shape, JSON payload, day number', () => {
    for (let seq = 1; seq <= 500; seq++) {
      const r = datagenRow(seq, seq, cdc);
      assert.match(r.amount, /^-?\d+\.\d{2}$/);
      assert.match(r.uid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.doesNotThrow(() => JSON.parse(r.payload));
      assert.equal(r.created_at, new Date(cdc.tsStartMs + seq).toISOString());
      assert.ok(r.score === null || Number.isFinite(r.score));
    }
  });

  it('encodes as JSON through the envelope schema', () => {
    const e = datagenEvent(30, cdc);
    const value = { before: e.before, after: e.after, source: { version: '0.1.0', connector: 'datagen', name: 'gen', ts_ms: e.tsMs, snapshot: 'false', db: 'datagen', schema: null, table: 'orders', seq: 30 }, op: e.op, ts_ms: 0 };
    const parsed = JSON.parse(toJsonText(value, datagenValueSchema('orders'))) as { after: Record<string, unknown> | null; op: string };
    assert.equal(parsed.op, e.op);
    if (e.after) assert.deepEqual(Object.keys(parsed.after!), ['id', 'seq', 'name', 'amount', 'score', 'active', 'created_at', 'day', 'uid', 'payload']);
    assert.equal(datagenValueSchema('orders').name, 'orders.Envelope');
    assert.deepEqual(datagenValueSchema('orders').fields?.map((f) => f.name), ['before', 'after', 'source', 'op', 'ts_ms']);
    assert.equal(Schemas.optional(datagenValueSchema('orders')).optional, true);
  });
});
