import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JsonNumber, parseExactJson, parseExactJsonObject } from './exact-json.js';

describe('exact JSON parser', () => {
  it('keeps number text exactly and parses everything JSON.parse does', () => {
    const node = parseExactJson(' {"big": 9007199254740993, "dec": 12.50, "exp": -1.5e-3, "s": "a\\"b\\u00e9\\n", "t": true, "n": null, "arr": [1, [], {}]} ');
    assert.ok(node && typeof node === 'object' && !Array.isArray(node) && !(node instanceof JsonNumber));
    const o = node as Record<string, unknown>;
    assert.equal((o.big as JsonNumber).text, '9007199254740993');
    assert.equal((o.dec as JsonNumber).text, '12.50');
    assert.equal((o.exp as JsonNumber).isInteger, false);
    assert.equal(o.s, 'a"bé\n');
    assert.equal(o.t, true);
    assert.equal(o.n, null);
    assert.equal((o.arr as unknown[]).length, 3);
  });

  it('keeps a __proto__ member as data', () => {
    const o = parseExactJson('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(o), Object.prototype);
    assert.deepEqual(Object.keys(o), ['__proto__']);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('steps over a member without parsing it and returns its text', () => {
    const parsed = parseExactJsonObject('{"schema": {"doc": "has } and ] and \\" inside", "fields": [{"x": [1]}]}, "payload": {"a": 1}}', 'schema')!;
    assert.equal(parsed.skippedText, '{"doc": "has } and ] and \\" inside", "fields": [{"x": [1]}]}');
    assert.deepEqual(Object.keys(parsed.members), ['payload']);
    assert.equal(parseExactJsonObject('{"schema": null, "payload": 1}', 'schema')!.skippedText, 'null');
    assert.equal(parseExactJsonObject('[1]', 'schema'), null);
  });

  it('rejects malformed text with a position', () => {
    for (const bad of ['{"a":}', '{"a":1', '[1,]', '01', '"open', 'tru', '{"a":1} x', '{"schema": {"a": 1']) {
      assert.throws(() => (bad.includes('schema') ? parseExactJsonObject(bad, 'schema') : parseExactJson(bad)), SyntaxError, bad);
    }
  });
});
