import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { TributaryError } from '../../plugins/api/index.js';
import { clientOverrides, loadDistributedWorkerConfig } from './distributed-worker-config.js';

const minimal = {
  'bootstrap.servers': 'broker-1:9092,broker-2:9093',
  'group.id': 'connect-cluster',
  'config.storage.topic': 'connect-configs',
  'offset.storage.topic': 'connect-offsets',
  'status.storage.topic': 'connect-status',
};

function problems(props: Record<string, string>, env: Record<string, string> = {}): string[] {
  try {
    loadDistributedWorkerConfig(props, env);
  } catch (error) {
    assert.ok(error instanceof TributaryError);
    assert.equal(error.code, 'worker.config_invalid');
    assert.equal(error.message, `The worker configuration is invalid:\n${error.details.map((d) => `  - ${d}`).join('\n')}`);
    return [...error.details].sort();
  }
  assert.fail('expected worker.config_invalid');
}

const dir = mkdtempSync(join(tmpdir(), 'tributary-distributed-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('loadDistributedWorkerConfig', () => {
  it("applies Kafka Connect's defaults to the internal topics, the flush cycle and the converters", () => {
    const loaded = loadDistributedWorkerConfig(minimal, {});
    assert.deepEqual(loaded.topics, {
      config: { topic: 'connect-configs', partitions: 1, replicationFactor: 3, configs: {}, property: 'config.storage.topic' },
      offset: { topic: 'connect-offsets', partitions: 25, replicationFactor: 3, configs: {}, property: 'offset.storage.topic' },
      status: { topic: 'connect-status', partitions: 5, replicationFactor: 3, configs: {}, property: 'status.storage.topic' },
    });
    const { config } = loaded;
    assert.equal(config['offset.flush.interval.ms'], 60000);
    assert.equal(config['offset.flush.timeout.ms'], 5000);
    assert.equal(config['key.converter'], 'org.apache.kafka.connect.json.JsonConverter');
    assert.equal(config['value.converter.schemas.enable'], true);
    assert.equal(config['worker.startup.timeout.ms'], 30000);
    assert.equal(config['worker.sync.timeout.ms'], 3000);
    assert.deepEqual(config.listeners, ['http://127.0.0.1:8083']);
    assert.equal(config['security.protocol'], 'PLAINTEXT');
    assert.deepEqual(loaded.kafka, { bootstrapBrokers: ['broker-1:9092', 'broker-2:9093'], security: {}, timeoutMs: 30000 });
    assert.deepEqual(loaded.unknown, []);
  });

  it('lists every problem at once: missing required properties, bad values, cross-field rules', () => {
    assert.deepEqual(problems({ 'bootstrap.servers': 'nohost,ok:9092', 'offset.storage.partitions': '0', 'status.storage.replication.factor': '-2', 'listeners': 'ftp://x', 'heartbeat.interval.ms': '20000' }), [
      'bootstrap.servers: "nohost" is not a host:port pair (IPv6 literals are not supported: use a host name)',
      'config.storage.topic: Missing required configuration "config.storage.topic" which has no default value.',
      'group.id: Missing required configuration "group.id" which has no default value.',
      'heartbeat.interval.ms: heartbeat.interval.ms must be lower than session.timeout.ms (a third of it is usual)',
      'listeners: Listener "ftp://x" is not of the form http://host:port.',
      "offset.storage.partitions: offset.storage.partitions must be at least 1, or -1 for the broker's default",
      'offset.storage.topic: Missing required configuration "offset.storage.topic" which has no default value.',
      'status.storage.replication.factor: Invalid value "-2" for configuration status.storage.replication.factor: must be at least -1',
      'status.storage.topic: Missing required configuration "status.storage.topic" which has no default value.',
    ]);
    assert.deepEqual(problems({}), [
      'bootstrap.servers: Missing required configuration "bootstrap.servers" which has no default value.',
      'config.storage.topic: Missing required configuration "config.storage.topic" which has no default value.',
      'group.id: Missing required configuration "group.id" which has no default value.',
      'offset.storage.topic: Missing required configuration "offset.storage.topic" which has no default value.',
      'status.storage.topic: Missing required configuration "status.storage.topic" which has no default value.',
    ]);
  });

  it('refuses one topic for two roles and a deleting cleanup.policy', () => {
    assert.deepEqual(problems({ ...minimal, 'status.storage.topic': 'connect-offsets', 'config.storage.cleanup.policy': 'delete' }), [
      'config.storage.cleanup.policy: internal topics must have cleanup.policy=compact, not delete',
      'status.storage.topic: status.storage.topic and offset.storage.topic name the same topic "connect-offsets"; each internal topic must be its own',
    ]);
  });

  it('passes <role>.storage.* topic configs, client overrides and -1 (broker default) through', () => {
    const loaded = loadDistributedWorkerConfig({
      ...minimal, 'offset.storage.replication.factor': '-1', 'offset.storage.min.insync.replicas': '2', 'status.storage.cleanup.policy': 'compact',
      'producer.compression.type': 'lz4', 'consumer.max.poll.records': '500', 'admin.request.timeout.ms': '1000', 'key.converter.schemas.enable': 'false',
    }, {});
    assert.deepEqual(loaded.topics.offset.configs, { 'min.insync.replicas': '2' });
    assert.equal(loaded.topics.offset.replicationFactor, -1);
    assert.deepEqual(loaded.topics.status.configs, { 'cleanup.policy': 'compact' });
    assert.deepEqual(clientOverrides(loaded.raw, 'producer.'), { 'compression.type': 'lz4' });
    assert.deepEqual(clientOverrides(loaded.raw, 'consumer.'), { 'max.poll.records': '500' });
    assert.deepEqual(clientOverrides(loaded.raw, 'admin.'), { 'request.timeout.ms': '1000' });
    assert.equal(loaded.config['key.converter.schemas.enable'], false);
    assert.deepEqual(loaded.unknown, []);
  });

  it('warns about unknown properties with the name they were likely meant to be, and takes TRIBUTARY_* overrides', () => {
    const loaded = loadDistributedWorkerConfig({ ...minimal, 'group.idd': 'x', 'offset.flush.interval': '10' }, { TRIBUTARY_GROUP_ID: 'from-env' });
    assert.equal(loaded.config['group.id'], 'from-env');
    assert.deepEqual(loaded.unknown, ['group.idd', 'offset.flush.interval']);
    assert.deepEqual(loaded.warnings.map((w) => w.suggestion), ['group.id', 'offset.flush.interval.ms']);
  });

  it('maps SASL and TLS settings to the client, and says which ones the client cannot do', () => {
    const ca = join(dir, 'ca.pem');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const loaded = loadDistributedWorkerConfig({
      ...minimal, 'security.protocol': 'sasl_ssl', 'sasl.mechanism': 'SCRAM-SHA-512',
      'sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="s\\"ecret";',
      'ssl.truststore.type': 'PEM', 'ssl.truststore.location': ca, 'ssl.endpoint.identification.algorithm': '',
    }, {});
    assert.deepEqual(loaded.kafka.security.sasl, { mechanism: 'SCRAM-SHA-512', username: 'alice', password: 's"ecret' });
    assert.match(String(loaded.kafka.security.tls?.ca), /BEGIN CERTIFICATE/);
    assert.equal(typeof loaded.kafka.security.tls?.checkServerIdentity, 'function', 'host name checks off');

    assert.deepEqual(problems({ ...minimal, 'security.protocol': 'SASL_SSL', 'ssl.truststore.location': '/nowhere.jks' }), [
      'sasl.mechanism: sasl.mechanism=GSSAPI is not supported by the Kafka client (Kerberos needs a custom authenticator); use PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512',
      'ssl.truststore.type: a JKS trust store cannot be read by the Kafka client (node:tls takes CA certificates as PEM): export the certificates as PEM and set ssl.truststore.type=PEM',
    ]);
    const unquoted = loadDistributedWorkerConfig({ ...minimal, 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism': 'plain', 'sasl.jaas.config': 'PlainLoginModule required username=bob password="p w";' }, {});
    assert.deepEqual(unquoted.kafka.security, { sasl: { mechanism: 'PLAIN', username: 'bob', password: 'p w' } });
    assert.deepEqual(problems({ ...minimal, 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism': 'PLAIN', 'sasl.jaas.config': 'PlainLoginModule required;' }), [
      'sasl.jaas.config: sasl.jaas.config must set username="..." and password="..."',
    ]);
    assert.deepEqual(problems({ ...minimal, 'security.protocol': 'SSL', 'ssl.truststore.type': 'PEM', 'ssl.truststore.location': join(dir, 'missing.pem') }), [
      `ssl.truststore.location: cannot read ${join(dir, 'missing.pem')}: ENOENT`,
    ]);
  });
});
