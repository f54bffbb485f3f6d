import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Logger } from '../../../plugins/api/index.js';
import type { JoinedGroup } from '../../kafka/group-requests.js';
import { decodeAssignment, encodeMemberMetadata, type MemberMetadata } from './connect-protocol.js';
import { NO_WORK, workKeys } from './connectors-and-tasks.js';
import { leaderAssignments, type GroupConfigView, type LastAllocation } from './leader-assignments.js';
import { membershipTimings } from './membership-timings.js';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const timings = membershipTimings({ sessionTimeoutMs: 6_000, heartbeatIntervalMs: 1_000, scheduledRebalanceMaxDelayMs: 10_000 });
const connectors = [{ name: 'orders', tasks: 4 }];

function metadata(workerId: string, overrides: Partial<MemberMetadata> = {}): Buffer {
  return encodeMemberMetadata({ workerId, url: `http://${workerId}`, configOffset: 10, generation: -1, owned: NO_WORK, leaving: false, ...overrides });
}

function joined(members: { memberId: string; metadata: Buffer }[]): JoinedGroup {
  return { error: null, generationId: 4, protocolName: 'tributary-v1', leader: 'm-a', memberId: 'm-a', skipAssignment: false, members: members.map((m) => ({ ...m, groupInstanceId: null })) };
}

/** a config topic read up to `offset`, which catching up moves to `reaches` */
function configView(offset: number, reaches = offset): GroupConfigView & { catchUps: number[] } {
  const view = {
    catchUps: [] as number[],
    snapshot: () => ({ offset, connectors }),
    catchUp: async (wanted: number) => { view.catchUps.push(wanted); offset = Math.max(offset, Math.min(wanted, reaches)); return offset >= wanted; },
  };
  return view;
}

const round = (group: JoinedGroup, config: GroupConfigView, last?: LastAllocation, now = 50_000, generationFloor?: () => number) =>
  leaderAssignments({ joined: group, config, timings, last, self: { memberId: 'm-a', url: 'http://a' }, now: () => now, logger: quiet, generationFloor });
const byMember = async (pending: ReturnType<typeof round>) => new Map((await pending).map((a) => [a.memberId, decodeAssignment(a.assignment)]));

describe('leaderAssignments', () => {
  it('assigns every member, naming the leader, its URL and the config offset', async () => {
    const out = await byMember(round(joined([{ memberId: 'm-a', metadata: metadata('a') }, { memberId: 'm-b', metadata: metadata('b') }]), configView(10)));
    assert.deepEqual([...out.keys()], ['m-a', 'm-b']);
    for (const a of out.values()) assert.deepEqual([a.error, a.leader, a.leaderUrl, a.configOffset], ['NONE', 'm-a', 'http://a', 10]);
    assert.equal([...out.values()].flatMap((a) => workKeys(a.assigned)).length, 5);
  });

  it('catches up with a member that read more of the config topic before assigning', async () => {
    const config = configView(8, 12);
    const out = await byMember(round(joined([{ memberId: 'm-a', metadata: metadata('a', { configOffset: 8 }) }, { memberId: 'm-b', metadata: metadata('b', { configOffset: 12 }) }]), config));
    assert.deepEqual(config.catchUps, [12]);
    assert.equal(out.get('m-b')!.configOffset, 12);
    assert.equal(out.get('m-b')!.error, 'NONE');
  });

  it('answers CONFIG_MISMATCH to all when it cannot catch up in time', async () => {
    const out = await byMember(round(joined([{ memberId: 'm-a', metadata: metadata('a', { configOffset: 8 }) }, { memberId: 'm-b', metadata: metadata('b', { configOffset: 12 }) }]), configView(8, 9)));
    assert.deepEqual([...out.values()].map((a) => [a.error, a.configOffset, workKeys(a.assigned).length]), [['CONFIG_MISMATCH', 12, 0], ['CONFIG_MISMATCH', 12, 0]]);
  });

  it('gives a member whose metadata is not ours nothing, and the others everything', async () => {
    const out = await byMember(round(joined([{ memberId: 'm-a', metadata: metadata('a') }, { memberId: 'm-x', metadata: Buffer.from('garbage') }]), configView(10)));
    assert.deepEqual(out.get('m-x')!.assigned, NO_WORK);
    assert.equal(workKeys(out.get('m-a')!.assigned).length, 5);
  });

  it('holds a departed worker\'s work for the delay less the session timeout, from the allocation it last received', async () => {
    const last: LastAllocation = { generation: 3, writeGeneration: 3, receivedAt: 40_000, group: { workers: new Map([['a', NO_WORK], ['gone', { connectors: ['orders'], tasks: [{ connector: 'orders', task: 0 }] }]]), heldBack: [] } };
    const out = await byMember(round(joined([{ memberId: 'm-a', metadata: metadata('a', { generation: 3 }) }]), configView(10), last));
    const a = out.get('m-a')!;
    assert.equal(a.delayMs, 4_000);
    assert.deepEqual(a.group.heldBack, [{ workerId: 'gone', work: { connectors: ['orders'], tasks: [{ connector: 'orders', task: 0 }] }, remainingMs: 4_000 }]);
    assert.equal(workKeys(a.assigned).length, 3);
    // a member reporting a later generation than this leader knows: the view is stale and dropped
    const stale = await byMember(round(joined([{ memberId: 'm-a', metadata: metadata('a', { generation: 5 }) }]), configView(10), last));
    assert.equal(stale.get('m-a')!.delayMs, 0);
    assert.equal(workKeys(stale.get('m-a')!.assigned).length, 5);
  });

  it('gives writes a generation that only grows: the group\'s, past the status topic\'s highest and the last round\'s', async () => {
    const members = joined([{ memberId: 'm-a', metadata: metadata('a') }]);
    const writeGeneration = async (last?: LastAllocation, floor?: number) => [...(await byMember(round(members, configView(10), last, 50_000, floor === undefined ? undefined : () => floor))).values()][0].writeGeneration;
    assert.equal(await writeGeneration(), 4, 'the group\'s generation');
    // a group the coordinator forgot starts at 1 again, but the status topic remembers generation 40
    assert.equal(await writeGeneration(undefined, 40), 41);
    const last: LastAllocation = { generation: 3, writeGeneration: 44, receivedAt: 40_000, group: { workers: new Map(), heldBack: [] } };
    assert.equal(await writeGeneration(last, 40), 45);
  });
});
