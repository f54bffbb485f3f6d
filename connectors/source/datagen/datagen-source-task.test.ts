import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig, type ConfigOf, type Logger, type SourceOffset, type SourcePartition, type SourceRecord, type SourceTaskContext } from '../../../plugins/api/index.js';
import datagen from './index.js';
import { datagenConfigSpec } from './datagen-config.js';
import { datagenEvent, datagenKeySchema } from './datagen-rows.js';
import { DatagenSourceTask } from './datagen-source-task.js';

type DatagenConfig = ConfigOf<typeof datagenConfigSpec.properties>;

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** A task context over a fixed stored offset; records which partitions were asked for. */
function context(raw: Record<string, string>, stored: SourceOffset | null = null) {
  const parsed = parseConfig(datagenConfigSpec, raw);
  assert.ok(parsed.ok, JSON.stringify(parsed.errors));
  const asked: SourcePartition[] = [];
  const controller = new AbortController();
  const ctx: SourceTaskContext<DatagenConfig> = {
    connectorName: 'gen',
    taskId: 0,
    config: parsed.value,
    rawConfig: raw,
    logger: silent,
    metrics: { setGauge() {}, incCounter() {}, observe() {} },
    requestCommit() {},
    async storeStartingOffset() {},
    reportDegraded() {},
    setProgress() {},
    signal: controller.signal,
    offsets: {
      offset: async (partition) => {
        asked.push(partition);
        return stored;
      },
    },
  };
  return { ctx, asked, controller };
}

async function started(raw: Record<string, string>, stored: SourceOffset | null = null) {
  const task = new DatagenSourceTask();
  const c = context(raw, stored);
  await task.start(c.ctx);
  return { task, ...c };
}

const seqs = (records: readonly SourceRecord[]) => records.map((r) => r.sourceOffset.seq);
/** A record without its wall-clock field (value.ts_ms), for comparing replays. */
const stable = (r: SourceRecord) => ({ ...r, value: { ...(r.value as Record<string, unknown>), ts_ms: 0 } });

describe('DatagenSourceTask', () => {
  it('starts at seq 1 without a stored offset', async () => {
    const { task, asked, controller } = await started({ topic: 'orders', 'batch.size': '3' });
    assert.deepEqual(asked, [{ datagen: 'orders' }]);
    assert.deepEqual(seqs(await task.poll(controller.signal)), [1, 2, 3]);
    assert.deepEqual(seqs(await task.poll(controller.signal)), [4, 5, 6]);
    await task.stop();
  });

  it('resumes after the stored offset: {seq: 10} → the first polled seq is 11', async () => {
    const { task, controller } = await started({ topic: 'orders', 'batch.size': '5' }, { seq: 10 });
    assert.deepEqual(seqs(await task.poll(controller.signal)), [11, 12, 13, 14, 15]);
  });

  it('ignores a stored offset without a numeric seq', async () => {
    const { task, controller } = await started({ topic: 'orders', 'batch.size': '1' }, { seq: 'ten' });
    assert.deepEqual(seqs(await task.poll(controller.signal)), [1]);
  });

  it('stops producing after max.records', async () => {
    const { task, controller } = await started({ topic: 'orders', 'batch.size': '10', 'max.records': '25' });
    assert.deepEqual((await task.poll(controller.signal)).length, 10);
    assert.deepEqual((await task.poll(controller.signal)).length, 10);
    assert.deepEqual(seqs(await task.poll(controller.signal)), [21, 22, 23, 24, 25]);
    controller.abort();
    assert.deepEqual(await task.poll(controller.signal), [], 'nothing after max.records (an aborted poll returns at once)');
    assert.deepEqual(await task.poll(controller.signal), []);
  });

  it('produces nothing when the stored offset is already at max.records', async () => {
    const { task, controller } = await started({ topic: 'orders', 'max.records': '10' }, { seq: 10 });
    controller.abort();
    assert.deepEqual(await task.poll(controller.signal), []);
  });

  it('builds Debezium-style records whose offset, position and id follow seq', async () => {
    const raw = { topic: 'shop.orders', ops: 'cdc', keys: '4', 'batch.size': '12', seed: '9', 'ts.start.ms': '1000', 'ts.step.ms': '10' };
    const { task, controller } = await started(raw);
    const records = await task.poll(controller.signal);
    assert.equal(records.length, 12);
    const options = { topic: 'shop.orders', keys: 4, ops: 'cdc' as const, seed: 9, tsStartMs: 1000, tsStepMs: 10 };
    for (const [i, r] of records.entries()) {
      const seq = i + 1;
      const e = datagenEvent(seq, options);
      assert.equal(r.topic, 'shop.orders');
      assert.equal(r.keySchema, datagenKeySchema);
      assert.deepEqual(r.key, e.key);
      assert.equal(r.valueSchema?.name, 'shop.orders.Envelope');
      assert.equal(r.timestamp, 1000 + seq * 10);
      assert.deepEqual(r.sourcePartition, { datagen: 'shop.orders' });
      assert.deepEqual(r.sourceOffset, { seq });
      assert.equal(r.position, String(seq).padStart(20, '0'));
      assert.equal(r.id, `shop.orders:${r.position}`);
      const value = r.value as Record<string, unknown>;
      assert.equal(value.op, e.op);
      assert.deepEqual(value.before, e.before);
      assert.deepEqual(value.after, e.after);
      assert.deepEqual(value.source, { version: '0.1.0', connector: 'datagen', name: 'gen', ts_ms: 1000 + seq * 10, snapshot: 'false', db: 'datagen', schema: null, table: 'shop.orders', seq });
      assert.equal(typeof value.ts_ms, 'number');
    }
    assert.ok(records.every((r, i) => i === 0 || r.position > records[i - 1].position), 'positions sort in seq order');
    assert.ok(records.some((r) => (r.value as { op: string }).op !== 'c'), 'cdc mode mixes in changes');
  });

  it('replays exactly: resuming from an offset continues the same stream', async () => {
    const raw = { topic: 'orders', ops: 'cdc', keys: '7', 'batch.size': '20' };
    const straight = await started(raw);
    const all = [...(await straight.task.poll(straight.controller.signal)), ...(await straight.task.poll(straight.controller.signal))];
    const resumed = await started(raw, { seq: 20 });
    const second = await resumed.task.poll(resumed.controller.signal);
    assert.deepEqual(second.map(stable), all.slice(20).map(stable));
  });
});

