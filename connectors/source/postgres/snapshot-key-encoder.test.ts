import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keyEncoderFor } from './snapshot-key-encoder.js';

/** The encoding must sort as the snapshot reads: in key order (byte order for C-collated text). */
function assertSortsLike(encode: (texts: (string | null)[]) => string, keys: (string | null)[][], compare: (a: (string | null)[], b: (string | null)[]) => number): void {
  const byKey = [...keys].sort(compare);
  const byEncoding = [...keys].sort((a, b) => (encode(a) < encode(b) ? -1 : encode(a) > encode(b) ? 1 : 0));
  assert.deepEqual(byEncoding, byKey);
}

test('integer keys sort by value, negatives and int8 beyond 2^53 included', () => {
  const encode = keyEncoderFor([{ type: 'int8', byteOrder: false }])!;
  const values = [0n, 1n, -1n, 2n ** 31n, -(2n ** 31n), 2n ** 53n + 1n, -(2n ** 53n) - 7n, 9223372036854775807n, -9223372036854775808n, 123456789012345n];
  assertSortsLike(encode, values.map((v) => [v.toString()]), (a, b) => (BigInt(a[0]!) < BigInt(b[0]!) ? -1 : 1));
  const int4 = keyEncoderFor([{ type: 'int4', byteOrder: false }])!;
  assertSortsLike(int4, [-2147483648, -5, 0, 7, 2147483647].map((v) => [String(v)]), (a, b) => Number(a[0]) - Number(b[0]));
});

test('text under a byte-order collation sorts by UTF-8 bytes, a prefix first; composite keys part by part', () => {
  const encode = keyEncoderFor([{ type: 'text', byteOrder: true }, { type: 'int4', byteOrder: false }])!;
  const keys = [['ab', '2'], ['a', '9'], ['abc', '1'], ['ab', '-3'], ['b', '0'], ['é', '1'], ['', '5'], ['A', '1']];
  const bytes = (s: string) => Buffer.from(s, 'utf8');
  assertSortsLike(encode, keys, (a, b) => Buffer.compare(bytes(a[0]!), bytes(b[0]!)) || Number(a[1]) - Number(b[1]));
});

test('dates, uuids and booleans sort by value; types without a byte-order encoding get none', () => {
  const date = keyEncoderFor([{ type: 'date', byteOrder: false }])!;
  const dates = ['-infinity', '0044-03-15 BC', '1970-01-01', '1969-12-31', '2024-02-29', '10000-01-01', 'infinity'];
  assert.deepEqual([...dates].sort((a, b) => (date([a]) < date([b]) ? -1 : 1)), ['-infinity', '0044-03-15 BC', '1969-12-31', '1970-01-01', '2024-02-29', '10000-01-01', 'infinity']);
  const uuid = keyEncoderFor([{ type: 'uuid', byteOrder: false }])!;
  assert.ok(uuid(['0a000000-0000-0000-0000-000000000000']) < uuid(['f0000000-0000-0000-0000-000000000000']));
  const flag = keyEncoderFor([{ type: 'bool', byteOrder: false }])!;
  assert.ok(flag(['f']) < flag(['t']));
  assert.equal(keyEncoderFor([{ type: 'numeric', byteOrder: false }]), null);
  assert.equal(keyEncoderFor([{ type: 'text', byteOrder: false }]), null, 'a linguistic collation has no byte order');
  assert.equal(keyEncoderFor([]), null);
});
