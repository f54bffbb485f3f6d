import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NO_WORK, taskKey, workKeys, type ConnectorsAndTasks } from './connectors-and-tasks.js';
import { assignIncrementally, type AssignorMember, type AssignorResult, type AssignorState, type ConnectorTaskCount } from './incremental-cooperative-assignor.js';

const DELAY = 10_000;
/** 100 tasks over five connectors of different sizes */
const CONNECTORS: ConnectorTaskCount[] = [{ name: 'orders', tasks: 40 }, { name: 'billing', tasks: 30 }, { name: 'users', tasks: 20 }, { name: 'audit', tasks: 7 }, { name: 'tiny', tasks: 3 }];

/**
 * Members that do what their assignments say: stop what is revoked, run what is assigned, and
 * rejoin when told to (another round), as worker-membership does.
 */
class Group {
  readonly owned = new Map<string, ConnectorsAndTasks>();
  readonly workerOf = new Map<string, string>();
  state: AssignorState | undefined;
  connectors = CONNECTORS;
  now = 0;
  leaving = new Set<string>();

  constructor(...members: string[]) {
    for (const m of members) this.add(m);
  }

  add(memberId: string, workerId = `worker-${memberId}`): void {
    this.owned.set(memberId, NO_WORK);
    this.workerOf.set(memberId, workerId);
  }

  /** a worker that died: gone from the group without a word */
  remove(memberId: string): void {
    this.owned.delete(memberId);
    this.workerOf.delete(memberId);
  }

  members(): AssignorMember[] {
    return [...this.owned].map(([memberId, owned]) => ({ memberId, workerId: this.workerOf.get(memberId)!, owned, leaving: this.leaving.has(memberId) }));
  }

  /** one rebalance */
  round(): AssignorResult {
    const result = assignIncrementally({ members: this.members(), connectors: this.connectors, previous: this.state, now: this.now, holdBackMs: DELAY });
    for (const [memberId, decision] of result.assignments) this.owned.set(memberId, decision.assigned);
    this.state = result.state;
    return result;
  }

  /** rounds until nobody has to rejoin after revoking; returns them all */
  settle(): AssignorResult[] {
    const rounds = [this.round()];
    while ([...rounds.at(-1)!.assignments.values()].some((d) => d.rejoinAfterRevoking)) {
      assert.ok(rounds.length < 5, 'the group settles in a few rounds');
      rounds.push(this.round());
    }
    return rounds;
  }

  tasksOf(memberId: string, connector?: string): string[] {
    return this.owned.get(memberId)!.tasks.filter((t) => connector === undefined || t.connector === connector).map(taskKey);
  }
}

const allTasks = (connectors: readonly ConnectorTaskCount[]) => connectors.flatMap((c) => Array.from({ length: c.tasks }, (_, task) => taskKey({ connector: c.name, task })));

function assertBalanced(group: Group, memberIds = [...group.owned.keys()]): void {
  const owned = memberIds.flatMap((m) => group.tasksOf(m));
  assert.deepEqual([...owned].sort(), allTasks(group.connectors).sort(), 'every task runs exactly once');
  const connectorsOwned = memberIds.flatMap((m) => group.owned.get(m)!.connectors);
  assert.deepEqual([...connectorsOwned].sort(), group.connectors.map((c) => c.name).sort(), 'every connector runs exactly once');
  const spread = (counts: number[], what: string) => assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `${what} within one: ${counts}`);
  for (const c of group.connectors) spread(memberIds.map((m) => group.tasksOf(m, c.name).length), `tasks of ${c.name}`);
  spread(memberIds.map((m) => group.tasksOf(m).length), 'tasks per worker');
  spread(memberIds.map((m) => group.owned.get(m)!.connectors.length), 'connectors per worker');
}

/** what changed hands between two snapshots of who runs what */
function moved(before: Map<string, ConnectorsAndTasks>, after: Map<string, ConnectorsAndTasks>): Map<string, string[]> {
  const wasAt = new Map([...before].flatMap(([m, w]) => workKeys(w).map((k) => [k, m] as const)));
  return new Map([...after].map(([m, w]) => [m, workKeys(w).filter((k) => wasAt.has(k) && wasAt.get(k) !== m)]));
}

