import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { decodeInternalJson, encodeInternalJson, jacksonString, javaDoubleString } from './connect-internal-json.js';
import {
  decodeConfigRecord, encodeConnectorConfig, encodeLoggerLevel, encodeRestartRequest, encodeSessionKey, encodeTargetState,
  encodeTaskConfig, encodeTaskCount, encodeTasksCommit,
} from './kafka-config-format.js';
import { decodeOffsetKey, decodeOffsetValue, encodeOffsetKey, encodeOffsetValue, offsetKeyPartition } from './kafka-offset-format.js';
import { decodeStatusRecord, encodeConnectorStatus, encodeTaskStatus, encodeTopicStatus } from './kafka-status-format.js';
import { murmur2, partitionForKey } from './murmur2-partitioner.js';

/**
 * Golden records written by Kafka Connect 4.4.0's own classes (JsonConverter with
 * schemas.enable=false, KafkaConfigBackingStore's schemas, Utils.murmur2): see Goldens.java
 * beside the fixture for how they were made.
 */
interface GoldenRecord { name: string; key: string | null; keyBase64: string | null; value: string | null; valueBase64: string | null; partition?: Record<string, number> }
interface Goldens {
  kafkaVersion: string;
  murmur2: { key: string; murmur2: number; partition: Record<string, number> }[];
  offsets: GoldenRecord[];
  configs: GoldenRecord[];
  statuses: GoldenRecord[];
}
const goldens = JSON.parse(readFileSync(new URL('../../integration-tests/fixtures/kafka-connect/kafka-connect-goldens.json', import.meta.url), 'utf8')) as Goldens;
const bytes = (base64: string | null) => (base64 === null ? null : Buffer.from(base64, 'base64'));
const golden = (list: GoldenRecord[], name: string) => list.find((r) => r.name === name) ?? assert.fail(`no golden ${name}`);

describe('murmur2 partitioner', () => {
  it('hashes and partitions as Kafka 4.4.0 Utils.murmur2 and the built-in partitioner do', () => {
    assert.equal(goldens.kafkaVersion, '4.4.0');
    for (const c of goldens.murmur2) {
      const key = Buffer.from(c.key, 'utf8');
      assert.equal(murmur2(key), c.murmur2, c.key);
      for (const [count, partition] of Object.entries(c.partition)) assert.equal(partitionForKey(key, Number(count)), partition, `${c.key} over ${count}`);
    }
  });

  it('refuses a partition count below one', () => {
    assert.throws(() => partitionForKey(Buffer.from('a'), 0), RangeError);
  });
});

