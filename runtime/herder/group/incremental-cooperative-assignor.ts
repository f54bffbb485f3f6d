import { balanceItems } from './balanced-allocation.js';
import {
  compareText, connectorKey, isNoWork, taskKey, workFromKeys, workKeys, type ConnectorsAndTasks, type GroupWork, type WorkerWork,
} from './connectors-and-tasks.js';

export interface AssignorMember {
  readonly memberId: string;
  /** stable across restarts (worker.id, or the REST address): how a returning worker is known */
  readonly workerId: string;
  /** what the member reports it runs */
  readonly owned: ConnectorsAndTasks;
  /** handing its work over before it leaves: gets nothing */
  readonly leaving: boolean;
}

export interface ConnectorTaskCount {
  readonly name: string;
  /** committed task configs (0 while none are) */
  readonly tasks: number;
}

/** A departed worker's work, held back until `deadline` in case the worker comes back. */
export interface HeldBackWork extends WorkerWork {
  readonly deadline: number;
}

/** What the previous assignment gave out; the next one starts from it. */
export type AssignorState = GroupWork<HeldBackWork>;

export interface AssignorInput {
  readonly members: readonly AssignorMember[];
  readonly connectors: readonly ConnectorTaskCount[];
  /** undefined: nothing is known of earlier generations (the group is new, or this leader's view is stale) */
  readonly previous: AssignorState | undefined;
  readonly now: number;
  /**
   * How long the work of a worker found gone in this round is held back. The membership passes
   * scheduled.rebalance.max.delay.ms minus the session timeout: the coordinator drops a crashed
   * worker a session timeout after it was last heard of, so the delay counts from the crash.
   */
  readonly holdBackMs: number;
}

export interface MemberDecision {
  /** everything the member runs from now on */
  readonly assigned: ConnectorsAndTasks;
  /** what it must stop now */
  readonly revoked: ConnectorsAndTasks;
  /** some of the revoked work is another member's next: rejoin once it is stopped */
  readonly rejoinAfterRevoking: boolean;
}

export interface AssignorResult {
  /** by member id, one per member */
  readonly assignments: ReadonlyMap<string, MemberDecision>;
  /** > 0: held-back work is handed out in this long, and a rebalance must happen then */
  readonly delayMs: number;
  readonly state: AssignorState;
}

/**
 * Incremental cooperative assignment, as Kafka Connect's IncrementalCooperativeAssignor does it
 * and with its known faults fixed:
 *
 * - Only what must move is revoked; everything else keeps running through the rebalance. A moved
 *   connector or task is revoked in one round and assigned in the next (the member that gave it
 *   up rejoins once it has stopped it), so no two members ever run it at once.
 * - Connectors, and each connector's tasks, are spread to within one per worker, totals too, and
 *   among such shares the one that keeps the most in place is taken (balanced-allocation.ts) —
 *   Connect's greedy revocation moves more than needed and can clump one connector's tasks
 *   (KAFKA-17049).
 * - A departed worker's work waits `holdBackMs` (held back, counted in nobody's share), and goes
 *   back to the worker if it returns in time (same worker id; with a static `group.instance.id`
 *   a quick restart does not even leave the group). After the delay it is shared out; a delay of
 *   0 shares it at once (KAFKA-15693). A member that is `leaving` has stopped its work first, so
 *   its work is shared at once: a clean shutdown never waits for the delay.
 * - Work a departed worker held but another member reports running stays with that member; work
 *   two members both report is kept by one (the one it was assigned to) and revoked from the other.
 *
 * Pure and deterministic: the output depends only on the input, never on its order.
 */
