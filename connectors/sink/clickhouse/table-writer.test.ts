import assert from 'node:assert/strict';
import { test } from 'node:test';
import { padPosition, Schemas, TributaryError, type SinkRecord } from '../../../plugins/api/index.js';
import { AckTracker } from './ack-tracker.js';
import { BufferPool } from './buffer-pool.js';
import { parseType } from './clickhouse-types.js';
import { rowChangeOf } from './record-rows.js';
import { featuresOf } from './server-features.js';
import { buildPlan } from './table-plan.js';
import { TableWriter, type WriterContext } from './table-writer.js';

const schema = Schemas.struct([Schemas.field('id', Schemas.int32()), Schemas.field('v', Schemas.int32())]);
const table = new Map([['id', parseType('Int32')], ['v', parseType('Int32')], ['_version', parseType('UInt64')], ['_deleted', parseType('UInt8')]]);
const plan = buildPlan({ mode: 'upsert', schema, keys: ['id'], table, features: featuresOf('18.16.1') });

function record(seq: number, id: number, v: number): SinkRecord {
  const position = padPosition(seq);
  return { topic: 't', partition: 0, offset: seq, keySchema: null, key: { id }, valueSchema: schema, value: { id, v }, timestamp: 0, position, id: `t:${position}` };
}

/** decodes the (id, v) pairs of a body of this plan's rows: Int32, Int32, UInt64, UInt8 */
function rowsOf(body: Buffer): [number, number][] {
  const out: [number, number][] = [];
  for (let at = 0; at < body.length; at += 17) out.push([body.readInt32LE(at), body.readInt32LE(at + 4)]);
  return out;
}

function fakeContext(rejectV: (v: number) => boolean, retainRecords = true) {
  const inserts: [number, number][][] = [];
  const rejected: { record: SinkRecord; error: TributaryError }[] = [];
  const tracker = new AckTracker();
  let ids = 0;
  const context: WriterContext = {
    tracker,
    buffers: new BufferPool(1 << 20),
    retainRecords,
    nextBatchId: () => ++ids,
    async insert(_columns, body) {
      const rows = rowsOf(body);
      if (rows.some(([, v]) => rejectV(v))) throw new Error('Code: 395, e.displayText() = DB::Exception: Value passed to \'throwIf\' function is non zero');
      inserts.push(rows);
    },
    retrying: (_what, attempt) => attempt(),
    async reject(r, error) {
      rejected.push({ record: r, error });
    },
    acknowledged() {},
  };
  return { context, inserts, rejected, tracker };
}

test('a batch sends only the last version of each key, in order; preCommit waits for the acknowledgement', async () => {
  const { context, inserts, tracker } = fakeContext(() => false);
  const writer = new TableWriter('t', context, { rows: 100, bytes: 1 << 20, lingerMs: 1000, inFlight: 2 });
  const records = [record(1, 1, 10), record(2, 2, 20), record(3, 1, 11), record(4, 3, 30), record(5, 1, 12)];
  for (const r of records) writer.add(plan, rowChangeOf(r) as never, 0);
  assert.equal(writer.due(500), false);
  assert.equal(writer.due(1000), true);
  const current = [{ topic: 't', partition: 0, offset: 6 }];
  assert.deepEqual(tracker.safe(current), [{ topic: 't', partition: 0, offset: 1, position: records[0].position }]);
  writer.send();
  await writer.drain();
  assert.deepEqual(inserts, [[[2, 20], [3, 30], [1, 12]]]);
  assert.deepEqual(tracker.safe(current), current);
});

test('a rejected insert is split until the rejected rows are alone; the others land in order', async () => {
  const { context, inserts, rejected } = fakeContext((v) => v === 13 || v === 17);
  const writer = new TableWriter('t', context, { rows: 100, bytes: 1 << 20, lingerMs: 0, inFlight: 2 });
  for (let i = 1; i <= 20; i++) writer.add(plan, rowChangeOf(record(i, i, i)) as never, 0);
  writer.send();
  await writer.drain();
  assert.deepEqual(rejected.map((r) => (r.record.value as { id: number }).id), [13, 17]);
  assert.match(rejected[0].error.message, /ClickHouse rejected the row of record t:0+13 \(topic t, position 0+13\) for table t: Code: 395.*throwIf/);
  assert.deepEqual(inserts.flat().map(([id]) => id), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 15, 16, 18, 19, 20]);
});

test('without errors.tolerance=all records are not kept: a rejected insert fails with the server message and the rows it held', async () => {
  const { context, inserts } = fakeContext((v) => v === 3, false);
  const writer = new TableWriter('t', context, { rows: 100, bytes: 1 << 20, lingerMs: 0, inFlight: 2 });
  for (let i = 1; i <= 5; i++) writer.add(plan, rowChangeOf(record(i, i, i)) as never, 0);
  writer.send();
  await assert.rejects(writer.drain(), /ClickHouse rejected an insert into t \(rows from position 0+1 to 0+5\): Code: 395.*throwIf.*errors.tolerance=all/);
  assert.deepEqual(inserts, []);
});