describe('internal JSON as Jackson writes it', () => {
  it('escapes as Jackson does: short escapes, upper-case \\u00XX, astral characters as surrogate escapes', () => {
    assert.equal(jacksonString('a"b\\c'), '"a\\"b\\\\c"');
    assert.equal(jacksonString('\b\f\n\r\t\u0000\u001f\u007f/'), '"\\b\\f\\n\\r\\t\\u0000\\u001F\u007f/"');
    assert.equal(jacksonString('é\u2028🙂'), '"é\u2028\\uD83D\\uDE42"');
  });

  it("writes doubles as Java's Double.toString", () => {
    const written = [0.25, 1e10 + 0.5, 1e-5, 1234567.5, 12345678.9, -0, 2 ** 60, 1e21].map((d) => encodeInternalJson(d).toString());
    // integral values are longs while they fit one (2^60), doubles beyond (1e21)
    assert.deepEqual(written, ['0.25', '1.00000000005E10', '1.0E-5', '1234567.5', '1.23456789E7', '-0.0', '1152921504606846976', '1.0E21']);
    assert.equal(javaDoubleString(2), '2.0');
    assert.equal(javaDoubleString(1e21), '1.0E21');
  });

  it('keeps integers beyond 2^53 exact and member order as written', () => {
    const value = decodeInternalJson('{"z":1,"a":9223372036854775807,"m":[1.5,-2,{}]}');
    assert.deepEqual(value, { z: 1, a: 9223372036854775807n, m: [1.5, -2, {}] });
    assert.deepEqual(Object.keys(value as object), ['z', 'a', 'm']);
    assert.equal(encodeInternalJson(value).toString(), '{"z":1,"a":9223372036854775807,"m":[1.5,-2,{}]}');
  });

  it('keeps a member named __proto__ as data', () => {
    const value = decodeInternalJson('{"__proto__":{"polluted":true}}') as Record<string, unknown>;
    assert.deepEqual(Object.keys(value), ['__proto__']);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe('connect-offsets records', () => {
  it('writes the key and value of a Debezium Postgres offset byte for byte, on the same partition', () => {
    const g = golden(goldens.offsets, 'debezium-postgres');
    const key = encodeOffsetKey('inventory-connector', { server: 'dbserver1' });
    assert.deepEqual(key, bytes(g.keyBase64));
    const value = encodeOffsetValue({ transaction_id: null, lsn_proc: 23475576, messageType: 'INSERT', lsn_commit: 23475576, lsn: 23475576, txId: 747, ts_usec: 1733100000123456 });
    assert.deepEqual(value, bytes(g.valueBase64));
    for (const [count, partition] of Object.entries(g.partition!)) assert.equal(offsetKeyPartition(key, Number(count)), partition);
  });

  it('reads every golden offsets record and writes back the same bytes', () => {
    for (const g of goldens.offsets) {
      const key = decodeOffsetKey(bytes(g.keyBase64));
      assert.ok(key, g.name);
      assert.deepEqual(encodeOffsetKey(key.connector, key.partition), bytes(g.keyBase64), g.name);
      const value = decodeOffsetValue(bytes(g.valueBase64));
      if (g.name === 'multi-key-partition') continue; // integral doubles: see the next test
      assert.deepEqual(encodeOffsetValue(value), bytes(g.valueBase64), g.name);
    }
    assert.deepEqual(decodeOffsetKey(bytes(golden(goldens.offsets, 'strings').keyBase64)), {
      connector: 'weird "name"\\', partition: { p: 'tab\there\nnewline\u0001\u001f é 🙂 \u2028 </script>' },
    });
    assert.equal(decodeOffsetValue(null), null);
  });

  it('reads doubles and longs of any size; integral doubles come back as longs (JavaScript has one number type)', () => {
    const g = golden(goldens.offsets, 'multi-key-partition');
    const value = decodeOffsetValue(bytes(g.valueBase64));
    assert.deepEqual(value, { last: 9223372036854775807n, snapshot: true, ratio: 0.25, big: 1e10, small: 1e-5, whole: 2 });
    assert.equal(encodeOffsetValue(value)!.toString(), '{"last":9223372036854775807,"snapshot":true,"ratio":0.25,"big":10000000000,"small":1.0E-5,"whole":2}');
  });

  it('skips keys that are not [connector, {partition}]', () => {
    for (const text of ['["a"]', '{"a":1}', '[1,{}]', '["a",[]]', 'not json', '']) assert.equal(decodeOffsetKey(Buffer.from(text)), undefined, text);
    assert.throws(() => decodeOffsetValue(Buffer.from('[1]')), TypeError);
  });
});

describe('connect-configs records', () => {
  const props = {
    'connector.class': 'io.debezium.connector.postgresql.PostgresConnector', 'tasks.max': '1',
    'database.password': '${file:/secrets.properties:password}', name: 'inventory-connector',
  };
  const cases: [string, ReturnType<typeof encodeTasksCommit>][] = [
    ['connector', encodeConnectorConfig('inventory-connector', props)],
    ['task', encodeTaskConfig('inventory-connector', 0, { ...props, 'task.class': 'io.debezium.connector.postgresql.PostgresConnectorTask' })],
    ['commit', encodeTasksCommit('inventory-connector', 1)],
    ['target-state-PAUSED', encodeTargetState('inventory-connector', 'PAUSED')],
    ['target-state-STOPPED', encodeTargetState('inventory-connector', 'STOPPED')],
    ['target-state-STARTED', encodeTargetState('inventory-connector', 'STARTED')],
    ['task-count', encodeTaskCount('inventory-connector', 3)],
    ['session-key', encodeSessionKey(Uint8Array.from({ length: 16 }, (_, i) => i + 1), 'HmacSHA256', 1733100000000)],
    ['restart', encodeRestartRequest('inventory-connector', true, false)],
    ['logger', encodeLoggerLevel('org.apache.kafka.connect', 'DEBUG')],
    ['connector-tombstone', encodeConnectorConfig('inventory-connector', null)],
  ];

  for (const [name, encoded] of cases) {
    it(`writes ${name} as Kafka Connect does`, () => {
      const g = golden(goldens.configs, name);
      assert.equal(encoded.key, g.key);
      assert.deepEqual(encoded.value, bytes(g.valueBase64));
    });
  }

  it('reads every kind of record', () => {
    const read = (name: string) => { const g = golden(goldens.configs, name); return decodeConfigRecord(g.key!, bytes(g.valueBase64)); };
    assert.deepEqual(read('connector'), { kind: 'connector', connector: 'inventory-connector', properties: props });
    assert.deepEqual(read('task'), { kind: 'task', connector: 'inventory-connector', task: 0, properties: { ...props, 'task.class': 'io.debezium.connector.postgresql.PostgresConnectorTask' } });
    assert.deepEqual(read('commit'), { kind: 'commit', connector: 'inventory-connector', tasks: 1 });
    assert.deepEqual(read('target-state-STOPPED'), { kind: 'target-state', connector: 'inventory-connector', state: 'STOPPED' });
    assert.deepEqual(read('target-state-v0'), { kind: 'target-state', connector: 'inventory-connector', state: 'PAUSED' });
    assert.deepEqual(read('task-count'), { kind: 'task-count', connector: 'inventory-connector', taskCount: 3 });
    const session = read('session-key');
    assert.equal(session.kind, 'session-key');
    assert.deepEqual(session.kind === 'session-key' && [...session.key], Array.from({ length: 16 }, (_, i) => i + 1));
    assert.deepEqual(read('restart'), { kind: 'restart', connector: 'inventory-connector', includeTasks: true, onlyFailed: false });
    assert.deepEqual(read('logger'), { kind: 'logger', namespace: 'org.apache.kafka.connect', level: 'DEBUG' });
    assert.deepEqual(read('connector-tombstone'), { kind: 'connector', connector: 'inventory-connector', properties: null });
  });

  it('parses connector names with dashes in task keys', () => {
    assert.deepEqual(decodeConfigRecord('task-my-pg-source-12', Buffer.from('{"properties":{}}')), { kind: 'task', connector: 'my-pg-source', task: 12, properties: {} });
  });

  it('ignores unknown keys and malformed values, saying why', () => {
    const kinds = [
      decodeConfigRecord('something-else', Buffer.from('{}')),
      decodeConfigRecord('task-nonumber', Buffer.from('{"properties":{}}')),
      decodeConfigRecord('commit-c', Buffer.from('{"tasks":"2"}')),
      decodeConfigRecord('connector-c', Buffer.from('{"properties":{"a":1}}')),
      decodeConfigRecord('target-state-c', Buffer.from('{"state":"RUNNING"}')),
      decodeConfigRecord('connector-c', Buffer.from('{broken')),
      decodeConfigRecord('connector-c', Buffer.from('[1]')),
    ];
    for (const record of kinds) assert.equal(record.kind, 'ignored', JSON.stringify(record));
  });

  it('falls back to "state" when "state.v2" is not a string, as Kafka Connect does', () => {
    assert.deepEqual(decodeConfigRecord('target-state-c', Buffer.from('{"state":"PAUSED","state.v2":7}')), { kind: 'target-state', connector: 'c', state: 'PAUSED' });
  });
});

describe('connect-status records', () => {
  it('writes connector, task and topic statuses as Kafka Connect does', () => {
    const written = [
      ['connector-running', encodeConnectorStatus('inventory-connector', { state: 'RUNNING', trace: null, workerId: '127.0.0.1:8083', generation: 7 })],
      ['task-failed', encodeTaskStatus('inventory-connector', 0, { state: 'FAILED', trace: 'org.apache.kafka.connect.errors.ConnectException: boom\n\tat X.y(X.java:1)\n', workerId: '10.0.0.2:8083', generation: 12 })],
      ['topic', encodeTopicStatus({ topic: 'dbserver1.public.orders', connector: 'inventory-connector', task: 0, discoverTimestamp: 1733100000000 })],
      ['task-tombstone', encodeTaskStatus('inventory-connector', 0, null)],
    ] as const;
    for (const [name, encoded] of written) {
      const g = golden(goldens.statuses, name);
      assert.equal(encoded.key, g.key, name);
      assert.deepEqual(encoded.value, bytes(g.valueBase64), name);
    }
  });

  it('reads them back, and ignores what it does not know', () => {
    const read = (name: string) => { const g = golden(goldens.statuses, name); return decodeStatusRecord(g.key!, bytes(g.valueBase64)); };
    assert.deepEqual(read('connector-running'), { kind: 'connector', connector: 'inventory-connector', status: { state: 'RUNNING', trace: null, workerId: '127.0.0.1:8083', generation: 7 } });
    assert.deepEqual(read('task-tombstone'), { kind: 'task', connector: 'inventory-connector', task: 0, status: null });
    assert.deepEqual(read('topic'), { kind: 'topic', connector: 'inventory-connector', topic: 'dbserver1.public.orders', status: { topic: 'dbserver1.public.orders', connector: 'inventory-connector', task: 0, discoverTimestamp: 1733100000000 } });
    assert.deepEqual(decodeStatusRecord('status-task-my-sink-3', Buffer.from('{"state":"PAUSED","trace":null,"worker_id":"w","generation":1}')),
      { kind: 'task', connector: 'my-sink', task: 3, status: { state: 'PAUSED', trace: null, workerId: 'w', generation: 1 } });
    for (const [key, value] of [['status-other-x', '{}'], ['status-task-x', '{}'], ['status-connector-c', '{"state":"WEIRD","worker_id":"w","generation":1}'], ['status-connector-c', '{"state":"RUNNING","worker_id":"w"}'], ['status-topic-t', '{}']]) {
      assert.equal(decodeStatusRecord(key, Buffer.from(value)).kind, 'ignored', key);
    }
  });
});
