import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig, type ConnectRecord } from '../../plugins/api/index.js';
import { compileJavaRegex, compileJavaReplacement } from './java-regex.js';
import { regexRouterPlugin, regexRouterSpec } from './regex-router.js';

const record = (topic: string): ConnectRecord & { id: string } => ({ topic, keySchema: null, key: null, valueSchema: null, value: { a: 1 }, timestamp: 0, id: 'r1' });

describe('RegexRouter', () => {
  it('rewrites whole-topic matches with Java-style group references', () => {
    const t = regexRouterPlugin.create({ regex: 'shop\\.public\\.(.*)', replacement: 'lake_$1' });
    const out = t.apply(record('shop.public.orders'))!;
    assert.equal(out.topic, 'lake_orders');
    assert.equal((out as { id?: string }).id, 'r1');
    const other = record('shop.audit.log');
    assert.equal(t.apply(other), other, 'non-matching topics are left alone');
    assert.equal(regexRouterPlugin.create({ regex: 'public', replacement: 'x' }).apply(record('shop.public.orders'))!.topic, 'shop.public.orders', 'the match is on the whole name');
  });

  it('supports named groups, escapes and multi-digit groups as Java does', () => {
    const regex = compileJavaRegex('(?<db>[a-z]+)\\.(?<table>[a-z]+)');
    const m = regex.exec('shop.orders')!;
    assert.equal(compileJavaReplacement('${table}_from_${db}\\$', regex)(m), 'orders_from_shop$');
    const twelve = compileJavaRegex('(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)(l)');
    assert.equal(compileJavaReplacement('$12-$1', twelve)(twelve.exec('abcdefghijkl')!), 'l-a');
    const two = compileJavaRegex('(a)(b)');
    assert.equal(compileJavaReplacement('$12', two)(two.exec('ab')!), 'a2', '$12 with two groups is group 1 then "2"');
    assert.ok(compileJavaRegex('(?i)ORDERS').test('orders'));
  });

  it('refuses invalid patterns and replacements at config time', () => {
    const bad = parseConfig(regexRouterSpec, { regex: '(unclosed', replacement: 'x' });
    assert.equal(bad.ok, false);
    assert.ok(bad.errors.regex);
    const badRef = parseConfig(regexRouterSpec, { regex: '(a)', replacement: '$2' });
    assert.ok(badRef.errors.replacement);
    const missing = parseConfig(regexRouterSpec, {});
    assert.ok(missing.errors.regex && missing.errors.replacement);
  });
});