test('a failure no retry fixed stops the table: nothing after it is written, and drain throws it', async () => {
  const { context, inserts } = fakeContext(() => false);
  let calls = 0;
  const failing: WriterContext = { ...context, retrying: async (what, attempt) => { if (++calls === 1) throw new TributaryError('sink.unavailable', `${what} failed`, { retriable: false }); return attempt(); } };
  const writer = new TableWriter('t', failing, { rows: 1, bytes: 1 << 20, lingerMs: 0, inFlight: 1 });
  writer.add(plan, rowChangeOf(record(1, 1, 1)) as never, 0);
  writer.send();
  writer.add(plan, rowChangeOf(record(2, 2, 2)) as never, 0);
  writer.send();
  await assert.rejects(writer.drain(), /insert into t failed/);
  assert.deepEqual(inserts, []);
  assert.throws(() => writer.add(plan, rowChangeOf(record(3, 3, 70_000_000_000)) as never, 0), /out of the range of Int32/);
});

/** a context whose inserts wait until the test releases them, in any order */
function gatedContext() {
  const { context, tracker } = fakeContext(() => false);
  const pending: { rows: [number, number][]; release: () => void }[] = [];
  const landed: [number, number][][] = [];
  const gated: WriterContext = {
    ...context,
    insert: (_columns, body) => new Promise<void>((resolve) => {
      const rows = rowsOf(body);
      pending.push({ rows, release: () => { landed.push(rows); resolve(); } });
    }),
  };
  return { context: gated, tracker, pending, landed };
}

const turn = () => new Promise((r) => setImmediate(r));

test('up to inFlight batches run side by side; one that shares a key with a batch in flight waits for it', async () => {
  const { context, pending, landed, tracker } = gatedContext();
  const writer = new TableWriter('t', context, { rows: 2, bytes: 1 << 20, lingerMs: 0, inFlight: 2 });
  const batches = [[record(1, 1, 10), record(2, 2, 20)], [record(3, 3, 30), record(4, 4, 40)], [record(5, 1, 11), record(6, 5, 50)]];
  for (const b of batches) {
    for (const r of b) writer.add(plan, rowChangeOf(r) as never, 0);
    writer.send();
  }
  await turn();
  // keys 1, 2 and 3, 4 are disjoint: both go; the third has key 1 again and waits
  assert.deepEqual(pending.map((p) => p.rows), [[[1, 10], [2, 20]], [[3, 30], [4, 40]]]);
  pending[1].release();
  await turn();
  assert.equal(pending.length, 2, 'key 1 is still in flight: the third batch waits');
  // preCommit: the first batch is still pending, so nothing past its first record is safe
  assert.deepEqual(tracker.safe([{ topic: 't', partition: 0, offset: 7 }]), [{ topic: 't', partition: 0, offset: 1, position: batches[0][0].position }]);
  pending[0].release();
  await turn();
  assert.equal(pending.length, 3);
  assert.deepEqual(pending[2].rows, [[1, 11], [5, 50]]);
  assert.deepEqual(tracker.safe([{ topic: 't', partition: 0, offset: 7 }]), [{ topic: 't', partition: 0, offset: 5, position: batches[2][0].position }]);
  pending[2].release();
  await writer.drain();
  assert.deepEqual(landed.flat(), [[3, 30], [4, 40], [1, 10], [2, 20], [1, 11], [5, 50]]);
  assert.deepEqual(tracker.safe([{ topic: 't', partition: 0, offset: 7 }]), [{ topic: 't', partition: 0, offset: 7 }]);
});

test('a truncate waits for every insert before it, and the inserts after it wait for the truncate', async () => {
  const { context, pending } = gatedContext();
  const writer = new TableWriter('t', context, { rows: 1, bytes: 1 << 20, lingerMs: 0, inFlight: 4 });
  const order: string[] = [];
  writer.add(plan, rowChangeOf(record(1, 1, 1)) as never, 0);
  writer.send();
  writer.after(record(2, 0, 0), 'truncate t', async () => { order.push('truncate'); });
  writer.add(plan, rowChangeOf(record(3, 3, 3)) as never, 0);
  writer.send();
  await turn();
  assert.equal(pending.length, 1);
  assert.deepEqual(order, []);
  pending[0].release();
  await turn();
  await turn();
  assert.deepEqual(order, ['truncate']);
  assert.equal(pending.length, 2);
  pending[1].release();
  await writer.drain();
});

test('a batch buffer goes back to the pool once its insert is over, and a later batch fills it again', async () => {
  const { context } = fakeContext(() => false);
  const pool = new BufferPool(1 << 20);
  const bodies: ArrayBufferLike[] = [];
  const writer = new TableWriter('t', { ...context, buffers: pool, insert: async (_columns, body) => { bodies.push(body.buffer); } }, { rows: 10, bytes: 1 << 20, lingerMs: 0, inFlight: 1 });
  for (const round of [0, 1]) {
    for (let i = 1; i <= 10; i++) writer.add(plan, rowChangeOf(record(round * 10 + i, i, i)) as never, 0);
    writer.send();
    await writer.drain();
    assert.equal(pool.bytes, 64 * 1024, 'the buffer is back');
  }
  assert.equal(bodies[0], bodies[1], 'the second batch was written into the first one\'s buffer');
  assert.equal(pool.acquire(1 << 21).length, 1 << 21, 'nothing that large is pooled: a new one');
  assert.equal(pool.bytes, 64 * 1024);
  const small = new BufferPool(100);
  small.release(Buffer.alloc(200));
  assert.equal(small.bytes, 0, 'beyond the capacity: left to the collector');
});
