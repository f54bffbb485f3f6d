import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeHerder } from './test/fake-herder.js';
import { fakePlugins } from './test/fake-plugins.js';
import { startTestServer } from './test/test-server.js';

/** The incremental-snapshot routes (a Tributary extension) turn requests into Debezium signals for the herder. */
describe('REST: /connectors/{name}/snapshots and /signals', () => {
  const herder = new FakeHerder();
  let env: Awaited<ReturnType<typeof startTestServer>>;
  const call = (method: string, path: string, body?: unknown) => fetch(`${env.url}${path}`, {
    method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  before(async () => {
    env = await startTestServer({ herder });
    await herder.putConnectorConfig('src', { 'connector.class': fakePlugins[0].className, name: 'src', topic: 'orders' }, false);
  });
  after(() => env.close());

  it('POST starts one with Debezium\'s execute-snapshot data; GET shows it; pause, resume and DELETE are signals too', async () => {
    const data = { 'data-collections': ['public.t'], type: 'incremental' };
    const started = await call('POST', '/connectors/src/snapshots', data);
    assert.equal(started.status, 202);
    const { id, type } = await started.json() as { id: string; type: string };
    assert.equal(type, 'execute-snapshot');
    assert.match(id, /^[0-9a-f-]{36}$/);
    const progress = await (await call('GET', '/connectors/src/snapshots')).json() as { connector: string; snapshot: { collections: string[] } };
    assert.deepEqual(progress, { connector: 'src', snapshot: { id, state: 'running', collections: ['public.t'] } });
    for (const path of ['/connectors/src/snapshots/pause', '/connectors/src/snapshots/resume']) assert.equal((await call('POST', path)).status, 202);
    assert.equal((await call('DELETE', '/connectors/src/snapshots', { 'data-collections': ['public.t'] })).status, 202);
    assert.deepEqual(herder.signals.get('src')!.map((s) => [s.type, s.data]), [
      ['execute-snapshot', data], ['pause-snapshot', {}], ['resume-snapshot', {}], ['stop-snapshot', { 'data-collections': ['public.t'] }],
    ]);
  });

  it('POST /signals takes any signal with its own id; a body that is not an object, or has no type, is 400; an unknown connector 404', async () => {
    assert.equal((await call('POST', '/connectors/src/signals', { id: 'mine', type: 'log', data: { message: 'hi' } })).status, 202);
    assert.deepEqual(herder.signals.get('src')!.at(-1), { id: 'mine', type: 'log', data: { message: 'hi' } });
    assert.equal((await call('POST', '/connectors/src/signals', { data: {} })).status, 400);
    assert.equal((await call('POST', '/connectors/src/snapshots', ['public.t'])).status, 400);
    assert.equal((await call('POST', '/connectors/nope/snapshots', { 'data-collections': ['t'] })).status, 404);
    assert.equal((await call('PUT', '/connectors/src/snapshots')).status, 405);
  });
});
