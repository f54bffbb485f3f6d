import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { SinkRecord } from '../../../plugins/api/index.js';
import { tempDir } from '../../../integration-tests/harness/temp.js';
import { datagenOptions, datagenRecords, sinkContext } from '../files/test/sink-fixtures.js';
import { listFiles, readJsonLines } from '../files/test/read-back.js';
import { dlqSinkSpec, type DlqSinkConfig } from './dlq-sink-config.js';
import dlq, { createDlqTask } from './index.js';

function deadLetter(original: SinkRecord, offset: number): SinkRecord {
  return {
    ...original,
    topic: 'orders-dlq',
    offset,
    id: `dlq:lake:${original.id}`,
    headers: {
      '__connect.errors.topic': original.topic,
      '__connect.errors.partition': '0',
      '__connect.errors.offset': String(original.offset),
      '__connect.errors.position': original.position,
      '__connect.errors.connector.name': 'lake',
      '__connect.errors.task.id': '0',
      '__connect.errors.stage': 'TASK_PUT',
      '__connect.errors.class.name': 'files',
      '__connect.errors.exception.class.name': 'RangeError',
      '__connect.errors.exception.message': 'decimal 1e20 exceeds precision 12',
      '__connect.errors.exception.stacktrace': 'RangeError: decimal 1e20 exceeds precision 12\n    at x',
    },
  };
}

test('dead letters land as JSON lines with their error context', async () => {
  const dir = tempDir('dlq');
  const context = sinkContext<DlqSinkConfig>(dlqSinkSpec, { topics: 'orders-dlq', 'store.url': `file://${dir.path}` }, 'dead-letters');
  const task = createDlqTask();
  await task.start(context);
  const originals = datagenRecords(1, 3, datagenOptions('orders'));
  await task.put(originals.map((r, i) => deadLetter(r, i)));
  assert.deepEqual(await task.preCommit!([{ topic: 'orders-dlq', partition: 0, offset: 3 }]), [{ topic: 'orders-dlq', partition: 0, offset: 0, position: '00000000000000000001' }]);
  await (task as unknown as { closeAll(): Promise<void> }).closeAll();
  const files = listFiles(dir.path);
  assert.deepEqual(files, ['dlq/orders-dlq/partition=0/orders-dlq+0+00000000000000000001+1767225600001.json']);
  const lines = readJsonLines(join(dir.path, files[0]));
  assert.equal(lines.length, 3);
  const first = lines[0];
  assert.equal(first.errors_topic, 'orders');
  assert.equal(first.errors_stage, 'TASK_PUT');
  assert.equal(first.errors_position, '00000000000000000001');
  assert.match(String(first.errors_message), /exceeds precision/);
  assert.deepEqual(first.key, { id: 1 });
  assert.equal((first.value as { op: string }).op, 'c');
  assert.equal((first.value as { after: { amount: number } }).after.amount, Number((originals[0].value as { after: { amount: string } }).after.amount));
  assert.match(String((first.headers as Record<string, string>)['__connect.errors.exception.stacktrace']), /RangeError/);
  await task.stop();
  dir.remove();
});

test('dlq connector: name, spec defaults and README', () => {
  assert.equal(dlq.name, 'dlq');
  assert.equal(dlq.kind, 'sink');
  assert.equal(dlqSinkSpec.properties['topics.dir'].defaultText, 'dlq');
  assert.equal(dlqSinkSpec.properties['rotate.interval.ms'].defaultText, '60000');
  assert.equal('format' in dlqSinkSpec.properties, false);
});
