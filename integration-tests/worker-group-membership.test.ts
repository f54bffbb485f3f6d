import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Logger } from '../plugins/api/index.js';
import { coordinatorConnections } from '../runtime/herder/group/coordinator-connections.js';
import type { GroupClient } from '../runtime/herder/group/group-client.js';
import { membershipTimings, type MembershipTimings } from '../runtime/herder/group/membership-timings.js';
import { balancedOver, RecordingWorker, runningOn, until, workOf } from '../runtime/herder/group/test/recording-worker.js';
import { WorkerMembership, type GroupConfigView } from '../runtime/herder/group/worker-membership.js';
import { GroupRequests, type JoinRequest } from '../runtime/kafka/group-requests.js';
import { sharedKafka, uniqueName, type KafkaEndpoint } from './harness/kafka-cluster.js';

/**
 * Worker-group membership (runtime/herder/group/) against a real broker: several memberships in
 * this process form one group, share 3 connectors × 4 tasks, and go through a dead worker, a new
 * worker, a clean leave, a network partition and a Java worker joining by mistake. A connector or
 * task never runs on two workers at once (RecordingWorker checks every start).
 *
 * The broker's smallest session timeout (group.min.session.timeout.ms) is 6 s; the delay is 8 s
 * from the worker's last heartbeat.
 */
let kafka: KafkaEndpoint;
before(async () => { kafka = await sharedKafka(); });

const TIMINGS: Partial<MembershipTimings> = {
  sessionTimeoutMs: 6_000, heartbeatIntervalMs: 1_000, rebalanceTimeoutMs: 15_000, scheduledRebalanceMaxDelayMs: 8_000, fencingMarginMs: 1_500, retryBackoffMs: 100,
};
const CONNECTORS = [{ name: 'orders', tasks: 4 }, { name: 'billing', tasks: 4 }, { name: 'users', tasks: 4 }];
const ALL = workOf(CONNECTORS);
const config: GroupConfigView = { snapshot: () => ({ offset: 3, connectors: CONNECTORS }), catchUp: async () => true };
const problems: string[] = [];
const logger: Logger = {
  debug() {}, info() {},
  warn: (o, m) => { if (process.env.DEBUG_GROUP) console.error('WARN', m ?? o, typeof o === 'object' ? JSON.stringify(o) : ''); },
  error: (o, m) => { problems.push(`${m ?? o}`); },
};

/**
 * A coordinator connection that a test can cut: while cut, requests hang and are never sent (a
 * network partition); mending it fails them, as a reset connection would.
 */
