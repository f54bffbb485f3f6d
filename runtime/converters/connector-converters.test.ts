import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectorConverters } from './connector-converters.js';

const JSON_CONVERTER = 'org.apache.kafka.connect.json.JsonConverter';
/** what a converter writes for a one-field struct: with or without the schema envelope */
function written(connector: Record<string, string>, worker: Record<string, string>): string {
  const { value } = connectorConverters(connector, worker);
  return value.fromConnectData('t', null, { a: 1 })!.toString('utf8');
}

test("a connector's converter properties apply to its own converter only, as in Kafka Connect", () => {
  // nothing named: Kafka Connect's JsonConverter with schemas
  assert.equal(written({}, {}), '{"schema":null,"payload":{"a":1}}');
  // the worker's converter with the worker's properties
  assert.equal(written({}, { 'value.converter': JSON_CONVERTER, 'value.converter.schemas.enable': 'false' }), '{"a":1}');
  // the connector's converter with the connector's properties, not the worker's
  assert.equal(written({ 'value.converter': JSON_CONVERTER }, { 'value.converter.schemas.enable': 'false' }), '{"schema":null,"payload":{"a":1}}');
  assert.equal(written({ 'value.converter': JSON_CONVERTER, 'value.converter.schemas.enable': 'false' }, {}), '{"a":1}');
  // a connector's property without its own converter is not used (Kafka Connect's Worker takes
  // the worker's converter, configured from the worker config)
  assert.equal(written({ 'value.converter.schemas.enable': 'false' }, {}), '{"schema":null,"payload":{"a":1}}');
  assert.equal(written({ 'value.converter.schemas.enable': 'true' }, { 'value.converter.schemas.enable': 'false' }), '{"a":1}');
});
