import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig, Schemas, type SinkRecord, type SinkTaskContext, type ConfigOf } from '../../../plugins/api/index.js';
import stdout from './index.js';
import { stdoutConfigSpec } from './stdout-config.js';
import { StdoutSinkTask } from './stdout-sink-task.js';

type StdoutConfig = ConfigOf<typeof stdoutConfigSpec.properties>;

function context(raw: Record<string, string>): SinkTaskContext<StdoutConfig> {
  const parsed = parseConfig(stdoutConfigSpec, raw);
  assert.ok(parsed.ok);
  return {
    connectorName: 'console',
    taskId: 0,
    config: parsed.value,
    rawConfig: raw,
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    metrics: { setGauge() {}, incCounter() {}, observe() {} },
    setProgress() {},
    reportDegraded() {},
    signal: new AbortController().signal,
    reportErrant: async () => {},
    requestCommit() {},
    commitDurable: async () => {},
  };
}

const keySchema = Schemas.struct([Schemas.field('id', Schemas.int64())]);
const valueSchema = Schemas.struct([Schemas.field('amount', Schemas.decimal(12, 2)), Schemas.field('big', Schemas.int64())]);

function record(offset: number, value: unknown): SinkRecord {
  return { topic: 'orders', partition: 0, offset, keySchema, key: { id: BigInt(offset) }, valueSchema, value, timestamp: 0, position: String(offset), id: `orders:${offset}` };
}

/** Runs put, capturing what it writes to stdout (the write happens before put's first await). */
async function printed(task: StdoutSinkTask, records: SinkRecord[]): Promise<string> {
  const chunks: string[] = [];
  const original = process.stdout.write;
  process.stdout.write = ((chunk: string) => {
    chunks.push(chunk);
    return true;
  }) as typeof process.stdout.write;
  let done: Promise<void>;
  try {
    done = task.put(records);
  } finally {
    process.stdout.write = original;
  }
  await done;
  return chunks.join('');
}

describe('StdoutSinkTask', () => {
  it('prints each value as one exact JSON line', async () => {
    const task = new StdoutSinkTask();
    await task.start(context({}));
    const text = await printed(task, [record(1, { amount: '12.50', big: 9007199254740993n }), record(2, null)]);
    assert.equal(text, '{"amount":12.50,"big":9007199254740993}\nnull\n');
    await task.stop();
  });

  it('prints topic, key and value with print.key=true', async () => {
    const task = new StdoutSinkTask();
    await task.start(context({ 'print.key': 'true' }));
    assert.equal(await printed(task, [record(3, { amount: '-1.00', big: 1 })]), '{"topic":"orders","key":{"id":3},"value":{"amount":-1.00,"big":1}}\n');
  });

  it('prints nothing for an empty put', async () => {
    const task = new StdoutSinkTask();
    await task.start(context({}));
    assert.equal(await printed(task, []), '');
  });
});

describe('stdout connector', () => {
  it('gives maxTasks copies of the raw config and resolves FileStreamSinkConnector', async () => {
    const raw = { topics: 'orders' };
    const configs = await stdout.taskConfigs(parseConfig(stdout.configSpec, raw).value as never, raw, 3);
    assert.deepEqual(configs, [raw, raw, raw]);
    assert.notEqual(configs[0], configs[1]);
    assert.ok(stdout.aliases?.includes('org.apache.kafka.connect.file.FileStreamSinkConnector'));
    assert.ok(stdout.createTask() instanceof StdoutSinkTask);
  });
});
