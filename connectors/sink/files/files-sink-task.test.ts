import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Schemas, type SinkRecord } from '../../../plugins/api/index.js';
import { tempDir } from '../../../integration-tests/harness/temp.js';
import { filesSinkSpec, type FilesSinkConfig } from './files-sink-config.js';
import { FilesSinkTask } from './files-sink-task.js';
import { datagenOptions, datagenRecords, sinkContext } from './test/sink-fixtures.js';
import { listFiles, parquetColumnNames, readJsonLines, readParquet } from './test/read-back.js';

async function startTask(root: string, props: Record<string, string>, now?: () => number) {
  const context = sinkContext<FilesSinkConfig>(filesSinkSpec, { topics: 't', 'store.url': `file://${root}`, ...props });
  const task = new FilesSinkTask({}, now);
  await task.start(context);
  return { task, context };
}

const tp = (offset: number) => [{ topic: 't', partition: 0, offset }];
/** a preCommit answer that stops at an open file: its first record's offset and position */
const openAt = (offset: number, seq: number) => [{ topic: 't', partition: 0, offset, position: String(seq).padStart(20, '0') }];

test('flush.size rolls files; preCommit stops at the oldest open file', async () => {
  const dir = tempDir('files-flush');
  const { task, context } = await startTask(dir.path, { 'flush.size': '1000' });
  await task.put(datagenRecords(1, 2500, datagenOptions('t')));
  assert.deepEqual(await task.preCommit(tp(2500)), openAt(2000, 2001));
  const files = listFiles(dir.path);
  assert.deepEqual(files, [
    'topics/t/partition=0/t+0+00000000000000000001+1767225600001.parquet',
    'topics/t/partition=0/t+0+00000000000000001001+1767225601001.parquet',
  ]);
  const rows = await readParquet(join(dir.path, files[1]));
  assert.equal(rows.length, 1000);
  assert.equal(rows[0].__source_pos, '00000000000000001001');
  assert.ok(context.commitRequests >= 2);
  await task.closeAll();
  assert.deepEqual(await task.preCommit(tp(2500)), tp(2500));
  assert.equal(listFiles(dir.path).length, 3);
  assert.equal(context.metrics.counters.get('files_sink_records_written_total'), 2500);
  await task.stop();
  dir.remove();
});

test('rotate.interval.ms uses record time: the same files whatever the batching', async () => {
  const names: string[][] = [];
  for (const batch of [7, 500]) {
    const dir = tempDir('files-interval');
    const { task } = await startTask(dir.path, { 'rotate.interval.ms': '60000', format: 'json' }, () => 0);
    const records = datagenRecords(1, 300, datagenOptions('t', { tsStepMs: 1000 }));
    for (let i = 0; i < records.length; i += batch) await task.put(records.slice(i, i + batch));
    await task.closeAll();
    const files = listFiles(dir.path);
    names.push(files);
    assert.deepEqual(files.map((f) => readJsonLines(join(dir.path, f)).length), [60, 60, 60, 60, 60]);
    await task.stop();
    dir.remove();
  }
  assert.deepEqual(names[0], names[1]);
  assert.match(names[0][1], /t\+0\+00000000000000000061\+1767225661000\.json$/);
});

test('each completion is reported durable up to the last record in a completed file, never the record that opens the next', async () => {
  const dir = tempDir('files-durable');
  const { task, context } = await startTask(dir.path, { 'rotate.interval.ms': '60000', format: 'json' }, () => 0);
  // records 1..60 fill the first minute; record 61 is due before it is written: the roll completes
  // the first file, then record 61 opens the second one
  await task.put(datagenRecords(1, 130, datagenOptions('t', { tsStepMs: 1000 })));
  assert.deepEqual(context.durable, [
    { topic: 't', partition: 0, offset: 60, lastPosition: '00000000000000000060' },
    { topic: 't', partition: 0, offset: 120, lastPosition: '00000000000000000120' },
  ]);
  await task.closeAll();
  assert.deepEqual(context.durable.at(-1), { topic: 't', partition: 0, offset: 130, lastPosition: '00000000000000000130' });
  await task.stop();
  dir.remove();
});

test('files of one topic partition complete together, so nothing completed lies above the durable bound', async () => {
  const dir = tempDir('files-group');
  const { task, context } = await startTask(dir.path, { partitioner: 'field', 'partition.field.name': 'active', 'flush.size': '10', format: 'json' });
  await task.put(datagenRecords(1, 15, datagenOptions('t')));
  // one of the two field partitions reached 10 records: both files completed at that moment
  const files = listFiles(dir.path);
  const counts = files.map((f) => readJsonLines(join(dir.path, f)).length);
  assert.equal(files.length, 2);
  assert.ok(counts.includes(10), `counts ${counts}`);
  const completedThrough = counts.reduce((a, b) => a + b, 0);
  assert.deepEqual(context.durable, [{ topic: 't', partition: 0, offset: completedThrough, lastPosition: String(completedThrough).padStart(20, '0') }]);
  await task.stop();
  dir.remove();
});

