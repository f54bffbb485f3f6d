import { Writable } from 'node:stream';
import { before } from 'node:test';
import { startDistributed } from '../cli/distributed-worker.js';
import { restContractSuite } from '../rest/test/rest-contract-suite.js';
import { distributedWorkerProps } from './harness/distributed-props.js';
import { sharedKafka, uniqueName, type KafkaEndpoint } from './harness/kafka-cluster.js';

// The same REST contract suite as the standalone worker's (rest-contract.test.ts), against a
// `tributary distributed` worker on the real broker: connectors, task configs and target states
// in its config topic, statuses in its status topic, offsets in its offset topic, records
// through Kafka.
let kafka: KafkaEndpoint;
before(async () => { kafka = await sharedKafka(); });

restContractSuite('REST contract against a real distributed worker', async () => {
  const group = uniqueName('rest');
  const worker = await startDistributed({
    workerProps: distributedWorkerProps(kafka, group, { 'offset.flush.interval.ms': '200', 'offset.storage.partitions': '2', listeners: 'http://127.0.0.1:0' }),
    logDestination: process.env.TRIBUTARY_TEST_LOGS ? process.stderr : new Writable({ write: (_c, _e, done) => done() }),
  });
  return { baseUrl: worker.url!, close: () => worker.stop() };
});
