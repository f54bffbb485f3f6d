import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RawConfig } from '../plugins/api/index.js';
import type { TargetState } from '../runtime/herder/herder.js';
import { rebalancing, RequestTargetError } from '../runtime/herder/request-target.js';
import { FakeHerder } from './test/fake-herder.js';
import { startTestServer } from './test/test-server.js';

/**
 * Routing in a worker group (cluster-routing.ts), over two REST servers: a follower whose herder
 * names the leader for every write, and the leader. Forwarded once with ?forward=false and relayed,
 * retried while the group rebalances, then 503 with Retry-After; a forwarded request is never
 * forwarded again.
 */
class FollowerHerder extends FakeHerder {
  leaderUrl = '';
  rebalancingFor = 0;
  override async putConnectorConfig(name: string, config: RawConfig, allowReplace: boolean, initialState?: TargetState) {
    if (this.rebalancingFor > 0) {
      this.rebalancingFor--;
      throw rebalancing('the leader can create a connector');
    }
    if (this.leaderUrl) throw new RequestTargetError('only the leader can create a connector', this.leaderUrl);
    return super.putConnectorConfig(name, config, allowReplace, initialState);
  }
}

const json = { 'content-type': 'application/json' };
const body = (name: string) => JSON.stringify({ name, config: { 'connector.class': 'datagen', topic: 't', 'rows.per.second': '10' } });
const cluster = { requestTimeoutMs: 1_500, retryAfterSeconds: 2 };

describe('REST routing in a worker group', () => {
  let leader: Awaited<ReturnType<typeof startTestServer>>;
  let follower: Awaited<ReturnType<typeof startTestServer>>;
  const herder = new FollowerHerder();
  let caughtUp = 0;
  before(async () => {
    leader = await startTestServer({ cluster });
    follower = await startTestServer({ herder, cluster: { ...cluster, afterForward: async () => { caughtUp++; } } });
    herder.leaderUrl = leader.url;
  });
  after(async () => {
    await follower.close();
    await leader.close();
  });

  it('forwards a write to the leader and relays its answer, the Location on the worker called', async () => {
    const res = await fetch(`${follower.url}/connectors`, { method: 'POST', headers: json, body: body('routed') });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('location'), `${follower.url}/connectors/routed`);
    assert.equal(((await res.json()) as { name: string }).name, 'routed');
    assert.equal((await fetch(`${leader.url}/connectors/routed`)).status, 200, 'the leader has it');
    assert.equal(caughtUp, 1, 'the follower caught up with what the leader wrote');
    const conflict = await fetch(`${follower.url}/connectors`, { method: 'POST', headers: json, body: body('routed') });
    assert.equal(conflict.status, 409, 'the leader\'s conflict, relayed');
  });

  it('retries while the group rebalances', async () => {
    herder.rebalancingFor = 2;
    const res = await fetch(`${follower.url}/connectors`, { method: 'POST', headers: json, body: body('after-rebalance') });
    assert.equal(res.status, 201);
  });

  it('answers 503 with Retry-After once the request timeout has passed', async () => {
    herder.rebalancingFor = 1_000;
    const started = Date.now();
    const res = await fetch(`${follower.url}/connectors`, { method: 'POST', headers: json, body: body('never') });
    herder.rebalancingFor = 0;
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('retry-after'), '2');
    assert.equal(((await res.json()) as { code: string }).code, 'connector.rebalancing');
    assert.ok(Date.now() - started >= 1_000, 'it waited');
  });

  it('a leader out of reach is retried, then 503', async () => {
    herder.leaderUrl = 'http://127.0.0.1:9';
    const res = await fetch(`${follower.url}/connectors`, { method: 'POST', headers: json, body: body('unreachable') });
    herder.leaderUrl = leader.url;
    assert.equal(res.status, 503);
    assert.match(((await res.json()) as { message: string }).message, /could not be reached/);
  });

  it('a forwarded request is answered as it is: not forwarded again, not retried', async () => {
    const started = Date.now();
    const res = await fetch(`${follower.url}/connectors?forward=false`, { method: 'POST', headers: json, body: body('hop') });
    assert.equal(res.status, 503);
    assert.ok(Date.now() - started < 1_000);
    assert.equal((await fetch(`${leader.url}/connectors/hop`)).status, 404);
  });
});
