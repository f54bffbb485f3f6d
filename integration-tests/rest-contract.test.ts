import assert from 'node:assert/strict';
import { test } from 'node:test';
import { restContractSuite } from '../rest/test/rest-contract-suite.js';
import { startEmbeddedWorker } from '../cli/embedded-worker.js';
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

// Behind a proxy the worker config names the address clients use, as Kafka Connect's
// rest.advertised.* do: a created connector's Location is on it.
test('a standalone worker with rest.advertised.* gives Locations on the advertised address', async () => {
  const dir = tempDir('rest-advertised');
  const worker = await startEmbeddedWorker({ rest: true, workerProps: { 'state.dir': dir.path, 'rest.advertised.host.name': 'connect.example.com', 'rest.advertised.port': '443', 'rest.advertised.listener': 'HTTPS' } });
  try {
    const res = await fetch(`${worker.url}/connectors`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'orders cdc', config: { 'connector.class': 'stdout', topics: 'advertised.t' } }) });
    assert.equal(res.status, 201, await res.text());
    assert.equal(res.headers.get('location'), 'https://connect.example.com:443/connectors/orders%20cdc');
  } finally {
    await worker.stop();
    dir.remove();
  }
});
