import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Schemas, TributaryError, type Schema } from '../../../../../plugins/api/index.js';
import { tempDir } from '../../../../../integration-tests/harness/temp.js';
import { LocalStorage } from '../../storage/local-storage.js';
import { readParquet } from '../../test/read-back.js';
import { ParquetRecordWriter, type ParquetOptions } from '../parquet-record-writer.js';
import type { RecordWriter } from '../record-writer.js';
import { EncoderThreadClient } from './encoder-thread-client.js';
import { OffloadedParquetWriter } from './offloaded-parquet-writer.js';

const schema: Schema = Schemas.struct([
  Schemas.field('id', Schemas.int64()),
  Schemas.field('qty', Schemas.int32({ optional: true })),
  Schemas.field('name', Schemas.string({ optional: true })),
  Schemas.field('price', Schemas.decimal(12, 2)),
  Schemas.field('wide', Schemas.decimal(30, 4, { optional: true })),
  Schemas.field('flag', Schemas.boolean({ optional: true })),
  Schemas.field('score', Schemas.float64({ optional: true })),
  Schemas.field('created', Schemas.zonedTimestamp()),
  Schemas.field('tag', Schemas.uuid({ optional: true })),
  Schemas.field('doc', Schemas.json({ optional: true })),
  Schemas.field('blob', Schemas.bytes({ optional: true })),
  Schemas.field('list', Schemas.array(Schemas.int32(), { optional: true })),
  Schemas.field('big', Schemas.int64({ optional: true })),
]);

function row(i: number): unknown[] {
  const hex = (i * 2654435761 >>> 0).toString(16).padStart(8, '0');
  return [
    i, i % 7 === 0 ? null : i % 1000, i % 5 === 0 ? null : `name ${i} ü€`, `${i}.${String(i % 100).padStart(2, '0')}`,
    i % 3 === 0 ? null : `12345678901234567890.${i % 10000}`, i % 4 === 0 ? null : i % 2 === 0, i % 6 === 0 ? null : i * 1.5,
    new Date(1767225600000 + i * 1000).toISOString(), i % 9 === 0 ? null : `${hex}-0000-4000-8000-${hex}0000`,
    i % 8 === 0 ? null : JSON.stringify({ i, s: 'x' }), i % 10 === 0 ? null : new Uint8Array([i & 255, 1, 2]), i % 11 === 0 ? null : [i, i + 1],
    // negative numbers packed as two words, and a bigint beyond 2^53
    i % 13 === 0 ? null : i % 2 === 1 ? -i * 123_456_789 : (1n << 60n) + BigInt(i),
  ];
}

const options: ParquetOptions = { codec: 'snappy', rowGroupRows: 3000, createdBy: 'test' };

async function writeFile(dir: string, name: string, open: (out: import('../../storage/storage.js').OutputFile) => RecordWriter, rows: number): Promise<string> {
  const storage = new LocalStorage(dir, 'test', { attempts: 3, initialDelayMs: 1, maxDelayMs: 1 });
  await storage.start();
  const out = await storage.create(name);
  const writer = open(out);
  for (let i = 1; i <= rows; i++) {
    const pending = writer.write(row(i));
    if (pending) await pending;
  }
  await writer.finish();
  await out.commit();
  return join(dir, name);
}

test('the encoder thread writes the same rows as the in-thread writer, over many batches and row groups', async () => {
  const dir = tempDir('offload-same');
  const client = new EncoderThreadClient();
  try {
    const rows = 10_000;
    const offloaded = await writeFile(dir.path, 'a.parquet', (out) => new OffloadedParquetWriter(client, out, schema, options, { keyFields: ['id'] }), rows);
    const inThread = await writeFile(dir.path, 'b.parquet', (out) => new ParquetRecordWriter(out, schema, options, { keyFields: ['id'] }), rows);
    const [a, b] = [await readParquet(offloaded), await readParquet(inThread)];
    assert.equal(a.length, rows);
    assert.deepEqual(a, b);
    assert.equal(a[4].name, null);
    assert.equal(a[5].name, 'name 6 ü€');
    assert.equal(a[0].big, -123_456_789n);
    assert.equal(a[1].big, (1n << 60n) + 2n);
  } finally {
    await client.close();
    dir.remove();
  }
});

test('a value that cannot be converted throws from write before any of its row is kept; the file goes on', async () => {
  const dir = tempDir('offload-bad');
  const client = new EncoderThreadClient();
  try {
    const path = await writeFile(dir.path, 'c.parquet', (out) => {
      const writer = new OffloadedParquetWriter(client, out, schema, options);
      return {
        get estimatedBytes() { return writer.estimatedBytes; },
        write: (values) => {
          if (values[0] === 5) {
            const bad = [...values];
            bad[3] = 'not a decimal';
            assert.throws(() => writer.write(bad), RangeError);
          }
          return writer.write(values);
        },
        finish: () => writer.finish(),
      };
    }, 10);
    assert.deepEqual((await readParquet(path)).map((r) => Number(r.id)), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  } finally {
    await client.close();
    dir.remove();
  }
});

test('a failure in the encoder thread fails the file with sink.encoder_failed and the thread trace, never as a bad record', async () => {
  const dir = tempDir('offload-fail');
  const client = new EncoderThreadClient();
  try {
    const storage = new LocalStorage(dir.path, 'test', { attempts: 3, initialDelayMs: 1, maxDelayMs: 1 });
    await storage.start();
    const out = await storage.create('d.parquet');
    const writer = new OffloadedParquetWriter(client, out, schema, options);
    // a request for a file the thread never opened makes it throw
    const failed = await client.request({ type: 'finish', file: 999 }).catch((e: unknown) => e);
    assert.ok(failed instanceof TributaryError && failed.code === 'sink.encoder_failed', String(failed));
    assert.match(failed.message, /no open file 999[\s\S]*encoder-thread/);
    const pending = writer.write(row(1));
    assert.ok(pending instanceof Promise, 'a failed thread is reported through the promise, not thrown');
    await assert.rejects(pending, (e: unknown) => e instanceof TributaryError && e.code === 'sink.encoder_failed');
    await assert.rejects(writer.finish(), (e: unknown) => e instanceof TributaryError && e.code === 'sink.encoder_failed');
    await out.abort();
  } finally {
    await client.close();
    dir.remove();
  }
});
