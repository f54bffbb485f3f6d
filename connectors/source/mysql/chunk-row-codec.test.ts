import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeRows, encodeRows } from './chunk-row-codec.js';
import { TYPE_COLUMNS } from './test/type-cases.js';

/** bits of a double, to compare doubles bit for bit (-0 and 0 differ, NaN is one value) */
const bits = (x: number) => Buffer.from(new Float64Array([x]).buffer).toString('hex');

/**
 * A row of the type table (test/type-cases.ts) as mysql2 gives it on the source's connections
 * (mysql-connection.ts, streamRows' raw geometry cast): row 1's values, then edge values. The
 * real server's rows go through the codec in integration-tests/mysql-chunk-codec.test.ts.
 */
const typeRow: Record<string, unknown> = {
  id: 1, ti: -128, tiu: 255, si: -32768, siu: 65535, mi: -8388608, miu: 16777215, i: -2147483648, iu: 4294967295,
  bi: '-9223372036854775808', biu: '18446744073709551615', dc: '12345678901234567890.0123456789', dc0: '-99999',
  f: 3.5, d: 1.7976931348623157e308, b1: Buffer.from([1]), b10: Buffer.from([0x02, 0xaa]), b64: Buffer.alloc(8, 0xff),
  y: 2024, dt: '2024-02-29', tm: '-838:59:59.000000', tm0: '23:59:59', dtm0: '2024-02-29 23:59:59', dtm3: '2024-02-29 23:59:59.123',
  dtm6: '9999-12-31 23:59:59.999999', ts0: '2038-01-19 03:14:07', ts3: '2024-02-29 23:59:59.654', ts6: '2024-02-29 23:59:59.123456',
  c: 'abc', vc: 'héllo ☃ 😀', vl: 'café', tx: 'line 1\nline 2', bn: Buffer.from([0xff, 0x01, 0, 0]), vb: Buffer.from([0xff, 0]), bl: Buffer.from('deadbeef', 'hex'),
  en: 'b', st: 'x,z', js: '{"a": [1, 2.5, "x"], "b": null}',
  g: Buffer.from('000000000101000000000000000000f03f0000000000000040', 'hex'), gen: -1073741824, genv: 'abc!',
};

describe('MySQL chunk row codec', () => {
  it('the type table has a value in the row above for every column', () => {
    assert.deepEqual(TYPE_COLUMNS.map((c) => c.column).filter((c) => !(c in typeRow)), []);
  });

  it('carries every type mysql2 gives exactly, in column order: numbers, text, Buffers, NULLs', () => {
    const nulls = Object.fromEntries(Object.keys(typeRow).map((k) => [k, k === 'id' ? 3 : null]));
    const rows = [typeRow, nulls, { ...typeRow, id: 2, vb: Buffer.alloc(0), js: '[]', c: '' }];
    const back = decodeRows(encodeRows(rows));
    assert.deepStrictEqual(back, rows);
    for (const [i, row] of back.entries()) assert.deepEqual(Object.keys(row), Object.keys(rows[i]), 'column order');
    assert.ok(Buffer.isBuffer(back[0].g) && Buffer.isBuffer(back[0].b64));
    assert.equal(decodeRows(encodeRows([])).length, 0);
  });

  it('doubles round-trip bit for bit, -0, NaN and the infinities included', () => {
    const values = [0.1, 1 / 3, -2.5e-300, 5e-324, Number.MAX_VALUE, Number.MIN_VALUE, 3.4028234663852886e38, 1.1754943508222875e-38, 0, -0, NaN, Infinity, -Infinity, 2 ** 53 + 2];
    // random bit patterns (but NaNs: JavaScript keeps one NaN, the server stores none)
    while (values.length < 1000) {
      const d = new Float64Array(new Uint32Array([Math.random() * 2 ** 32, Math.random() * 2 ** 32]).buffer)[0];
      if (!Number.isNaN(d)) values.push(d);
    }
    const back = decodeRows(encodeRows(values.map((d) => ({ d }))));
    assert.deepEqual(back.map((r) => bits(r.d as number)), values.map(bits));
  });

  it('parsed JSON, bigints and Dates too (should a connection give them); names such as __proto__ stay own properties', () => {
    const row = { js: { a: [1, -0, 'x', null, { '2': true, '1': false }], b: { c: 1.5 } }, big: 2n ** 64n, at: new Date(Date.UTC(2024, 1, 29, 12, 0, 0, 5)), ['__proto__']: 'p' };
    const [back] = decodeRows(encodeRows([row]));
    assert.deepStrictEqual(back, row);
    assert.deepEqual(Object.keys(back), ['js', 'big', 'at', '__proto__']);
    assert.equal(Object.getPrototypeOf(back), Object.prototype);
    assert.ok(Object.is(((back.js as { a: unknown[] }).a)[1], -0));
  });

  it('refuses rows whose columns differ, and values it cannot carry, rather than carry them wrong', () => {
    assert.throws(() => encodeRows([{ a: 1, b: 2 }, { b: 2, a: 1 }]), /different columns/);
    assert.throws(() => encodeRows([{ a: new Map() }]), /cannot carry/);
  });
});