class CuttableClient implements GroupClient {
  readonly #hanging = new Set<(error: Error) => void>();
  constructor(private readonly requests: GroupClient, private readonly cut: () => boolean) {}
  join(request: JoinRequest) { return this.#call(() => this.requests.join(request)); }
  sync(request: Parameters<GroupClient['sync']>[0]) { return this.#call(() => this.requests.sync(request)); }
  heartbeat(generation: number, memberId: string, instanceId: string | null = null) { return this.#call(() => this.requests.heartbeat(generation, memberId, instanceId)); }
  leave(memberId: string, instanceId: string | null = null, reason?: string) { return this.#call(() => this.requests.leave(memberId, instanceId, reason)); }
  async close() {
    this.mend();
    await this.requests.close();
  }

  mend(): void {
    for (const reject of this.#hanging) reject(new Error('connection reset'));
    this.#hanging.clear();
  }

  #call<T>(request: () => Promise<T>): Promise<T> {
    return this.cut() ? new Promise<T>((_, reject) => this.#hanging.add(reject)) : request();
  }
}

class KafkaWorker extends RecordingWorker {
  readonly membership: WorkerMembership;
  readonly #clients: CuttableClient[] = [];
  #cut = false;

  constructor(name: string, groupId: string, all: RecordingWorker[], groupInstanceId?: string) {
    super(name, all);
    const connect = coordinatorConnections({ bootstrapBrokers: kafka.brokers, groupId, clientId: `tributary-${name}`, timings: membershipTimings(TIMINGS) });
    this.membership = new WorkerMembership({
      workerId: name, restUrl: `http://${name}:8083`, groupInstanceId, timings: TIMINGS, config, logger, listener: this.listener,
      connect: async (purpose) => {
        const client = new CuttableClient(await connect(purpose), () => this.#cut);
        this.#clients.push(client);
        return client;
      },
    });
  }

  cut(): void { this.#cut = true; }

  mend(): void {
    this.#cut = false;
    for (const c of this.#clients) c.mend();
  }
}

/** what each worker runs, by name */
const snapshot = (workers: readonly RecordingWorker[]) => new Map(workers.map((w) => [w.name, new Set(w.running)]));

/** balanced, every membership in the group's current generation, and that generation stable */
async function settled(workers: readonly KafkaWorker[], observer: GroupRequests): Promise<boolean> {
  if (!balancedOver(workers, ALL)) return false;
  const generations = new Set(workers.map((w) => w.membership.generation));
  if (generations.size !== 1 || generations.has(-1)) return false;
  const group = await observer.describe();
  return group.state === 'Stable' && group.members.length === workers.length;
}

describe('worker group membership on a real broker', () => {
  const memberships: WorkerMembership[] = [];
  const observers: GroupRequests[] = [];
  after(async () => {
    await Promise.all(memberships.map((m) => m.close()));
    await Promise.all(observers.map((o) => o.close()));
  });

  /** `staticMembers`: each worker's group.instance.id is its name */
  async function group(names: string[], staticMembers = false): Promise<{ groupId: string; all: RecordingWorker[]; workers: KafkaWorker[]; observer: GroupRequests }> {
    const groupId = uniqueName('tributary-worker-group');
    const all: RecordingWorker[] = [];
    const workers = names.map((n) => new KafkaWorker(n, groupId, all, staticMembers ? n : undefined));
    memberships.push(...workers.map((w) => w.membership));
    const observer = await GroupRequests.connect(kafka.brokers, groupId, { clientId: 'tributary-observer' });
    observers.push(observer);
    return { groupId, all, workers, observer };
  }

  it('shares every task once and evenly; a dead worker\'s tasks move after the delay, a fourth takes only its share, a leaving one hands over at once', async (t) => {
    const { groupId, all, workers: [a, b, c], observer } = await group(['a', 'b', 'c']);
    await Promise.all([a, b, c].map((w) => w.membership.start()));
    await until(() => settled([a, b, c], observer), 'three workers balanced', 30_000);
    assert.equal((await observer.describe()).protocolName, 'tributary-v1');

    // c dies: no LeaveGroup; the coordinator drops it after the session timeout, the delay runs from its last heartbeat
    const lost = [...c.running];
    const diedAt = Date.now();
    await c.membership.close();
    c.running.clear();
    const movedAfter = await until(() => (lost.every((k) => runningOn([a, b]).includes(k)) ? Date.now() - diedAt : undefined), 'c\'s work on a and b', 30_000);
    assert.ok(movedAfter >= 6_500, `c's work waited for the delay (${movedAfter} ms)`);
    t.diagnostic(`a dead worker's work ran elsewhere ${movedAfter} ms after it died (delay 8000 ms from its last heartbeat)`);
    await until(() => settled([a, b], observer), 'a and b balanced', 20_000);

    // d joins: only what balance needs moves to it, nothing between a and b
    const before = snapshot([a, b]);
    const d = new KafkaWorker('d', groupId, all);
    memberships.push(d.membership);
    await d.membership.start();
    await until(() => settled([a, b, d], observer), 'a, b and d balanced', 30_000);
    for (const w of [a, b]) {
      const gained = [...w.running].filter((k) => !before.get(w.name)!.has(k));
      assert.deepEqual(gained, [], `${w.name} took nothing from the other`);
    }
    assert.equal(d.running.size, ALL.length / 3);

    // d leaves cleanly: its work is back on a and b at once, not after the delay
    const leftAt = Date.now();
    await d.membership.leave();
    await until(() => balancedOver([a, b], ALL), 'd\'s work on a and b', 10_000);
    assert.ok(Date.now() - leftAt < 5_000, `handed over in ${Date.now() - leftAt} ms`);
    t.diagnostic(`a leaving worker's work ran elsewhere ${Date.now() - leftAt} ms after leave() began`);
    await until(() => settled([a, b], observer), 'a and b settled', 20_000);
    assert.deepEqual(all.flatMap((w) => w.violations), []);
    assert.deepEqual(problems, []);
  });

  it('a worker cut off from the coordinator fences itself before the coordinator drops it, and rejoins once it can', async (t) => {
    const { all, workers: [a, b], observer } = await group(['a', 'b']);
    await Promise.all([a, b].map((w) => w.membership.start()));
    await until(() => settled([a, b], observer), 'two workers balanced', 30_000);
    const bMember = b.membership.memberId;
    let listedAtFence: Promise<boolean> | undefined;
    b.onFence = () => { listedAtFence = observer.describe().then((g) => g.members.some((m) => m.memberId === bMember)); };

    const cutAt = Date.now();
    b.cut();
    await until(() => b.fenced.length > 0, 'b fenced', 15_000);
    const fencedAfter = b.fenced[0].at - cutAt;
    assert.equal(b.fenced[0].reason, 'heartbeats-failed');
    assert.equal(b.running.size, 0);
    assert.equal(await listedAtFence, true, 'the coordinator still counted b when it fenced itself');
    const droppedAfter = await until(async () => ((await observer.describe()).members.some((m) => m.memberId === bMember) ? undefined : Date.now() - cutAt), 'the coordinator dropping b', 15_000);
    assert.ok(fencedAfter < droppedAfter, `fenced after ${fencedAfter} ms, dropped after ${droppedAfter} ms`);
    t.diagnostic(`cut off: fenced itself after ${fencedAfter} ms, dropped by the coordinator after ${droppedAfter} ms`);
    await until(() => balancedOver([a], ALL), 'b\'s work on a', 20_000);

    b.mend();
    await until(() => settled([a, b], observer), 'b back in the group', 30_000);
    assert.deepEqual(all.flatMap((w) => w.violations), []);
  });

  it('a worker restarted under the same group.instance.id gets its own work back, and the others keep theirs', async (t) => {
    const { groupId, all, workers: [a, b, c], observer } = await group(['a', 'b', 'c'], true);
    await Promise.all([a, b, c].map((w) => w.membership.start()));
    await until(() => settled([a, b, c], observer), 'three workers balanced', 30_000);
    const before = snapshot([a, b, c]);
    const revokedBefore = [a.revoked.length, b.revoked.length];

    // c crashes and its process comes back under the same worker id and group.instance.id, within the session timeout
    await c.membership.close();
    c.running.clear();
    const restartedAt = Date.now();
    const again = new KafkaWorker('c', groupId, all, 'c');
    memberships.push(again.membership);
    await again.membership.start();
    await until(() => settled([a, b, again], observer), 'c back', 30_000);
    t.diagnostic(`a restarted static member ran its work again ${Date.now() - restartedAt} ms after it started`);
    assert.deepEqual([...again.running].sort(), [...before.get('c')!].sort(), 'c runs what it ran before');
    assert.deepEqual([a.revoked.length, b.revoked.length], revokedBefore, 'a and b stopped nothing');
    assert.deepEqual([...a.running].sort(), [...before.get('a')!].sort());
    assert.deepEqual(all.flatMap((w) => w.violations), []);
  });

  it('refuses a member speaking another protocol: a Java Connect worker or a consumer using the group.id', async () => {
    const { workers: [a], observer, groupId } = await group(['a']);
    await a.membership.start();
    const intruder = await GroupRequests.connect(kafka.brokers, groupId, { clientId: 'java-connect-worker' });
    observers.push(intruder);
    const join = (overrides: Partial<JoinRequest>) => intruder.join({ memberId: '', groupInstanceId: 'java-1', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, protocolType: 'connect', protocols: [], ...overrides });
    assert.equal((await join({ protocols: [{ name: 'sessioned', metadata: Buffer.alloc(0) }, { name: 'compatible', metadata: Buffer.alloc(0) }] })).error, 'INCONSISTENT_GROUP_PROTOCOL');
    assert.equal((await join({ protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }] })).error, 'INCONSISTENT_GROUP_PROTOCOL');
    await new Promise((r) => setTimeout(r, 1_500));
    const described = await observer.describe();
    assert.deepEqual([described.state, described.members.length], ['Stable', 1], 'the group is undisturbed');
    assert.equal(a.running.size, ALL.length);
  });
});
