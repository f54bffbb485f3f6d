import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { TributaryError, type Logger } from '../../../plugins/api/index.js';
import type { MembershipTimings } from './membership-timings.js';
import { FakeCoordinator, type FakeClient } from './test/fake-coordinator.js';
import { balancedOver, RecordingWorker, until, workOf } from './test/recording-worker.js';
import { WorkerMembership, type GroupConfigView } from './worker-membership.js';

const TIMINGS: Partial<MembershipTimings> = {
  sessionTimeoutMs: 600, heartbeatIntervalMs: 100, rebalanceTimeoutMs: 1_500, scheduledRebalanceMaxDelayMs: 1_000, fencingMarginMs: 150, configSyncTimeoutMs: 200, retryBackoffMs: 20,
};
const CONNECTORS = [{ name: 'orders', tasks: 4 }, { name: 'billing', tasks: 4 }, { name: 'users', tasks: 4 }];
const ALL = workOf(CONNECTORS);
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const config: GroupConfigView = { snapshot: () => ({ offset: 5, connectors: CONNECTORS }), catchUp: async () => true };

let coordinator: FakeCoordinator;
let recorded: RecordingWorker[] = [];
const workers: TestWorker[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.membership.close()));
  coordinator?.stop();
  assert.deepEqual(recorded.flatMap((w) => w.violations), [], 'nothing ran on two workers at once');
  recorded = [];
});

/** A recording worker on the fake coordinator, whose connections can be cut (a network partition). */
class TestWorker extends RecordingWorker {
  readonly clients: FakeClient[] = [];
  readonly membership: WorkerMembership;
  partitioned = false;

  constructor(name: string) {
    super(name, recorded);
    this.membership = new WorkerMembership({
      workerId: name, restUrl: `http://${name}:8083`, timings: TIMINGS, config, logger: quiet, listener: this.listener,
      connect: async (purpose) => {
        const client = coordinator.connect(`${name}-${purpose}`);
        if (this.partitioned) client.partition();
        this.clients.push(client);
        return client;
      },
    });
    workers.push(this);
  }

  partition(): void {
    this.partitioned = true;
    for (const c of this.clients) c.partition();
  }

  heal(): void {
    this.partitioned = false;
    for (const c of this.clients) c.heal();
  }
}

const runningOnAll = (ws: readonly TestWorker[]) => ws.flatMap((w) => [...w.running]);
const balanced = (ws: readonly TestWorker[]) => balancedOver(ws, ALL);

