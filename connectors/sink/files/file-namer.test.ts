import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeSegment, fileName } from './file-namer.js';

const base = { topicsDir: 'topics', topic: 'shop.public.orders', encodedPartition: 'partition=0', partition: 0, extension: 'parquet' };

test('names carry topic, partition, start position and start timestamp', () => {
  assert.equal(
    fileName({ ...base, startPosition: '00000000000000000042', startTimestamp: 1767225600001 }),
    'topics/shop.public.orders/partition=0/shop.public.orders+0+00000000000000000042+1767225600001.parquet',
  );
  assert.equal(fileName({ ...base, topicsDir: '', startPosition: '1', startTimestamp: 5 }), 'shop.public.orders/partition=0/shop.public.orders+0+1+0000000000005.parquet');
});

test('names sort in position order', () => {
  const names = [3, 1000, 20, 1].map((n) => fileName({ ...base, startPosition: String(n).padStart(20, '0'), startTimestamp: 1_000 + n }));
  assert.deepEqual([...names].sort(), [1, 3, 20, 1000].map((n) => fileName({ ...base, startPosition: String(n).padStart(20, '0'), startTimestamp: 1_000 + n })));
});

test('unsafe characters are escaped, never a path separator', () => {
  assert.equal(escapeSegment('mysql-bin.000003:120/4'), 'mysql-bin.000003~3a120~2f4');
  assert.equal(escapeSegment('é'), '~c3~a9');
  assert.ok(!fileName({ ...base, startPosition: 'a/b', startTimestamp: 0 }).includes('a/b'));
});

test('a long position is shortened with a hash of the whole: the name stays short and a function of it', () => {
  const long = 'A'.repeat(40) + 'k' + 'F'.repeat(300);
  const name = fileName({ ...base, startPosition: long, startTimestamp: 1 });
  const segment = name.split('+')[2];
  assert.equal(segment.length, 96);
  assert.ok(segment.startsWith('A'.repeat(40) + 'k'));
  assert.equal(fileName({ ...base, startPosition: long, startTimestamp: 1 }), name, 'deterministic');
  assert.notEqual(fileName({ ...base, startPosition: long + '0', startTimestamp: 1 }), name, 'another position, another name');
});
