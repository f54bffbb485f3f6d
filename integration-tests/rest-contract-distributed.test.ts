import { before } from 'node:test';
import { restContractSuite } from '../rest/test/rest-contract-suite.js';
import { sharedKafkaCluster, uniqueName, type KafkaEndpoint } from './harness/kafka-cluster.js';
import { tempDir } from './harness/temp.js';
import { settled, startGroup } from './harness/worker-group.js';

// The same REST contract suite as the standalone worker's (rest-contract.test.ts), against the
// follower of a group of two `tributary distributed` processes on the real broker: its writes are
// forwarded to the leader, its reads answered from the config and status topics it reads, and
// the connectors' tasks run on either worker.
let kafka: KafkaEndpoint;
before(async () => { kafka = await sharedKafkaCluster(); });

restContractSuite('REST contract against the follower of a two-worker group', async () => {
  const dir = tempDir('rest-contract-group');
  const workers = await startGroup(kafka, uniqueName('rest'), dir.path, 2, { 'offset.flush.interval.ms': '200', 'offset.storage.partitions': '2' });
  const { followers } = await settled(workers);
  return {
    baseUrl: followers[0].url,
    close: async () => {
      await Promise.all(workers.map((w) => w.kill('SIGTERM')));
      dir.remove();
    },
  };
});
