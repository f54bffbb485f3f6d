import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectorConverters } from './connector-converters.js';

test('StringConverter: text both ways, optional string schema, null stays null', () => {
  const { key, value } = connectorConverters({ 'key.converter': 'org.apache.kafka.connect.storage.StringConverter', 'value.converter': 'string' }, {});
  assert.deepEqual(key.toConnectData('t', Buffer.from('42')), { schema: { type: 'string', optional: true }, value: '42' });
  assert.equal(key.fromConnectData('t', null, 'héllo')!.toString('utf8'), 'héllo');
  assert.equal(value.fromConnectData('t', null, 42)!.toString(), '42');
  assert.equal(value.fromConnectData('t', null, null), null);
  assert.deepEqual(value.toConnectData('t', null), { schema: { type: 'string', optional: true }, value: null });
  assert.throws(() => value.fromConnectData('t', null, { a: 1 }), /JsonConverter/);
});

test('StringConverter: converter.encoding', () => {
  const { value } = connectorConverters({ 'value.converter': 'string', 'value.converter.converter.encoding': 'ISO-8859-1' }, {});
  assert.deepEqual([...value.fromConnectData('t', null, 'é')!], [0xe9]);
  assert.equal(value.toConnectData('t', Buffer.from([0xe9])).value, 'é');
});

test('ByteArrayConverter: bytes pass through unchanged', () => {
  const { value } = connectorConverters({ 'value.converter': 'org.apache.kafka.connect.converters.ByteArrayConverter' }, {});
  const bytes = Buffer.from([0, 1, 2, 255]);
  assert.deepEqual(value.fromConnectData('t', null, bytes), bytes);
  const back = value.toConnectData('t', bytes);
  assert.deepEqual(back, { schema: { type: 'bytes', optional: true }, value: bytes });
  assert.throws(() => value.fromConnectData('t', null, 'text'), /bytes only/);
});
