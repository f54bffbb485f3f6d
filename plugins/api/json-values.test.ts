import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toJsonCompatible, toJsonText } from './json-values.js';
import { Schemas } from './schema.js';

describe('toJsonText', () => {
  it('writes int64 beyond 2^53 exactly', () => {
    const big = 2n ** 63n - 1n;
    assert.equal(toJsonText(big), '9223372036854775807');
    assert.equal(toJsonText(-(2n ** 60n) - 3n), '-1152921504606846979');
    assert.equal(toJsonText({ id: 9007199254740993n }, Schemas.struct([Schemas.field('id', Schemas.int64())])), '{"id":9007199254740993}');
    assert.equal(toJsonText([2n ** 53n + 1n]), '[9007199254740993]');
  });

  it('writes decimals as number text, never through a float', () => {
    const dec = Schemas.decimal(30, 10);
    assert.equal(toJsonText('12345678901234567890.0123456789', dec), '12345678901234567890.0123456789');
    assert.equal(toJsonText('-12.50', dec), '-12.50', 'trailing zeros kept');
    assert.equal(toJsonText('1E+3', dec), '1E+3');
    assert.equal(toJsonText(123n, dec), '123');
    assert.equal(toJsonText('NaN', dec), '"NaN"', 'not a JSON number: quoted');
    assert.equal(toJsonText('-12.50', dec, { decimalAs: 'string' }), '"-12.50"');
    assert.equal(toJsonText('0.1', Schemas.string()), '"0.1"', 'only a Decimal schema makes number text');
  });

  it('writes decimal text that is not a JSON number (leading zeros, bare point) as a valid JSON value', () => {
    const dec = Schemas.decimal(10, 2);
    for (const text of ['007.50', '-00.10', '.5', '1.']) {
      const json = toJsonText(text, dec);
      assert.doesNotThrow(() => JSON.parse(json), `${text} gave ${json}`);
    }
  });

  it('writes bytes as base64, honouring the view of a larger buffer', () => {
    assert.equal(toJsonText(new Uint8Array([0, 1, 2, 255])), '"AAEC/w=="');
    const backing = new Uint8Array([9, 9, 104, 105, 9]);
    assert.equal(toJsonText(backing.subarray(2, 4), Schemas.bytes()), '"aGk="');
    assert.equal(toJsonText(Buffer.from('tributary')), JSON.stringify(Buffer.from('tributary').toString('base64')));
  });

  it('orders struct fields as the schema does and writes missing fields as null', () => {
    const schema = Schemas.struct([
      Schemas.field('b', Schemas.string()),
      Schemas.field('a', Schemas.int32()),
      Schemas.field('c', Schemas.string({ optional: true })),
    ]);
    assert.equal(toJsonText({ a: 1, c: undefined, b: 'x', ignored: true }, schema), '{"b":"x","a":1,"c":null}');
  });

  it('writes nested structs, arrays and maps through their schemas', () => {
    const inner = Schemas.struct([Schemas.field('y', Schemas.int64()), Schemas.field('x', Schemas.int64())]);
    const schema = Schemas.struct([
      Schemas.field('list', Schemas.array(inner)),
      Schemas.field('map', Schemas.map(Schemas.string(), Schemas.decimal(10, 2))),
    ]);
    const value = { map: { k: '1.10' }, list: [{ x: 1n, y: 2n }] };
    assert.equal(toJsonText(value, schema), '{"list":[{"y":2,"x":1}],"map":{"k":1.10}}');
  });

  it('writes nulls, tombstones and schemaless values by their JS type', () => {
    assert.equal(toJsonText(null), 'null');
    assert.equal(toJsonText(undefined), 'null');
    assert.equal(toJsonText(null, Schemas.struct([])), 'null');
    assert.equal(toJsonText({ a: null, b: undefined, c: true, d: 'q"uote', e: 1.5 }), '{"a":null,"c":true,"d":"q\\"uote","e":1.5}');
    assert.equal(toJsonText(Number.NaN), '"NaN"');
    assert.equal(toJsonText(Number.POSITIVE_INFINITY), '"Infinity"');
    assert.equal(toJsonText(new Date(Date.UTC(2026, 0, 1))), '"2026-01-01T00:00:00.000Z"');
    assert.equal(toJsonText(false), 'false');
  });

  it('produces text JSON.parse accepts', () => {
    const text = toJsonText({ s: 'line\nbreak "q" \u2028', n: [1, null, { z: 2n }] });
    assert.deepEqual(JSON.parse(text), { s: 'line\nbreak "q" \u2028', n: [1, null, { z: 2 }] });
  });
});

describe('toJsonCompatible', () => {
  it('turns bigints into numbers when safe, else strings; bytes into base64; dates into ISO text', () => {
    assert.deepEqual(
      toJsonCompatible({ small: 5n, big: 2n ** 60n, bytes: new Uint8Array([1, 2]), at: new Date(0), nested: [undefined, { x: 1 }] }),
      { small: 5, big: '1152921504606846976', bytes: 'AQI=', at: '1970-01-01T00:00:00.000Z', nested: [null, { x: 1 }] },
    );
    assert.equal(toJsonCompatible(undefined), null);
    assert.equal(toJsonCompatible('s'), 's');
  });
});
