import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig, validationReport } from '../../../plugins/api/index.js';
import { filesSinkSpec, parseRowGroupSize, resolveFormat, resolvePartitioner } from './files-sink-config.js';
import files from './index.js';

test('defaults follow the Confluent S3 sink where it has one', () => {
  const parsed = parseConfig(filesSinkSpec, { topics: 'a,b', 'store.url': 'file:///tmp/x' });
  assert.ok(parsed.ok);
  assert.equal(parsed.value.format, 'parquet');
  assert.equal(parsed.value['s3.part.size'], 25 * 1024 * 1024);
  assert.equal(parsed.value['rotate.size.bytes'], 1024 ** 3);
  assert.equal(parsed.value['rotate.interval.ms'], 3_600_000);
  assert.equal(parsed.value['topics.dir'], 'topics');
});

test('every problem is reported against its property', () => {
  const report = validationReport('files', filesSinkSpec, { topics: 't', partitioner: 'field', 'timestamp.extractor': 'RecordField', timezone: 'Mars/Olympus' });
  const errors = Object.fromEntries(report.configs.filter((c) => c.value.errors.length).map((c) => [c.definition.name, c.value.errors]));
  assert.ok(errors['store.url']);
  assert.ok(errors['partition.field.name']);
  assert.ok(errors['timestamp.field']);
  assert.ok(errors.timezone);
  const bad = validationReport('files', filesSinkSpec, { topics: 't', 'store.url': 'ftp://x', 's3.part.size': '1024', 'parquet.row.group.size': 'lots' });
  assert.equal(bad.error_count, 3);
});

test('Confluent class names resolve', () => {
  assert.equal(resolveFormat('io.confluent.connect.s3.format.parquet.ParquetFormat', 'json'), 'parquet');
  assert.equal(resolveFormat('io.confluent.connect.s3.format.json.JsonFormat', 'parquet'), 'json');
  assert.equal(resolveFormat(undefined, 'csv'), 'csv');
  assert.equal(resolvePartitioner('io.confluent.connect.storage.partitioner.TimeBasedPartitioner', 'default'), 'time');
  assert.equal(resolvePartitioner('io.confluent.connect.storage.partitioner.HourlyPartitioner', 'default'), 'hourly');
  assert.ok(files.aliases?.includes('io.confluent.connect.s3.S3SinkConnector'));
});

test('parquet.row.group.size takes rows or bytes', () => {
  assert.deepEqual(parseRowGroupSize('100000'), { rows: 100000 });
  assert.deepEqual(parseRowGroupSize('64MiB'), { bytes: 64 * 1024 * 1024 });
  assert.deepEqual(parseRowGroupSize('32MB'), { bytes: 32_000_000 });
});

test('listed topics are split over tasks, one writer per topic', async () => {
  const configs = await files.taskConfigs(parseConfig(filesSinkSpec, { topics: 'a,b,c', 'store.url': 'file:///x' }).value as never, { topics: 'a,b,c' }, 2);
  assert.deepEqual(configs.map((c) => c.topics), ['a,c', 'b']);
});

test('validate reports a store that cannot work', async () => {
  const base = parseConfig(filesSinkSpec, { topics: 't', 'store.url': 'file:///proc/version/lake' }).value as never;
  const problems = await files.validate!(base, {});
  assert.match(problems['store.url'][0], /not a directory/);
  const fine = parseConfig(filesSinkSpec, { topics: 't', 'store.url': `file://${process.env.TMPDIR ?? '/tmp'}/tributary-validate/a/b` }).value as never;
  assert.deepEqual(await files.validate!(fine, {}), {});
});
