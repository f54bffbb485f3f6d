import { restContractSuite } from '../rest/test/rest-contract-suite.js';
import { startEmbeddedWorker } from '../runtime/embedded.js';
import { tempDir } from './harness/temp.js';

// The REST contract suite (rest/test/) against a real standalone worker running real datagen and
// stdout tasks, with REST on a free loopback port.
restContractSuite('REST contract against a real standalone worker', async () => {
  const dir = tempDir('rest');
  const worker = await startEmbeddedWorker({ rest: true, workerProps: { 'state.dir': dir.path, 'offset.flush.interval.ms': '200' } });
  return {
    baseUrl: worker.url!,
    close: async () => {
      await worker.stop();
      dir.remove();
    },
  };
});