describe('WorkerMembership', () => {
  it('three workers end with a balanced, disjoint assignment of every connector and task', async () => {
    coordinator = new FakeCoordinator();
    const [a, b, c] = [new TestWorker('a'), new TestWorker('b'), new TestWorker('c')];
    await a.membership.start();
    assert.equal(a.running.size, ALL.length, 'alone, a runs everything');
    await Promise.all([b.membership.start(), c.membership.start()]);
    await until(() => balanced([a, b, c]), 'a balanced group');
    assert.equal(a.membership.generation, coordinator.generation);
    assert.equal(a.membership.assignment?.leaderUrl, 'http://a:8083');
    const metrics = a.membership.metrics.snapshot();
    assert.ok(metrics.completedRebalances >= 2 && metrics.epoch === coordinator.generation && !metrics.rebalancing, JSON.stringify(metrics));
  });

  it('holds a dead worker\'s work back until the delay counted from its last heartbeat, then shares it once', async () => {
    coordinator = new FakeCoordinator();
    const [a, b, c] = [new TestWorker('a'), new TestWorker('b'), new TestWorker('c')];
    await Promise.all([a.membership.start(), b.membership.start(), c.membership.start()]);
    await until(() => balanced([a, b, c]), 'a balanced group');
    const lost = [...c.running];
    const closedAt = Date.now();
    await c.membership.close();
    c.running.clear();
    await until(() => coordinator.removals.some((r) => r.why === 'session expired'), 'c dropped by the coordinator');
    assert.ok(lost.every((k) => !runningOnAll([a, b]).includes(k)), 'held back when the coordinator notices');
    await until(() => balanced([a, b]), 'c\'s work shared out');
    assert.ok(Date.now() - closedAt >= 950, `not before the delay (${Date.now() - closedAt} ms)`);
  });

  it('hands its work over when it leaves: the others run it in the same rebalance, with no delay', async () => {
    coordinator = new FakeCoordinator();
    const [a, b, c] = [new TestWorker('a'), new TestWorker('b'), new TestWorker('c')];
    await Promise.all([a.membership.start(), b.membership.start(), c.membership.start()]);
    await until(() => balanced([a, b, c]), 'a balanced group');
    const leftAt = Date.now();
    await c.membership.leave();
    assert.equal(c.running.size, 0);
    await until(() => balanced([a, b]), 'c\'s work with a and b');
    assert.ok(Date.now() - leftAt < 500, `at once (${Date.now() - leftAt} ms)`);
    assert.deepEqual(coordinator.removals.map((r) => r.why), ['left']);
  });

  it('fences itself before the coordinator drops it when it cannot reach the coordinator, and comes back after', async () => {
    coordinator = new FakeCoordinator();
    const [a, b] = [new TestWorker('a'), new TestWorker('b')];
    await Promise.all([a.membership.start(), b.membership.start()]);
    await until(() => balanced([a, b]), 'a balanced group');
    b.partition();
    const dropped = await until(() => coordinator.removals.find((r) => r.why === 'session expired'), 'b dropped');
    assert.equal(b.fenced.length, 1);
    assert.equal(b.fenced[0].reason, 'heartbeats-failed');
    assert.ok(b.fenced[0].at < dropped.at, `fenced ${dropped.at - b.fenced[0].at} ms before the coordinator dropped it`);
    assert.equal(b.membership.generation, -1);
    await until(() => balanced([a]), 'b\'s work on a');
    b.heal();
    await until(() => balanced([a, b]), 'b back in the group');
  });

  it('keeps heartbeating while the worker is slow to start its tasks', async () => {
    coordinator = new FakeCoordinator();
    const a = new TestWorker('a');
    a.slowStartMs = 2_000;
    await a.membership.start();
    assert.deepEqual(coordinator.removals, []);
    assert.deepEqual(a.fenced, []);
  });

  it('finds the coordinator again when it moved', async () => {
    coordinator = new FakeCoordinator();
    const a = new TestWorker('a');
    const connect = coordinator.connect.bind(coordinator);
    let first = true;
    coordinator.connect = (name: string) => {
      const client = connect(name);
      if (first && name.endsWith('group')) client.answerNext.join.push('NOT_COORDINATOR');
      first &&= !name.endsWith('group');
      return client;
    };
    await a.membership.start();
    assert.ok(a.clients.filter((c) => c.name === 'a-group').length >= 2, 'connected again');
    assert.equal(a.running.size, ALL.length);
  });

  it('stops its work and rejoins when the coordinator says its generation is gone', async () => {
    coordinator = new FakeCoordinator();
    const a = new TestWorker('a');
    await a.membership.start();
    const generation = a.membership.generation;
    const heartbeats = await until(() => a.clients.find((c) => c.name === 'a-heartbeat'), 'a heartbeat connection');
    heartbeats.answerNext.heartbeat.push('ILLEGAL_GENERATION');
    await until(() => a.fenced.length === 1, 'fenced');
    assert.equal(a.fenced[0].reason, 'removed-from-group');
    await until(() => a.membership.generation > generation && a.running.size === ALL.length, 'rejoined with its work');
  });

  it('is refused, with a typed error, by a group whose members speak another protocol', async () => {
    coordinator = new FakeCoordinator();
    const java = coordinator.connect('java');
    void java.join({ memberId: 'java-1', groupInstanceId: 'java', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, protocolType: 'connect', protocols: [{ name: 'sessioned', metadata: Buffer.alloc(0) }] });
    const a = new TestWorker('a');
    await assert.rejects(a.membership.start(), (e: unknown) => e instanceof TributaryError && e.code === 'group.join_refused' && /INCONSISTENT_GROUP_PROTOCOL/.test(e.message));
    assert.deepEqual(a.fenced, [], 'it ran nothing, so it stops nothing');
  });
});
