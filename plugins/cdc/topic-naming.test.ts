import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sanitizeTopicName, TopicNamer } from './topic-naming.js';

test('topic names keep [A-Za-z0-9._-]; every other UTF-16 unit becomes _ (Debezium 3.6)', () => {
  assert.equal(sanitizeTopicName('quickstart.public.Mixed Case'), 'quickstart.public.Mixed_Case');
  assert.equal(sanitizeTopicName('quickstart.public.ünï-cødé.x$y'), 'quickstart.public._n_-c_d_.x_y');
  assert.equal(sanitizeTopicName('p.s.😀'), 'p.s.__');
  assert.equal(sanitizeTopicName('p.public.orders'), 'p.public.orders');
  assert.equal(sanitizeTopicName('x'.repeat(300)).length, 249);
});

test('a renamed table is warned about once per namer', () => {
  const warnings: string[] = [];
  const logger = { debug() {}, info() {}, error() {}, warn: (_o: object | string, msg?: string) => void warnings.push(msg ?? '') };
  const namer = new TopicNamer(logger);
  assert.equal(namer.dataChangeTopic('q', 'public', 'Mixed Case'), 'q.public.Mixed_Case');
  assert.equal(namer.dataChangeTopic('q', 'public', 'Mixed Case'), 'q.public.Mixed_Case');
  assert.equal(namer.dataChangeTopic('q', 'public', 'plain'), 'q.public.plain');
  assert.deepEqual(warnings, ["Topic 'q.public.Mixed Case' name isn't a valid topic name, replacing it with 'q.public.Mixed_Case'."]);
});
