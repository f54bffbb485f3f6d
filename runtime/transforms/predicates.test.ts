import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConnectRecord } from '../../plugins/api/index.js';
import { filterPlugin } from './filter.js';
import { hasHeaderKeyPlugin } from './has-header-key.js';
import { recordIsTombstonePlugin } from './record-is-tombstone.js';
import { topicNameMatchesPlugin } from './topic-name-matches.js';

const record = (topic: string, value: unknown = {}, headers?: Record<string, string>): ConnectRecord =>
  ({ topic, keySchema: null, key: null, valueSchema: null, value, timestamp: 0, headers });

describe('predicates and Filter', () => {
  it('TopicNameMatches matches the whole topic name', () => {
    const p = topicNameMatchesPlugin.create({ pattern: 'shop\\..*\\.orders' });
    assert.equal(p.test(record('shop.public.orders')), true);
    assert.equal(p.test(record('shop.public.orders_archive')), false);
    assert.equal(p.test(record('shop.public.orders')), true, 'cached answer is the same');
    assert.throws(() => topicNameMatchesPlugin.create({ pattern: '[' }), /pattern/);
    assert.throws(() => topicNameMatchesPlugin.create({}), /pattern/);
  });

  it('HasHeaderKey looks for a header name', () => {
    const p = hasHeaderKeyPlugin.create({ name: '__op' });
    assert.equal(p.test(record('t', {}, { __op: 'd' })), true);
    assert.equal(p.test(record('t', {}, { other: 'x' })), false);
    assert.equal(p.test(record('t')), false);
  });

  it('RecordIsTombstone is true for null values only', () => {
    const p = recordIsTombstonePlugin.create({});
    assert.equal(p.test(record('t', null)), true);
    assert.equal(p.test(record('t', { a: 1 })), false);
  });

  it('Filter drops every record it sees', () => {
    assert.equal(filterPlugin.create({}).apply(record('t')), null);
  });
});