test('rotate.schedule.interval.ms closes files on wall-clock boundaries, idle or not', async () => {
  const dir = tempDir('files-schedule');
  let now = Date.parse('2026-06-01T10:00:30Z');
  const { task } = await startTask(dir.path, { 'rotate.schedule.interval.ms': '60000', 'rotate.interval.ms': '0', format: 'csv' }, () => now);
  await task.put(datagenRecords(1, 10, datagenOptions('t')));
  await task.put([]);
  assert.equal(listFiles(dir.path).length, 0);
  now = Date.parse('2026-06-01T10:01:00Z');
  await task.put([]);
  assert.equal(listFiles(dir.path).length, 1);
  await task.put(datagenRecords(11, 12, datagenOptions('t')));
  now += 60_000;
  await task.put(datagenRecords(13, 14, datagenOptions('t')));
  assert.equal(listFiles(dir.path).length, 2, 'a record arriving after the boundary closes the file first');
  await task.stop();
  dir.remove();
});

test('an idle topic closes its file once its record-time interval has passed on the wall clock', async () => {
  const dir = tempDir('files-idle');
  const start = 1767225600000;
  let now = start;
  const { task } = await startTask(dir.path, { 'rotate.interval.ms': '5000' }, () => now);
  await task.put(datagenRecords(1, 100, datagenOptions('t')));
  now = start + 4000;
  await task.put([]);
  assert.equal(listFiles(dir.path).length, 0);
  now = start + 5002;
  await task.put([]);
  assert.equal(listFiles(dir.path).length, 1);
  assert.deepEqual(await task.preCommit(tp(100)), tp(100));
  await task.stop();
  dir.remove();
});

test('rotate.size.bytes closes a file once it holds that many bytes', async () => {
  const dir = tempDir('files-size');
  const { task } = await startTask(dir.path, { 'rotate.size.bytes': '2000000', format: 'json' });
  await task.put(datagenRecords(1, 30_000, datagenOptions('t', { ops: 'insert' })));
  await task.closeAll();
  const files = listFiles(dir.path);
  assert.ok(files.length >= 4, `expected several files, got ${files.length}`);
  const { statSync } = await import('node:fs');
  for (const f of files.slice(0, -1)) {
    const size = statSync(join(dir.path, f)).size;
    assert.ok(size >= 2_000_000 && size < 2_000_000 + (1 << 20) + 4096, `file size ${size}`);
  }
  await task.stop();
  dir.remove();
});

function rowRecord(seq: number, fields: readonly string[]): SinkRecord {
  const schema = Schemas.struct(fields.map((f) => Schemas.field(f, f === 'id' ? Schemas.int64() : Schemas.string({ optional: true }))), { name: 't.Value' });
  const value: Record<string, unknown> = {};
  for (const f of fields) value[f] = f === 'id' ? seq : `${f}${seq}`;
  return { topic: 't', partition: 0, offset: seq, keySchema: null, key: null, valueSchema: schema, value, timestamp: 1767225600000 + seq, position: String(seq).padStart(20, '0'), id: `t:${seq}` };
}

test('a new column opens a wider file; interleaved versions share it', async () => {
  const dir = tempDir('files-schema');
  const { task } = await startTask(dir.path, {});
  const v1 = ['id', 'a'];
  const v2 = ['id', 'a', 'b'];
  const records = [rowRecord(1, v1), rowRecord(2, v1), rowRecord(3, v2), rowRecord(4, v1), rowRecord(5, v2), rowRecord(6, v1)];
  await task.put(records);
  await task.closeAll();
  const files = listFiles(dir.path);
  assert.equal(files.length, 2);
  assert.deepEqual(await parquetColumnNames(join(dir.path, files[0])), ['id', 'a', '__source_pos', '__topic']);
  assert.deepEqual(await parquetColumnNames(join(dir.path, files[1])), ['id', 'a', 'b', '__source_pos', '__topic']);
  const rows = await readParquet(join(dir.path, files[1]));
  assert.deepEqual(rows.map((r) => [r.id, r.b]), [[3n, 'b3'], [4n, null], [5n, 'b5'], [6n, null]]);
  await task.stop();
  dir.remove();
});

