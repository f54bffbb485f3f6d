import assert from 'node:assert/strict';
import { Socket } from 'node:net';
import { before, describe, it } from 'node:test';
import { GroupRequests, type JoinedGroup, type JoinRequest, type JoinResult } from '../runtime/kafka/group-requests.js';
import { sharedKafka, uniqueName, type KafkaEndpoint } from './harness/kafka-cluster.js';
import { eventually } from './harness/worker-process.js';

/**
 * A worker group as Kafka Connect forms one, on raw group requests through @platformatic/kafka:
 * protocol type `connect`, our own protocol name, our own metadata and assignment bytes, and the
 * coordinator refusing a member that speaks another protocol (a Java Connect worker joining a
 * Tributary group by mistake).
 */
let kafka: KafkaEndpoint;
before(async () => { kafka = await sharedKafka(); });

const PROTOCOL_TYPE = 'connect';
const PROTOCOL = 'tributary-v1';

interface Member {
  readonly requests: GroupRequests;
  memberId: string;
  readonly metadata: Buffer;
}

function joinRequest(member: Member, overrides: Partial<JoinRequest> = {}): JoinRequest {
  return {
    memberId: member.memberId, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 20_000,
    protocolType: PROTOCOL_TYPE, protocols: [{ name: PROTOCOL, metadata: member.metadata }], ...overrides,
  };
}

/** JoinGroup as a new member: the coordinator first hands out a member id (MEMBER_ID_REQUIRED). */
async function join(member: Member): Promise<JoinedGroup> {
  let result: JoinResult = await member.requests.join(joinRequest(member));
  if (result.error === 'MEMBER_ID_REQUIRED') {
    assert.ok(result.memberId.length > 0);
    member.memberId = result.memberId;
    result = await member.requests.join(joinRequest(member));
  }
  assert.equal(result.error, null, `join failed: ${result.error}`);
  return result as JoinedGroup;
}

async function newMember(groupId: string, name: string): Promise<Member> {
  const requests = await GroupRequests.connect(kafka.brokers, groupId, { clientId: `tributary-${name}`, requestTimeoutMs: 60_000 });
  // metadata of our own: a worker's REST URL and the config offset it has read
  return { requests, memberId: '', metadata: Buffer.from(JSON.stringify({ url: `http://${name}:8083`, configOffset: 42 })) };
}

/** The leader assigns each member bytes naming it; followers send no assignments. */
async function syncAll(joined: Map<Member, JoinedGroup>): Promise<Map<Member, string>> {
  const results = await Promise.all([...joined].map(async ([member, j]) => {
    const assignments = j.leader === member.memberId
      ? j.members.map((m) => ({ memberId: m.memberId, assignment: Buffer.from(`tasks-for:${JSON.parse(m.metadata.toString()).url}`) }))
      : [];
    const synced = await member.requests.sync({ generationId: j.generationId, memberId: member.memberId, protocolType: PROTOCOL_TYPE, protocolName: PROTOCOL, assignments });
    assert.equal(synced.error, null, `sync failed: ${synced.error}`);
    return [member, synced.error === null ? synced.assignment.toString() : ''] as const;
  }));
  return new Map(results);
}