describe('datagen connector', () => {
  it('is one source task whose config is the raw config, or tasks.max tasks each told its share', async () => {
    assert.equal(datagen.kind, 'source');
    assert.equal(datagen.name, 'datagen');
    const raw = { topic: 'orders', 'tasks.max': '1' };
    const parsed = parseConfig(datagen.configSpec, raw);
    assert.deepEqual(await datagen.taskConfigs(parsed.value as never, raw, 1), [raw]);
    const four = await datagen.taskConfigs(parsed.value as never, { ...raw, 'tasks.max': '4' }, 4);
    assert.deepEqual(four.map((c) => [c['datagen.task.index'], c['datagen.task.count']]), [['0', '4'], ['1', '4'], ['2', '4'], ['3', '4']]);
    assert.ok(datagen.createTask() instanceof DatagenSourceTask);
  });

  it('tasks sharing the sequence emit it once between them, each under its own partition, and resume in their share', async () => {
    const emitted: number[] = [];
    for (const index of [0, 1, 2]) {
      const { task, asked, controller } = await started({ topic: 'orders', 'max.records': '10', 'datagen.task.index': String(index), 'datagen.task.count': '3' });
      assert.deepEqual(asked, [{ datagen: 'orders', task: index }]);
      for (let records = await task.poll(controller.signal); records.length > 0; records = await task.poll(controller.signal)) emitted.push(...seqs(records) as number[]);
      controller.abort();
    }
    assert.deepEqual(emitted.sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const { task, controller } = await started({ topic: 'orders', 'batch.size': '2', 'datagen.task.index': '1', 'datagen.task.count': '3' }, { seq: 5 });
    assert.deepEqual(seqs(await task.poll(controller.signal)), [8, 11]);
  });

  it('requires a topic and checks the numeric properties', () => {
    const parsed = parseConfig(datagenConfigSpec, { 'rows.per.second': '-1', ops: 'upsert' });
    assert.equal(parsed.ok, false);
    assert.deepEqual(Object.keys(parsed.errors).sort(), ['ops', 'rows.per.second', 'topic']);
  });
});