test('tombstones are skipped, or fail the task with behavior.on.null.values=fail', async () => {
  const dir = tempDir('files-tombstone');
  const tombstone = { ...datagenRecords(1, 1, datagenOptions('t'))[0], value: null };
  const ignoring = await startTask(dir.path, { 'flush.size': '1' });
  await ignoring.task.put([tombstone]);
  assert.equal(listFiles(dir.path).length, 0);
  await ignoring.task.stop();
  const failing = await startTask(dir.path, { 'behavior.on.null.values': 'fail' });
  await assert.rejects(failing.task.put([tombstone]), (e: Error & { code?: string }) => e.code === 'record.rejected');
  await failing.task.stop();
  dir.remove();
});

test('a record that cannot be converted goes to reportErrant; the file goes on without it', async () => {
  const dir = tempDir('files-errant');
  const { task, context } = await startTask(dir.path, {});
  const records = datagenRecords(1, 5, datagenOptions('t', { ops: 'insert' }));
  const bad = { ...records[2], value: { ...(records[2].value as object), after: { ...(records[2].value as { after: object }).after, amount: '123456789012.5' } } };
  await task.put([records[0], records[1], bad, records[3], records[4]]);
  await task.closeAll();
  assert.equal(context.errant.length, 1);
  assert.match(String(context.errant[0].error), /precision 12/);
  const [file] = listFiles(dir.path);
  assert.deepEqual((await readParquet(join(dir.path, file))).map((r) => r.seq), [1n, 2n, 4n, 5n]);
  await task.stop();
  dir.remove();
});

test('stop leaves nothing visible; the next start clears the temp files', async () => {
  const dir = tempDir('files-stop');
  const first = await startTask(dir.path, {});
  await first.task.put(datagenRecords(1, 100, datagenOptions('t')));
  const tempFolder = join(dir.path, '.tributary-tmp', 'files-test-0');
  assert.equal(readdirSync(tempFolder).length, 1);
  // a crash: no stop, the temp file stays
  const second = await startTask(dir.path, {});
  assert.equal(readdirSync(tempFolder).length, 0);
  assert.equal(listFiles(dir.path).length, 0);
  await second.task.stop();
  assert.ok(existsSync(tempFolder));
  dir.remove();
});

test('time partitioner with RecordField in a non-UTC zone', async () => {
  const dir = tempDir('files-time');
  const { task } = await startTask(dir.path, {
    partitioner: 'time', 'path.format': "'dt'=YYYY-MM-DD/'hr'=HH", timezone: 'America/Los_Angeles',
    'timestamp.extractor': 'RecordField', 'timestamp.field': 'created_at', format: 'json',
  });
  await task.put(datagenRecords(1, 3, datagenOptions('t', { ops: 'insert', tsStepMs: 3_600_000 })));
  await task.closeAll();
  assert.deepEqual(listFiles(dir.path).map((f) => f.split('/').slice(2, 4).join('/')), ['dt=2025-12-31/hr=17', 'dt=2025-12-31/hr=18', 'dt=2025-12-31/hr=19']);
  await task.stop();
  dir.remove();
});

test('field partitioner uses the row image (before-image for deletes)', async () => {
  const dir = tempDir('files-field');
  const { task } = await startTask(dir.path, { partitioner: 'field', 'partition.field.name': 'active', format: 'json' });
  const records = datagenRecords(1, 400, datagenOptions('t', { keys: 100 }));
  await task.put(records);
  await task.closeAll();
  const files = listFiles(dir.path);
  assert.deepEqual(files.map((f) => f.split('/')[2]), ['active=false', 'active=true']);
  for (const f of files) {
    const expected = f.includes('active=true');
    assert.ok(readJsonLines(join(dir.path, f)).every((r) => r.active === expected));
  }
  await task.stop();
  dir.remove();
});

test('flush (graceful stop) completes every open file, so preCommit covers everything', async () => {
  const dir = tempDir('files-flush-stop');
  const { task } = await startTask(dir.path, { partitioner: 'field', 'partition.field.name': 'active' });
  await task.put(datagenRecords(1, 50, datagenOptions('t')));
  assert.deepEqual(await task.preCommit(tp(50)), openAt(0, 1));
  await task.flush(tp(50));
  assert.deepEqual(await task.preCommit(tp(50)), tp(50));
  assert.equal(listFiles(dir.path).length, 2);
  await task.stop();
  dir.remove();
});