export function assignIncrementally(input: AssignorInput): AssignorResult {
  const members = [...input.members].sort((a, b) => compareText(a.memberId, b.memberId));
  const existing = existingItems(input.connectors);
  const previous = input.previous ?? { workers: new Map<string, ConnectorsAndTasks>(), heldBack: [] };
  const owner = runningOwners(members, existing, previous);
  const active = members.filter((m) => !m.leaving);
  const byWorker = new Map<string, AssignorMember>();
  for (const m of active) if (!byWorker.has(m.workerId)) byWorker.set(m.workerId, m);
  const present = new Set(members.map((m) => m.workerId));

  // what earlier generations gave to workers: it goes back to them if they are here, is held back if they are gone
  const returning = new Map<string, string>();
  const heldBack = new Map<string, { keys: Set<string>; deadline: number }>();
  const earlier: [string, ConnectorsAndTasks, number | undefined][] = [
    ...[...previous.workers].map(([workerId, work]) => [workerId, work, undefined] as [string, ConnectorsAndTasks, undefined]),
    ...previous.heldBack.map((h) => [h.workerId, h.work, h.deadline] as [string, ConnectorsAndTasks, number]),
  ];
  for (const [workerId, work, deadline] of earlier) {
    const unowned = workKeys(work).filter((k) => existing.has(k) && !owner.has(k));
    if (byWorker.has(workerId)) {
      for (const key of unowned) returning.set(key, byWorker.get(workerId)!.memberId);
    } else if (!present.has(workerId)) {
      const due = deadline ?? input.now + input.holdBackMs;
      if (due <= input.now) continue;
      const entry = heldBack.get(workerId) ?? { keys: new Set<string>(), deadline: due };
      for (const key of unowned) entry.keys.add(key);
      entry.deadline = Math.min(entry.deadline, due);
      heldBack.set(workerId, entry);
    }
  }
  const held = new Set([...heldBack.values()].flatMap((h) => [...h.keys]).filter((k) => !returning.has(k)));

  const holderOf = (key: string) => owner.get(key) ?? returning.get(key);
  const workers = active.map((m) => m.memberId);
  const pool = (keys: readonly string[]) => keys.filter((k) => !held.has(k));
  const connectorShare = balanceItems({ workers, groups: [pool(input.connectors.map((c) => connectorKey(c.name)).sort(compareText))], holderOf });
  const taskShare = balanceItems({ workers, groups: connectorGroups(input.connectors).map(pool), holderOf });
  const target = new Map(members.map((m) => [m.memberId, new Set([...(connectorShare.get(m.memberId) ?? []), ...(taskShare.get(m.memberId) ?? [])])]));
  const targetOf = new Map<string, string>();
  for (const [memberId, keys] of target) for (const key of keys) targetOf.set(key, memberId);

  const assignments = new Map<string, MemberDecision>();
  const allocation = new Map<string, ConnectorsAndTasks>();
  for (const m of members) {
    const mine = target.get(m.memberId)!;
    const revoked = workKeys(m.owned).filter((k) => !mine.has(k) || owner.get(k) !== m.memberId);
    // work another member still runs is that member's to stop first: it comes in the next round
    const assigned = [...mine].filter((k) => (owner.get(k) ?? m.memberId) === m.memberId);
    const rejoinAfterRevoking = revoked.some((k) => targetOf.has(k) && targetOf.get(k) !== m.memberId);
    const decision = { assigned: workFromKeys(assigned), revoked: workFromKeys(new Set(revoked)), rejoinAfterRevoking };
    assignments.set(m.memberId, decision);
    if (!allocation.has(m.workerId) || byWorker.get(m.workerId) === m) allocation.set(m.workerId, decision.assigned);
  }
  const stillHeld = [...heldBack].map(([workerId, h]) => ({ workerId, work: workFromKeys([...h.keys].filter((k) => held.has(k))), deadline: h.deadline }))
    .filter((h) => !isNoWork(h.work)).sort((a, b) => compareText(a.workerId, b.workerId));
  const delayMs = stillHeld.length === 0 ? 0 : Math.max(1, Math.min(...stillHeld.map((h) => h.deadline)) - input.now);
  return { assignments, delayMs, state: { workers: allocation, heldBack: stillHeld } };
}

function connectorGroups(connectors: readonly ConnectorTaskCount[]): string[][] {
  return [...connectors].sort((a, b) => compareText(a.name, b.name))
    .map((c) => Array.from({ length: c.tasks }, (_, task) => taskKey({ connector: c.name, task })));
}

function existingItems(connectors: readonly ConnectorTaskCount[]): Set<string> {
  return new Set([...connectors.map((c) => connectorKey(c.name)), ...connectorGroups(connectors).flat()]);
}

/**
 * Who runs each existing item now, from the members' reports. An item two members report stays
 * with the one the previous assignment gave it to (else the first by member id); a leaving
 * member still counts as running what it reports, so nobody else starts it this round.
 */
function runningOwners(members: readonly AssignorMember[], existing: ReadonlySet<string>, previous: AssignorState): Map<string, string> {
  const claims = new Map<string, AssignorMember[]>();
  for (const m of members) {
    for (const key of workKeys(m.owned)) if (existing.has(key)) claims.set(key, [...(claims.get(key) ?? []), m]);
  }
  const assignedBefore = new Map([...previous.workers].map(([workerId, work]) => [workerId, new Set(workKeys(work))]));
  const owner = new Map<string, string>();
  for (const [key, claimants] of claims) {
    const assignedTo = claimants.length === 1 ? undefined : claimants.find((m) => assignedBefore.get(m.workerId)?.has(key));
    owner.set(key, (assignedTo ?? claimants[0]).memberId);
  }
  return owner;
}
