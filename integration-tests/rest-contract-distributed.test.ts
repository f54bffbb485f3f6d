import { Writable } from 'node:stream';
import { before } from 'node:test';
import { startDistributed, type DistributedRuntime } from '../cli/distributed-worker.js';
import { restContractSuite } from '../rest/test/rest-contract-suite.js';
import { distributedWorkerProps } from './harness/distributed-props.js';
import { sharedKafka, uniqueName, type KafkaEndpoint } from './harness/kafka-cluster.js';
import { eventually } from './harness/worker-process.js';

// The same REST contract suite as the standalone worker's (rest-contract.test.ts), against the
// follower of a group of two `tributary distributed` workers on the real broker: its writes are
// forwarded to the leader, its reads answered from the config and status topics it reads, and
// the connectors' tasks run on either worker.
let kafka: KafkaEndpoint;
before(async () => { kafka = await sharedKafka(); });

restContractSuite('REST contract against the follower of a two-worker group', async () => {
  const group = uniqueName('rest');
  const start = (id: string) => startDistributed({
    workerProps: distributedWorkerProps(kafka, group, { 'offset.flush.interval.ms': '200', 'offset.storage.partitions': '2', listeners: 'http://127.0.0.1:0', 'worker.id': id }),
    logDestination: process.env.TRIBUTARY_TEST_LOGS ? process.stderr : new Writable({ write: (_c, _e, done) => done() }),
  });
  const workers: DistributedRuntime[] = [await start('rest-a'), await start('rest-b')];
  const follower = await eventually(() => (workers.every((w) => w.herder.ready()) ? workers.find((w) => !w.herder.isLeader()) : undefined), 30_000, 'two workers in the group');
  return { baseUrl: follower.url!, close: async () => { await Promise.all(workers.map((w) => w.stop())); } };
});