describe('worker group membership on raw JoinGroup / SyncGroup / Heartbeat / LeaveGroup', () => {
  it('forms a connect-type group with custom metadata and assignments, rebalances on join and leave, refuses other protocols', async (t) => {
    const groupId = uniqueName('tributary-workers');
    const a = await newMember(groupId, 'worker-a');
    const b = await newMember(groupId, 'worker-b');
    t.after(() => Promise.all([a.requests.close(), b.requests.close()]));

    // one member: it is the leader and sees its own metadata
    const first = await join(a);
    assert.equal(first.protocolName, PROTOCOL);
    assert.equal(first.leader, a.memberId);
    assert.deepEqual(first.members.map((m) => m.metadata.toString()), [a.metadata.toString()]);
    assert.deepEqual([...(await syncAll(new Map([[a, first]]))).values()], ['tasks-for:http://worker-a:8083']);
    assert.equal(await a.requests.heartbeat(first.generationId, a.memberId), null);

    // a second member joins: the first learns of the rebalance from its heartbeat and rejoins
    const bJoining = join(b);
    await eventually(async () => (await a.requests.heartbeat(first.generationId, a.memberId)) === 'REBALANCE_IN_PROGRESS' || undefined, 20_000, 'a rebalance');
    const [aSecond, bSecond] = await Promise.all([join(a), bJoining]);
    assert.equal(aSecond.generationId, first.generationId + 1);
    assert.equal(bSecond.generationId, aSecond.generationId);
    const leader = aSecond.leader === a.memberId ? aSecond : bSecond;
    assert.deepEqual(leader.members.map((m) => m.metadata.toString()).sort(), [a.metadata.toString(), b.metadata.toString()].sort(), 'the leader sees every member\'s metadata');
    const follower = leader === aSecond ? bSecond : aSecond;
    assert.deepEqual(follower.members, [], 'followers see no members');
    const assigned = await syncAll(new Map([[a, aSecond], [b, bSecond]]));
    assert.equal(assigned.get(a), 'tasks-for:http://worker-a:8083');
    assert.equal(assigned.get(b), 'tasks-for:http://worker-b:8083');
    assert.equal(await a.requests.heartbeat(aSecond.generationId, a.memberId), null);
    assert.equal(await b.requests.heartbeat(bSecond.generationId, b.memberId), null);
    assert.equal(await a.requests.heartbeat(first.generationId, a.memberId), 'ILLEGAL_GENERATION', 'a stale generation is refused');

    // the group as the coordinator describes it, assignments included
    const described = await a.requests.describe();
    assert.deepEqual([described.state, described.protocolType, described.protocolName], ['Stable', PROTOCOL_TYPE, PROTOCOL]);
    assert.deepEqual(described.members.map((m) => m.assignment.toString()).sort(), ['tasks-for:http://worker-a:8083', 'tasks-for:http://worker-b:8083']);

    // a Java Connect worker (protocol "sessioned") and a consumer are refused
    const java = await newMember(groupId, 'java-worker');
    const consumer = await newMember(groupId, 'consumer');
    t.after(() => Promise.all([java.requests.close(), consumer.requests.close()]));
    for (const [intruder, request] of [
      [java, { protocols: [{ name: 'sessioned', metadata: Buffer.alloc(0) }, { name: 'compatible', metadata: Buffer.alloc(0) }] }],
      [consumer, { protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }] }],
    ] as const) {
      const refused = await intruder.requests.join(joinRequest(intruder, request));
      assert.equal(refused.error, 'INCONSISTENT_GROUP_PROTOCOL');
    }
    assert.equal(await a.requests.heartbeat(aSecond.generationId, a.memberId), null, 'a refused member does not disturb the group');

    // b leaves: a rebalance, and a is alone in the next generation
    assert.equal(await b.requests.leave(b.memberId), null);
    await eventually(async () => (await a.requests.heartbeat(aSecond.generationId, a.memberId)) === 'REBALANCE_IN_PROGRESS' || undefined, 20_000, 'a rebalance after the leave');
    const third = await join(a);
    assert.equal(third.generationId, aSecond.generationId + 1);
    assert.deepEqual(third.members.map((m) => m.memberId), [a.memberId]);
    assert.deepEqual([...(await syncAll(new Map([[a, third]]))).values()], ['tasks-for:http://worker-a:8083']);
    assert.equal(await a.requests.leave(a.memberId), null);
  });

  it('a connection the broker resets fails its requests, and the process lives on', async () => {
    const groupId = uniqueName('group-reset');
    const member = await newMember(groupId, 'worker-reset');
    const joined = await join(member);
    const ports = new Set(kafka.brokers.map((b) => Number(b.slice(b.lastIndexOf(':') + 1))));
    // what a broker killed mid-session does to the socket: an ECONNRESET, then close
    const sockets = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles()
      .filter((h): h is Socket => h instanceof Socket && ports.has(h.remotePort ?? -1));
    assert.ok(sockets.length > 0, 'a socket to the coordinator');
    for (const socket of sockets) socket.destroy(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
    await new Promise((r) => setImmediate(r));
    await assert.rejects(member.requests.heartbeat(joined.generationId, member.memberId), /lost|closed/i);
    await member.requests.close().catch(() => undefined);
  });
});
