import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Schemas, type Schema } from '../../../../../plugins/api/index.js';
import { tempDir } from '../../../../../integration-tests/harness/temp.js';
import { LocalStorage } from '../../storage/local-storage.js';
import type { OutputFile } from '../../storage/storage.js';
import { CsvRecordWriter } from '../csv-record-writer.js';
import { JsonRecordWriter } from '../json-record-writer.js';
import type { RecordWriter } from '../record-writer.js';
import { EncoderThreadClient } from './encoder-thread-client.js';
import { OffloadedTextWriter } from './offloaded-text-writer.js';

const schema: Schema = Schemas.struct([
  Schemas.field('id', Schemas.int64()),
  Schemas.field('name', Schemas.string({ optional: true })),
  Schemas.field('price', Schemas.decimal(12, 2)),
  Schemas.field('vsd', Schemas.optional({ type: 'struct', optional: true, name: 'io.debezium.data.VariableScaleDecimal', fields: [Schemas.field('scale', Schemas.int32()), Schemas.field('value', Schemas.bytes())] })),
  Schemas.field('blob', Schemas.bytes({ optional: true })),
  Schemas.field('day', Schemas.date({ optional: true })),
  Schemas.field('list', Schemas.array(Schemas.string(), { optional: true })),
]);

function row(i: number): unknown[] {
  return [i % 3 === 0 ? BigInt(i) << 40n : i, i % 5 === 0 ? null : `name "${i}", ü\n`, `${i}.25`, i % 4 === 0 ? null : { scale: 2, value: new Uint8Array([i & 127]) },
    i % 6 === 0 ? null : Buffer.from([i & 255, 7]), i % 7 === 0 ? null : 20_000 + i, i % 2 === 0 ? null : ['a', `b${i}`]];
}

async function write(dir: string, name: string, open: (out: OutputFile) => RecordWriter, rows: number): Promise<Buffer> {
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
  return readFileSync(join(dir, name));
}

test('JSON and CSV written in the encoder thread are the same bytes as on the task\'s thread (gzip: the same text)', async () => {
  const dir = tempDir('offload-text');
  const client = new EncoderThreadClient();
  try {
    const rows = 12_000;
    const json = { gzip: false, decimalAs: 'number' as const };
    const csv = { delimiter: ',', nullValue: '', header: true };
    assert.deepEqual(
      await write(dir.path, 'a.json', (out) => new OffloadedTextWriter(client, out, { format: 'json', schema, options: json }), rows),
      await write(dir.path, 'b.json', (out) => new JsonRecordWriter(out, schema, json), rows),
    );
    assert.deepEqual(
      await write(dir.path, 'a.csv', (out) => new OffloadedTextWriter(client, out, { format: 'csv', schema, options: csv }), rows),
      await write(dir.path, 'b.csv', (out) => new CsvRecordWriter(out, schema, csv), rows),
    );
    const gz = { gzip: true, decimalAs: 'string' as const };
    assert.deepEqual(
      gunzipSync(await write(dir.path, 'a.json.gz', (out) => new OffloadedTextWriter(client, out, { format: 'json', schema, options: gz }), rows)),
      gunzipSync(await write(dir.path, 'b.json.gz', (out) => new JsonRecordWriter(out, schema, gz), rows)),
    );
  } finally {
    await client.close();
    dir.remove();
  }
});

test('a value the text would reject throws from write on the task\'s thread, before the row is kept', async () => {
  const dir = tempDir('offload-text-bad');
  const client = new EncoderThreadClient();
  try {
    const storage = new LocalStorage(dir.path, 'test', { attempts: 3, initialDelayMs: 1, maxDelayMs: 1 });
    await storage.start();
    const out = await storage.create('c.json');
    const writer = new OffloadedTextWriter(client, out, { format: 'json', schema, options: { gzip: false, decimalAs: 'number' } });
    const bad = row(1);
    bad[3] = { scale: 'x', value: 42 };
    assert.throws(() => writer.write(bad));
    const invalidDate = row(2);
    invalidDate[1] = new Date(Number.NaN);
    assert.throws(() => writer.write(invalidDate), RangeError);
    await writer.write(row(3));
    await writer.finish();
    await out.commit();
    const lines = readFileSync(join(dir.path, 'c.json'), 'utf8').trim().split('\n');
    assert.equal(lines.length, 1);
    assert.equal(JSON.parse(lines[0]).id, 3 * 2 ** 40);
  } finally {
    await client.close();
    dir.remove();
  }
});