test('a Parquet footer names the record key fields (tributary.key.fields): [] for keyless records', async () => {
  const dir = tempDir('files-key-fields');
  const { task } = await startTask(dir.path, { topics: 'keyed,keyless' });
  const keySchema = Schemas.struct([Schemas.field('region', Schemas.string()), Schemas.field('no', Schemas.int64())], { name: 'keyed.Key' });
  const keyed = { ...rowRecord(1, ['id', 'a']), topic: 'keyed', keySchema, key: { region: 'eu', no: 1 } };
  const keyless = { ...rowRecord(2, ['id', 'a']), topic: 'keyless' };
  await task.put([keyed, keyless]);
  await task.closeAll();
  const { asyncBufferFromFile, parquetMetadataAsync } = await import('hyparquet');
  const footer = async (topic: string) => {
    const file = listFiles(dir.path).find((f) => f.startsWith(`topics/${topic}/`))!;
    const meta = await parquetMetadataAsync(await asyncBufferFromFile(join(dir.path, file)));
    return meta.key_value_metadata?.find((kv) => kv.key === 'tributary.key.fields')?.value;
  };
  assert.equal(await footer('keyed'), '["region","no"]');
  assert.equal(await footer('keyless'), '[]');
  await task.stop();
  dir.remove();
});

test('schemaless change events (JsonConverter, schemas.enable=false) land as flat rows: columns from the image', async () => {
  const dir = tempDir('files-schemaless');
  const { task } = await startTask(dir.path, { format: 'json' });
  // as JSON brings them back: numbers, strings and nulls only
  const records = datagenRecords(1, 300, datagenOptions('t', { keys: 50 })).map((r) => ({ ...r, keySchema: null, valueSchema: null, value: JSON.parse(JSON.stringify(r.value, (_k, v) => (typeof v === 'bigint' ? Number(v) : v))) }));
  await task.put(records);
  await task.closeAll();
  const files = listFiles(dir.path);
  const rows = files.flatMap((f) => readJsonLines(join(dir.path, f)));
  assert.equal(rows.length, 300);
  // a null or a whole-number double infers no new column type: records share the file once every column was seen
  assert.ok(files.length <= 4, `${files.length} files`);
  const byPosition = new Map(records.map((r) => [r.position, r.value as { op: string; before: Record<string, unknown> | null; after: Record<string, unknown> | null }]));
  for (const row of rows) {
    const event = byPosition.get(row.__source_pos as string)!;
    const image = event.op === 'd' ? event.before! : event.after!;
    assert.equal(row.__op, event.op);
    assert.equal(row.__deleted, event.op === 'd');
    for (const [column, value] of Object.entries(image)) assert.deepEqual(row[column], value, `${column} of ${row.__source_pos}`);
  }
  assert.ok(rows.some((r) => r.__op === 'd') && rows.some((r) => r.__op === 'u'), 'deletes and updates among them');
  await task.stop();
  dir.remove();
});

test('a task stopped during a put writes nothing more: the rest of the put fails with task.stopped and no file starts past the discarded one', async () => {
  const dir = tempDir('files-stopped');
  const { task } = await startTask(dir.path, { 'flush.size': '1000' });
  await task.put(datagenRecords(1, 500, datagenOptions('t')));
  await task.stop();
  await assert.rejects(task.put(datagenRecords(501, 1500, datagenOptions('t'))), (error: { code?: string }) => error.code === 'task.stopped');
  assert.deepEqual(listFiles(dir.path), [], 'the open file was discarded and none was begun after the stop');
  dir.remove();
});

test('format.encoder.thread=true: the same files, preCommit after completion, for Parquet, JSON and CSV', async () => {
  for (const format of ['parquet', 'json', 'csv']) {
    const on = tempDir(`files-thread-${format}`);
    const off = tempDir(`files-nothread-${format}`);
    const a = await startTask(on.path, { 'flush.size': '1000', format, 'format.encoder.thread': 'true' });
    const b = await startTask(off.path, { 'flush.size': '1000', format });
    const records = datagenRecords(1, 2500, datagenOptions('t'));
    await a.task.put(records);
    await b.task.put(records);
    // the completed files are in place (durable) once put returns, before preCommit reports them
    assert.deepEqual(await a.task.preCommit(tp(2500)), openAt(2000, 2001), format);
    assert.equal(listFiles(on.path).length, 2, format);
    await a.task.closeAll();
    await b.task.closeAll();
    assert.deepEqual(listFiles(on.path), listFiles(off.path), format);
    for (const f of listFiles(on.path)) {
      const read = format === 'parquet' ? readParquet : async (p: string) => readFileSync(p, 'utf8');
      assert.deepEqual(await read(join(on.path, f)), await read(join(off.path, f)), `${format} ${f}`);
    }
    await a.task.stop();
    await b.task.stop();
    on.remove();
    off.remove();
  }
});
