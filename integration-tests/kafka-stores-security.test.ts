import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TributaryError, type Logger } from '../plugins/api/index.js';
import { loadDistributedWorkerConfig } from '../runtime/config/distributed-worker-config.js';
import { startKafkaBackingStores } from '../runtime/storage/kafka-backing-stores.js';
import { startKafkaCluster, uniqueName, type KafkaCluster } from './harness/kafka-cluster.js';
import { freePort } from './harness/ports.js';
import { tempDir } from './harness/temp.js';
import { makeTlsFiles, type TlsFiles } from './harness/tls-certs.js';

/**
 * The worker's Kafka security settings against a real broker with a SASL_PLAINTEXT (PLAIN)
 * listener and an SSL listener (PEM key store): the stores start through each with the right
 * settings, and fail with a clear kafka.unavailable within the timeout with wrong ones. A private
 * broker (the shared one has plain listeners only).
 */
let kafka: KafkaCluster;
let saslPort: number;
let sslPort: number;
let tls: TlsFiles;
const certs = tempDir('kafka-tls');
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

before(async () => {
  tls = makeTlsFiles(certs.path);
  saslPort = await freePort();
  sslPort = await freePort();
  kafka = await startKafkaCluster({
    overrides: (node) => {
      const listeners = `PLAINTEXT://127.0.0.1:${node.port},CONTROLLER://127.0.0.1:${node.controllerPort},SASL_PLAINTEXT://127.0.0.1:${saslPort},SSL://127.0.0.1:${sslPort}`;
      return {
        listeners,
        'advertised.listeners': listeners,
        'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL',
        'sasl.enabled.mechanisms': 'PLAIN',
        'listener.name.sasl_plaintext.plain.sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret";',
        'listener.name.ssl.ssl.keystore.type': 'PEM',
        'listener.name.ssl.ssl.keystore.location': tls.keyAndCertFile,
      };
    },
  });
});
after(async () => {
  await kafka?.stop();
  certs.remove();
});

function workerProps(bootstrap: string, extra: Record<string, string>): Record<string, string> {
  const group = uniqueName('secure');
  return {
    'bootstrap.servers': bootstrap, 'group.id': group,
    'config.storage.topic': `${group}-configs`, 'offset.storage.topic': `${group}-offsets`, 'status.storage.topic': `${group}-status`,
    'config.storage.replication.factor': '1', 'offset.storage.replication.factor': '1', 'status.storage.replication.factor': '1',
    'offset.storage.partitions': '2', 'status.storage.partitions': '1', 'worker.startup.timeout.ms': '8000', ...extra,
  };
}

async function roundTrip(props: Record<string, string>): Promise<void> {
  const stores = await startKafkaBackingStores(loadDistributedWorkerConfig(props, {}), { logger: quiet });
  try {
    await stores.offsets.set([{ connector: 'c', partition: { p: 1 }, offset: { o: 1 } }]);
    assert.deepEqual(await stores.offsets.get('c', { p: 1 }), { o: 1 });
  } finally {
    await stores.stop();
  }
}

async function refused(props: Record<string, string>, pattern: RegExp): Promise<number> {
  const started = Date.now();
  await assert.rejects(startKafkaBackingStores(loadDistributedWorkerConfig(props, {}), { logger: quiet }), (error: unknown) => {
    assert.ok(error instanceof TributaryError);
    assert.equal(error.code, 'kafka.unavailable');
    assert.match(error.message, pattern);
    return true;
  });
  return Date.now() - started;
}

describe('Kafka stores over secured listeners', () => {
  it('start over SASL_PLAINTEXT with PLAIN credentials from sasl.jaas.config, and fail clearly with a wrong password', async () => {
    const sasl = {
      'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism': 'PLAIN',
      'sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="alice-secret";',
    };
    await roundTrip(workerProps(`127.0.0.1:${saslPort}`, sasl));
    const took = await refused(workerProps(`127.0.0.1:${saslPort}`, { ...sasl, 'sasl.jaas.config': 'PlainLoginModule required username="alice" password="wrong";' }), /within worker\.startup\.timeout\.ms=8000 ms .*SASL authentication failed/);
    console.log(`# wrong SASL password: refused after ${took} ms`);
    assert.ok(took < 8_000 + 2_000, `gave up after ${took} ms`);
  });

  it('start over SSL trusting the broker CA as PEM, and fail clearly when the CA is another', async () => {
    await roundTrip(workerProps(`127.0.0.1:${sslPort}`, { 'security.protocol': 'SSL', 'ssl.truststore.type': 'PEM', 'ssl.truststore.location': tls.caFile }));
    const took = await refused(workerProps(`127.0.0.1:${sslPort}`, { 'security.protocol': 'SSL', 'ssl.truststore.type': 'PEM', 'ssl.truststore.location': tls.otherCaFile }), /could not be reached.*unable to verify the first certificate/);
    console.log(`# untrusted broker certificate: refused after ${took} ms`);
  });
});
