import { Counter, Registry } from 'prom-client';
import { restContractSuite } from './test/rest-contract-suite.js';
import { startTestServer } from './test/test-server.js';

// The contract suite over real HTTP against the in-memory FakeHerder; the lead runs the same
// suite against a real worker. auth.test.ts covers refusals without credentials.

function probeRegistry(): Registry {
  const metrics = new Registry();
  new Counter({ name: 'tributary_rest_contract_probe_total', help: 'Present so /metrics has content.', registers: [metrics] }).inc();
  return metrics;
}

restContractSuite('REST contract against the fake herder', async () => {
  const env = await startTestServer({ metrics: probeRegistry(), commit: 'abc123' });
  return { baseUrl: env.url, close: env.close };
});

// The same contract holds behind authentication when the client sends credentials.
restContractSuite('REST contract against the fake herder, bearer auth', async () => {
  const env = await startTestServer({ metrics: probeRegistry(), auth: { type: 'bearer', token: 'contract-token' } });
  return { baseUrl: env.url, close: env.close, headers: { authorization: 'Bearer contract-token' } };
});