/** three workers settled, then c gone without a word at t=1000; returns what c ran */
function threeWithCGone(): { group: Group; lost: ConnectorsAndTasks } {
  const group = new Group('a', 'b', 'c');
  group.settle();
  const lost = group.owned.get('c')!;
  group.remove('c');
  group.now = 1_000;
  return { group, lost };
}

describe('assignIncrementally', () => {
  it('spreads 100 tasks of five connectors over three workers, every connector\'s tasks within one per worker', () => {
    const group = new Group('a', 'b', 'c');
    const [round, ...more] = group.settle();
    assert.equal(more.length, 0, 'a new group is assigned in one round');
    assert.ok([...round.assignments.values()].every((d) => workKeys(d.revoked).length === 0));
    assertBalanced(group);
  });

  it('moves only the new worker\'s share when a fourth joins: revoked in one round, assigned in the next', () => {
    const group = new Group('a', 'b', 'c');
    group.settle();
    const before = new Map(group.owned);
    group.add('d');
    const first = group.round();
    assert.deepEqual(first.assignments.get('d')!.assigned, NO_WORK, 'nothing reaches d while its previous owner still runs it');
    const revoked = [...first.assignments.values()].flatMap((d) => workKeys(d.revoked));
    assert.ok(['a', 'b', 'c'].every((m) => first.assignments.get(m)!.rejoinAfterRevoking === workKeys(first.assignments.get(m)!.revoked).length > 0));
    for (const [m, keys] of moved(before, group.owned)) assert.deepEqual(keys, [], `nothing runs twice (${m})`);
    const second = group.round();
    assert.ok([...second.assignments.values()].every((d) => workKeys(d.revoked).length === 0 && !d.rejoinAfterRevoking), 'the second round revokes nothing');
    assertBalanced(group);
    const changed = moved(before, group.owned);
    assert.deepEqual(['a', 'b', 'c'].map((m) => changed.get(m)), [[], [], []], 'nothing moved between the old workers');
    assert.deepEqual([...changed.get('d')!].sort(), [...revoked].sort(), 'd got exactly what was revoked');
    assert.ok(group.tasksOf('d').length === 25, `d runs its share of the tasks (${group.tasksOf('d').length})`);
  });

  it('holds a departed worker\'s work back for the delay, then shares it out without running anything twice', () => {
    const { group, lost } = threeWithCGone();
    const held = group.round();
    assert.equal(held.delayMs, DELAY);
    assert.deepEqual(held.state.heldBack, [{ workerId: 'worker-c', work: lost, deadline: 1_000 + DELAY }]);
    assert.ok([...held.assignments.values()].every((d) => workKeys(d.revoked).length === 0), 'a and b keep what they run');
    assert.ok(workKeys(lost).every((k) => !workKeys(group.owned.get('a')!).includes(k) && !workKeys(group.owned.get('b')!).includes(k)));

    group.now = 6_000; // another rebalance during the delay changes nothing and keeps the deadline
    assert.equal(group.round().delayMs, 5_000);
    group.now = 11_000;
    const shared = group.settle();
    assert.equal(shared[0].delayMs, 0);
    assert.deepEqual(shared[0].state.heldBack, []);
    assertBalanced(group);
  });

  it('gives a departed worker its work back if it returns within the delay under another member id', () => {
    const { group, lost: work } = threeWithCGone();
    group.round();
    group.add('c2', 'worker-c'); // the same worker restarted: a new member id
    group.now = 4_000;
    const back = group.round();
    assert.deepEqual(back.assignments.get('c2')!.assigned, work);
    assert.ok([...back.assignments.values()].every((d) => workKeys(d.revoked).length === 0 && !d.rejoinAfterRevoking));
    assert.equal(back.delayMs, 0);
  });

  it('gives a worker that restarted before the group noticed (static membership) its work back at once', () => {
    const group = new Group('a', 'b', 'c');
    group.settle();
    const work = group.owned.get('b')!;
    group.owned.set('b', NO_WORK); // same member, a new process: it reports nothing
    const result = group.round();
    assert.deepEqual(result.assignments.get('b')!.assigned, work);
    assert.ok([...result.assignments.values()].every((d) => workKeys(d.revoked).length === 0));
  });

  it('without an earlier state (a new leader whose view is stale) keeps what members report and shares the rest at once', () => {
    const group = new Group('a', 'b', 'c');
    group.settle();
    const kept = new Map(group.owned);
    group.remove('c');
    group.state = undefined;
    const [first, ...more] = group.settle();
    assert.equal(more.length, 0);
    assert.equal(first.delayMs, 0);
    for (const m of ['a', 'b']) assert.ok(workKeys(kept.get(m)!).every((k) => workKeys(group.owned.get(m)!).includes(k)), `${m} kept what it ran`);
    assertBalanced(group);
  });

  it('with a delay of 0 shares a departed worker\'s work at once (KAFKA-15693)', () => {
    const group = new Group('a', 'b', 'c');
    group.settle();
    group.remove('c');
    const result = assignIncrementally({ members: group.members(), connectors: CONNECTORS, previous: group.state, now: 5, holdBackMs: 0 });
    assert.equal(result.delayMs, 0);
    for (const [m, d] of result.assignments) group.owned.set(m, d.assigned);
    assertBalanced(group);
  });

  it('shares a leaving worker\'s work at once: it stopped it before it rejoined', () => {
    const group = new Group('a', 'b', 'c');
    group.settle();
    group.leaving.add('c');
    group.owned.set('c', NO_WORK);
    const result = group.round();
    assert.equal(result.delayMs, 0);
    assert.deepEqual(result.assignments.get('c')!.assigned, NO_WORK);
    assertBalanced(group, ['a', 'b']);
  });

  it('revokes the connectors and tasks that were deleted or shrank, and shares the new ones', () => {
    const group = new Group('a', 'b', 'c');
    group.settle();
    group.connectors = [{ name: 'orders', tasks: 10 }, { name: 'billing', tasks: 30 }, { name: 'users', tasks: 20 }, { name: 'fresh', tasks: 6 }];
    const [first] = group.settle();
    const revoked = [...first.assignments.values()].flatMap((d) => workKeys(d.revoked));
    assert.ok(revoked.includes(taskKey({ connector: 'audit', task: 0 })) && revoked.includes(JSON.stringify(['tiny'])) && revoked.includes(taskKey({ connector: 'orders', task: 39 })));
    assertBalanced(group);
  });

  it('keeps work two members report with the one it was assigned to', () => {
    const group = new Group('a', 'b');
    group.settle();
    const stolen = group.owned.get('a')!.tasks[0];
    group.owned.set('b', { ...group.owned.get('b')!, tasks: [...group.owned.get('b')!.tasks, stolen] });
    const result = group.round();
    assert.ok(workKeys(result.assignments.get('b')!.revoked).includes(taskKey(stolen)));
    assert.ok(workKeys(result.assignments.get('a')!.assigned).includes(taskKey(stolen)));
  });

  it('answers the same whatever order members and connectors come in', () => {
    const group = new Group('a', 'b', 'c');
    group.settle();
    group.add('d');
    const input = { members: group.members(), connectors: CONNECTORS, previous: group.state, now: 0, holdBackMs: DELAY };
    const once = assignIncrementally(input);
    const shuffled = assignIncrementally({ ...input, members: [...input.members].reverse(), connectors: [...CONNECTORS].reverse() });
    assert.deepEqual(new Map([...shuffled.assignments].sort(([x], [y]) => (x < y ? -1 : 1))), new Map([...once.assignments].sort(([x], [y]) => (x < y ? -1 : 1))));
    assert.deepEqual(assignIncrementally(input), once);
  });
});
