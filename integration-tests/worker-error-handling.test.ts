import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { startEmbeddedWorker, type EmbeddedWorker } from '../cli/embedded-worker.js';
import { eventually } from './harness/worker-process.js';
import { tempDir } from './harness/temp.js';

const PLUGINS = fileURLToPath(new URL('./fixtures/plugins', import.meta.url));

function lines(file: string): Record<string, unknown>[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) : [];
}

function seqs(file: string): number[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number) : [];
}

describe('error handling in a running worker', () => {
  const dir = tempDir('errors');
  let worker: EmbeddedWorker;
  before(async () => {
    worker = await startEmbeddedWorker({ workerProps: { 'state.dir': join(dir.path, 'state'), 'offset.flush.interval.ms': '100', 'plugin.path': PLUGINS } });
  });
  after(async () => {
    await worker.stop();
    dir.remove();
  });

  test('errors.tolerance=all: records failing a transform land in the dead-letter topic with their context', async () => {
    const good = join(dir.path, 'good.jsonl');
    const dead = join(dir.path, 'dead.jsonl');
    await worker.herder.putConnectorConfig('good-sink', { 'connector.class': 'jsonl-recorder', topics: 'mixed', 'output.file': good }, false);
    await worker.herder.putConnectorConfig('dlq-sink', { 'connector.class': 'jsonl-recorder', topics: 'mixed.dlq', 'output.file': dead }, false);
    await worker.herder.putConnectorConfig('mixed', {
      'connector.class': 'mixed-source', topic: 'mixed', count: '70', 'bad.every': '7',
      transforms: 'when', 'transforms.when.type': 'org.apache.kafka.connect.transforms.TimestampConverter$Value',
      'transforms.when.field': 'when', 'transforms.when.format': 'yyyy-MM-dd', 'transforms.when.target.type': 'unix',
      'errors.tolerance': 'all', 'errors.deadletterqueue.topic.name': 'mixed.dlq', 'errors.log.enable': 'true',
    }, false);
    await eventually(async () => {
      await worker.commitNow();
      return lines(good).length === 60 && lines(dead).length === 10 ? true : undefined;
    }, 20_000, '60 good and 10 dead records');
    const letters = lines(dead);
    assert.deepEqual(letters.map((l) => (l.value as { seq: number }).seq), [7, 14, 21, 28, 35, 42, 49, 56, 63, 70]);
    const headers = letters[0].headers as Record<string, string>;
    assert.equal(headers['__connect.errors.topic'], 'mixed');
    assert.equal(headers['__connect.errors.connector.name'], 'mixed');
    assert.equal(headers['__connect.errors.task.id'], '0');
    assert.equal(headers['__connect.errors.stage'], 'TRANSFORMATION');
    assert.equal(headers['__connect.errors.class.name'], 'when');
    assert.equal(headers['__connect.errors.position'], '00000000000000000007');
    assert.match(headers['__connect.errors.exception.message'], /garbage|parse|when/i);
    assert.ok(lines(good).every((l) => typeof (l.value as { when: unknown }).when === 'number'), 'good records were converted');
    // Dead letters count as delivered: the source offset covers all 70 once both sinks flushed.
    const offsets = await worker.herder.connectorOffsets('mixed');
    assert.deepEqual(offsets.offsets, [{ partition: { mixed: 'mixed' }, offset: { seq: 70 } }]);
  });

  test('errors.tolerance=none: the task goes FAILED with the trace in /status, and a restart recovers it', async () => {
    const flushed = join(dir.path, 'none.txt');
    const marker = join(dir.path, 'fail-now');
    writeFileSync(marker, '');
    await worker.herder.putConnectorConfig('rec-none', { 'connector.class': 'seq-recorder', topics: 'none.t', 'seq.file': flushed, 'fail.while.file.exists': marker, 'task.restart.auto.enabled': 'false' }, false);
    await worker.herder.putConnectorConfig('gen-none', { 'connector.class': 'datagen', topic: 'none.t', 'max.records': '300', 'rows.per.second': '1000' }, false);
    const failed = await eventually(async () => {
      const s = await worker.herder.connectorStatus('rec-none');
      return s.tasks[0]?.state === 'FAILED' ? s : undefined;
    }, 20_000, 'the sink task to fail');
    assert.match(failed.tasks[0].trace ?? '', /seq-recorder fails while .*fail-now exists/);
    rmSync(marker);
    await worker.herder.restartConnector('rec-none', { includeTasks: true, onlyFailed: true });
    await eventually(async () => {
      await worker.commitNow();
      return seqs(flushed).length >= 300 ? true : undefined;
    }, 20_000, 'all 300 records after the restart');
    assert.equal((await worker.herder.connectorStatus('rec-none')).tasks[0].state, 'RUNNING');
    assert.deepEqual([...new Set(seqs(flushed))].sort((a, b) => a - b), Array.from({ length: 300 }, (_, i) => i + 1));
  });

  test('a failed task restarts by itself with backoff, shown as RESTARTING and counted', async () => {
    const flushed = join(dir.path, 'auto.txt');
    const marker = join(dir.path, 'fail-auto');
    writeFileSync(marker, '');
    await worker.herder.putConnectorConfig('rec-auto', { 'connector.class': 'seq-recorder', topics: 'auto.t', 'seq.file': flushed, 'fail.while.file.exists': marker, 'task.restart.backoff.initial.ms': '300', 'task.restart.backoff.max.ms': '1000' }, false);
    await worker.herder.putConnectorConfig('gen-auto', { 'connector.class': 'datagen', topic: 'auto.t', 'max.records': '200', 'rows.per.second': '1000' }, false);
    const restarting = await eventually(async () => {
      const s = await worker.herder.connectorStatus('rec-auto');
      return s.tasks[0]?.state === 'RESTARTING' ? s : undefined;
    }, 20_000, 'RESTARTING');
    assert.match(restarting.tasks[0].trace ?? '', /fail-auto exists/);
    rmSync(marker);
    await eventually(async () => {
      await worker.commitNow();
      return seqs(flushed).length >= 200 ? true : undefined;
    }, 30_000, 'all records after automatic restarts');
    assert.equal((await worker.herder.connectorStatus('rec-auto')).tasks[0].state, 'RUNNING');
    assert.match(await worker.metricsText(), /tributary_task_restarts_total\{connector="rec-auto",task="0"\} [1-9]/);
  });

  test('a task whose start throws is FAILED with the reason, and the worker keeps serving', async () => {
    await worker.herder.putConnectorConfig('broken', { 'connector.class': 'broken-start', 'task.restart.auto.enabled': 'false' }, false);
    const status = await eventually(async () => {
      const s = await worker.herder.connectorStatus('broken');
      return s.tasks[0]?.state === 'FAILED' ? s : undefined;
    }, 10_000, 'FAILED');
    assert.match(status.tasks[0].trace ?? '', /database refused the connection/);
    assert.ok((await worker.herder.connectors()).includes('good-sink'));
    assert.equal((await worker.herder.connectorStatus('good-sink')).tasks[0].state, 'RUNNING');
  });
});
