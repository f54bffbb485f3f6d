import type { Logger } from '../../../plugins/api/index.js';
import type { JoinedGroup } from '../../kafka/group-requests.js';
import { decodeMemberMetadata, encodeAssignment, type Assignment, type GroupAllocation, type MemberMetadata } from './connect-protocol.js';
import { NO_WORK } from './connectors-and-tasks.js';
import { assignIncrementally, type AssignorState, type ConnectorTaskCount } from './incremental-cooperative-assignor.js';
import type { MembershipTimings } from './membership-timings.js';

/** What a worker has read of the config topic. */
export interface ConfigSnapshot {
  readonly offset: number;
  /** every connector with its committed task count (0 while it has none, or is stopped) */
  readonly connectors: readonly ConnectorTaskCount[];
}

/** What the membership needs of the config topic. */
export interface GroupConfigView {
  snapshot(): ConfigSnapshot;
  /** reads the config topic until at least `offset`; false if that did not happen within `timeoutMs` */
  catchUp(offset: number, timeoutMs: number): Promise<boolean>;
}

/** The group allocation a member last received, and when: a member that becomes leader starts from it. */
export interface LastAllocation {
  readonly group: GroupAllocation;
  readonly generation: number;
  /** the round's write generation (Assignment.writeGeneration) */
  readonly writeGeneration: number;
  readonly receivedAt: number;
}

export interface LeaderRound {
  readonly joined: JoinedGroup;
  readonly config: GroupConfigView;
  readonly timings: MembershipTimings;
  readonly last: LastAllocation | undefined;
  readonly self: { readonly memberId: string; readonly url: string };
  readonly now: () => number;
  readonly logger: Logger;
  /** the highest generation written to the status topic so far (-1: none) */
  readonly generationFloor?: () => number;
}

const EMPTY_GROUP: GroupAllocation = { workers: new Map(), heldBack: [] };

/**
 * The leader's part of a rebalance: read every member's metadata, make sure this worker has read
 * the config topic as far as any member has (Kafka Connect's CONFIG_MISMATCH, but the leader
 * first tries to catch up within worker.sync.timeout.ms instead of failing the round at once),
 * run the assignor and encode one assignment per member for SyncGroup.
 */
export async function leaderAssignments(round: LeaderRound): Promise<{ memberId: string; assignment: Buffer }[]> {
  const { joined, config, timings, logger } = round;
  const members = joined.members.map((m) => ({ memberId: m.memberId, metadata: readMetadata(m.metadata, m.memberId, logger) }));
  const known = members.filter((m): m is { memberId: string; metadata: MemberMetadata } => m.metadata !== undefined);
  warnOfSharedWorkerIds(known, logger);
  const newest = Math.max(-1, ...known.map((m) => m.metadata.configOffset));
  if (config.snapshot().offset < newest) await config.catchUp(newest, timings.configSyncTimeoutMs);
  const snapshot = config.snapshot();
  const urls = new Map(known.map((m) => [m.metadata.workerId, m.metadata.url]));
  const writeGeneration = Math.max(joined.generationId, (round.last?.writeGeneration ?? -1) + 1, (round.generationFloor?.() ?? -1) + 1);
  const base = { leader: round.self.memberId, leaderUrl: round.self.url, assigned: NO_WORK, revoked: NO_WORK, rejoinAfterRevoking: false, delayMs: 0, urls, writeGeneration };
  if (snapshot.offset < newest) {
    logger.warn({ read: snapshot.offset, newest }, 'a member has read more of the config topic than this leader could within worker.sync.timeout.ms; nobody gets work this round');
    const mismatch: Assignment = { ...base, error: 'CONFIG_MISMATCH', configOffset: newest, group: round.last?.group ?? EMPTY_GROUP };
    return members.map((m) => ({ memberId: m.memberId, assignment: encodeAssignment(mismatch) }));
  }
  const now = round.now();
  const result = assignIncrementally({
    members: known.map((m) => ({ memberId: m.memberId, workerId: m.metadata.workerId, owned: m.metadata.owned, leaving: m.metadata.leaving })),
    connectors: snapshot.connectors,
    previous: previousState(round.last, known, logger),
    now,
    // the coordinator noticed a crashed worker a session timeout after it went: the delay counts from then
    holdBackMs: timings.scheduledRebalanceMaxDelayMs - timings.sessionTimeoutMs,
  });
  const group: GroupAllocation = {
    workers: result.state.workers,
    heldBack: result.state.heldBack.map((h) => ({ workerId: h.workerId, work: h.work, remainingMs: Math.max(0, h.deadline - now) })),
  };
  return members.map((m) => {
    const decision = result.assignments.get(m.memberId);
    const assignment: Assignment = { ...base, ...decision, error: 'NONE', configOffset: snapshot.offset, delayMs: result.delayMs, group };
    return { memberId: m.memberId, assignment: encodeAssignment(assignment) };
  });
}

/** Undecodable metadata leaves the member out of the assignment (it gets nothing), rather than failing the round for all. */
function readMetadata(bytes: Buffer, memberId: string, logger: Logger): MemberMetadata | undefined {
  try {
    return decodeMemberMetadata(bytes);
  } catch (error) {
    logger.error({ err: error, memberId }, 'a group member\'s metadata cannot be read; it is assigned nothing');
    return undefined;
  }
}

/**
 * The last allocation this member received is where the group stands, unless a member reports an
 * assignment from a later generation (this leader missed a round): then nothing earlier is
 * known, and the assignor keeps what members report and shares the rest at once.
 */
function previousState(last: LastAllocation | undefined, members: readonly { metadata: MemberMetadata }[], logger: Logger): AssignorState | undefined {
  if (!last) return undefined;
  const newestReported = Math.max(-1, ...members.map((m) => m.metadata.generation));
  if (last.generation < newestReported) {
    logger.info({ known: last.generation, newestReported }, 'this leader missed a generation; assigning from what members report');
    return undefined;
  }
  return {
    workers: last.group.workers,
    heldBack: last.group.heldBack.map((d) => ({ workerId: d.workerId, work: d.work, deadline: last.receivedAt + d.remainingMs })),
  };
}

function warnOfSharedWorkerIds(members: readonly { memberId: string; metadata: MemberMetadata }[], logger: Logger): void {
  const seen = new Map<string, string>();
  for (const m of members) {
    const other = seen.get(m.metadata.workerId);
    if (other) logger.warn({ workerId: m.metadata.workerId, members: [other, m.memberId] }, 'two group members have the same worker id: give each worker its own worker.id');
    seen.set(m.metadata.workerId, m.memberId);
  }
}
