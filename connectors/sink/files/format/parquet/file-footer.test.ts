import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parquetMetadata, type SchemaElement } from 'hyparquet';
import { encodeFileMetaData } from './file-footer.js';
import { Codec, Encoding, PhysicalType } from './parquet-enums.js';

const schema: SchemaElement[] = [
  { name: 'root', num_children: 4 },
  { name: 'id', repetition_type: 'REQUIRED', type: 'INT64' },
  { name: 'amount', repetition_type: 'OPTIONAL', type: 'INT64', converted_type: 'DECIMAL', scale: 2, precision: 12, logical_type: { type: 'DECIMAL', precision: 12, scale: 2 } },
  { name: 'at', repetition_type: 'OPTIONAL', type: 'INT64', converted_type: 'TIMESTAMP_MICROS', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' } },
  { name: 'tiny', repetition_type: 'OPTIONAL', type: 'INT32', logical_type: { type: 'INTEGER', bitWidth: 8, isSigned: true } },
];

test('the footer of a one-row-group file, read back by hyparquet field by field', () => {
  const min = Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0);
  const max = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f);
  const column = (i: number) => ({
    physical: i === 3 ? PhysicalType.INT32 : PhysicalType.INT64, path: [schema[i + 1].name], encodings: [Encoding.PLAIN, Encoding.RLE], codec: Codec.SNAPPY,
    numValues: 3, uncompressedBytes: 100 + i, compressedBytes: 50 + i, dataPageOffset: 4 + i * 1000, statistics: { nullCount: i, ...(i === 0 ? { min, max } : {}) },
  });
  const meta = encodeFileMetaData({ schema, rowGroups: [{ rows: 3, fileOffset: 4, columns: [0, 1, 2, 3].map(column) }], keyValues: [{ key: 'k', value: 'v' }], createdBy: 'test' });
  const file = new Uint8Array(4 + meta.length + 8);
  file.set([0x50, 0x41, 0x52, 0x31]);
  file.set(meta, 4);
  new DataView(file.buffer).setUint32(4 + meta.length, meta.length, true);
  file.set([0x50, 0x41, 0x52, 0x31], 8 + meta.length);
  const read = parquetMetadata(file.buffer);
  assert.equal(read.version, 2);
  assert.equal(read.num_rows, 3n);
  assert.equal(read.created_by, 'test');
  assert.deepEqual(read.key_value_metadata, [{ key: 'k', value: 'v' }]);
  // hyparquet sets every SchemaElement key (undefined where absent)
  const defined = (e: object) => Object.fromEntries(Object.entries(e).filter(([, v]) => v !== undefined));
  assert.deepEqual(read.schema.map(defined), schema);
  const [group] = read.row_groups;
  assert.equal(group.num_rows, 3n);
  assert.equal(group.total_byte_size, 100n + 101n + 102n + 103n);
  assert.equal(group.columns.length, 4);
  const first = group.columns[0].meta_data!;
  assert.equal(first.type, 'INT64');
  assert.deepEqual(first.encodings, ['PLAIN', 'RLE']);
  assert.deepEqual(first.path_in_schema, ['id']);
  assert.equal(first.codec, 'SNAPPY');
  assert.equal(first.num_values, 3n);
  assert.equal(first.total_uncompressed_size, 100n);
  assert.equal(first.total_compressed_size, 50n);
  assert.equal(first.data_page_offset, 4n);
  assert.equal(group.columns[2].meta_data!.data_page_offset, 2004n);
  assert.deepEqual(defined(first.statistics!), { null_count: 0n, min_value: 1n, max_value: 9_223_372_036_854_775_807n });
  assert.deepEqual(defined(group.columns[3].meta_data!.statistics!), { null_count: 3n });
});
