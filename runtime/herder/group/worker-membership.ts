import { TributaryError, type Logger } from '../../../plugins/api/index.js';
import type { GroupError, JoinedGroup } from '../../kafka/group-requests.js';
import {
  CONNECT_PROTOCOL_TYPE, decodeAssignment, encodeMemberMetadata, TRIBUTARY_PROTOCOL_NAME, type Assignment,
} from './connect-protocol.js';
import { describeWork, isNoWork, NO_WORK, workIntersection, workMinus, type ConnectorsAndTasks } from './connectors-and-tasks.js';
import type { GroupClient } from './group-client.js';
import { Heartbeater, type HeartbeatTarget } from './heartbeater.js';
import { leaderAssignments, type GroupConfigView, type LastAllocation } from './leader-assignments.js';
import { membershipTimings, type MembershipTimings } from './membership-timings.js';
import { RebalanceMetrics } from './rebalance-metrics.js';

export type { ConfigSnapshot, GroupConfigView } from './leader-assignments.js';

/** Why a member stopped all its work on its own. */
export type FenceReason =
  /** no heartbeat answered for session timeout − margin: the coordinator may drop the member any moment */
  | 'heartbeats-failed'
  /** the coordinator no longer counts the member (session expired, generation moved on without it) */
  | 'removed-from-group'
  /** the coordinator refused the member for good (see `group.join_refused`) */
  | 'refused';

/**
 * The worker's side. Calls are made one at a time and in order — except `onFenced`, which comes
 * at once even while another callback runs: it must stop everything, including what a running
 * `onAssignment` is starting. A callback that throws is logged; the membership goes on.
 */
export interface MembershipListener {
  /** Run exactly `assignment.assigned` (connectors and tasks) from now on, for `generation`. */
  onAssignment(assignment: Assignment, generation: number): Promise<void> | void;
  /**
   * Stop this work now. The member reports it released (and another member may start it) only
   * once the returned promise settles.
   */
  onRevoked(revoked: ConnectorsAndTasks, generation: number): Promise<void> | void;
  /** Stop all work now: this member may no longer be in the group. */
  onFenced(reason: FenceReason): Promise<void> | void;
  /** The membership ended on a `group.join_refused` error. */
  onFailed?(error: TributaryError): void;
}

export interface WorkerMembershipOptions {
  readonly workerId: string;
  /** this worker's REST URL, for the others to forward requests to */
  readonly restUrl: string;
  /** static membership: a worker restarted under the same id rejoins without a rebalance */
  readonly groupInstanceId?: string;
  readonly timings?: Partial<MembershipTimings>;
  /** a new connection to the group's coordinator (GroupRequests.connect); one for joins, one for heartbeats */
  readonly connect: (purpose: 'group' | 'heartbeat') => Promise<GroupClient>;
  readonly config: GroupConfigView;
  readonly listener: MembershipListener;
  readonly logger: Logger;
  readonly now?: () => number;
  /** the highest generation the status topic holds: a leader's write generation passes it */
  readonly generationFloor?: () => number;
}

/** Coordinator errors no retry fixes. */
const REFUSALS = new Set(['INCONSISTENT_GROUP_PROTOCOL', 'FENCED_INSTANCE_ID', 'INVALID_SESSION_TIMEOUT', 'GROUP_AUTHORIZATION_FAILED', 'GROUP_MAX_SIZE_REACHED', 'UNSUPPORTED_VERSION']);
const COORDINATOR_MOVED = new Set(['NOT_COORDINATOR', 'COORDINATOR_NOT_AVAILABLE', 'COORDINATOR_LOAD_IN_PROGRESS']);
const MAX_BACKOFF_MS = 2_000;

type Round = 'applied' | 'again' | 'later';

/**
 * A worker's membership in its worker group, over Kafka's classic group protocol: join (the
 * leader runs the assignor and sends every member its assignment in SyncGroup), apply the
 * assignment through the listener, heartbeat, rejoin when the coordinator, a revocation, a
 * held-back delay or the worker asks for it. Follows the coordinator's state machine
 * (MEMBER_ID_REQUIRED, REBALANCE_IN_PROGRESS, UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, a moved
 * coordinator), fences itself when it cannot heartbeat, and hands its work over before it leaves.
 */
export class WorkerMembership {
  readonly metrics: RebalanceMetrics;
  readonly #options: WorkerMembershipOptions;
  readonly #timings: MembershipTimings;
  readonly #now: () => number;
  readonly #log: Logger;
  readonly #heartbeat: Heartbeater;
  #client: GroupClient | undefined;
  #memberId = '';
  /** the generation of the group this member last joined */
  #joinedGeneration = -1;
  #state: 'idle' | 'joining' | 'stable' | 'closed' = 'idle';
  #owned: ConnectorsAndTasks = NO_WORK;
  #ownedGeneration = -1;
  /** what writes carry while `#ownedGeneration` is in force (Assignment.writeGeneration) */
  #writeGeneration = -1;
  #assignment: Assignment | undefined;
  #lastAllocation: LastAllocation | undefined;
  #leaving = false;
  /** the last applied round was joined as `leaving`: the others have this member's work */
  #handedOverInRound = false;
  #rejoinReason: string | undefined;
  #wake: (() => void) | undefined;
  #delayTimer: NodeJS.Timeout | undefined;
  /** listener calls, one after another */
  #callbacks: Promise<void> = Promise.resolve();
  /** settles once the latest revocation or fence has been carried out */
  #released: Promise<void> = Promise.resolve();
  #fences = 0;
  #firstAssignment = deferred();
  #handedOver = deferred();
  #loop: Promise<void> | undefined;

  constructor(options: WorkerMembershipOptions) {
    this.#options = options;
    this.#timings = membershipTimings(options.timings);
    this.#now = options.now ?? Date.now;
    this.#log = options.logger;
    this.metrics = new RebalanceMetrics(this.#now);
    this.#heartbeat = new Heartbeater({
      connect: () => options.connect('heartbeat'),
      intervalMs: this.#timings.heartbeatIntervalMs,
      sessionTimeoutMs: this.#timings.sessionTimeoutMs,
      fencingMarginMs: this.#timings.fencingMarginMs,
      logger: options.logger,
      now: this.#now,
      events: {
        rebalance: () => { if (this.#state === 'stable') this.requestRejoin('the coordinator started a rebalance'); },
        outOfGroup: (error, target) => this.#outOfGroup(error, target),
        fenceDue: (silentForMs) => {
          this.#fence('heartbeats-failed', `no heartbeat answered for ${silentForMs} ms (session.timeout.ms ${this.#timings.sessionTimeoutMs})`);
          this.requestRejoin('fenced itself');
        },
      },
    });
  }

  /** a method, not a field test: the state changes while the loop awaits */
  #closed(): boolean {
    return this.#state === 'closed';
  }

  get memberId(): string {
    return this.#memberId;
  }

  /**
   * The generation of the assignment in force (what status and offset writes carry); -1 when
   * none is — also when the member is overdue for fencing itself (see Heartbeater.overdue).
   */
  get generation(): number {
    return this.#heartbeat.overdue() || this.#ownedGeneration < 0 ? -1 : this.#writeGeneration;
  }

  /** The assignment in force, with its leader and the leader's URL; undefined before the first or once fenced. */
  get assignment(): Assignment | undefined {
    return this.#assignment;
  }

  /** Joins the group; resolves once the first assignment was handed to the listener. */
  start(): Promise<void> {
    this.#loop ??= this.#run();
    return this.#firstAssignment.promise;
  }

  /** Starts a rebalance (the config changed: a connector was added, removed, or has new task configs). */
  requestRejoin(reason: string): void {
    if (this.#closed()) return;
    this.#rejoinReason ??= reason;
    this.#wake?.();
  }

  /**
   * Clean shutdown: stops its work, rejoins once as `leaving` so the others get that work in the
   * same rebalance (no delay), then sends LeaveGroup.
   */
  async leave(reason = 'the worker is shutting down'): Promise<void> {
    if (this.#closed()) return;
    this.#leaving = true;
    clearTimeout(this.#delayTimer);
    const owned = this.#owned;
    if (!isNoWork(owned)) this.#revoke(owned, this.#ownedGeneration);
    await this.#released;
    if (this.#joinedGeneration >= 0 && this.#loop) {
      this.requestRejoin('handing work over before leaving');
      // bounded: a coordinator out of reach must not hold the shutdown up (the work is then held back for the delay)
      await Promise.race([this.#handedOver.promise, sleep(this.#timings.sessionTimeoutMs)]);
    }
    const memberId = this.#memberId;
    await this.#shutDown(true);
    if (memberId) await this.#sendLeave(memberId, reason);
    this.#log.info({ memberId, reason }, 'left the worker group');
  }

  /** Stops without a word to the coordinator (it drops the member after the session timeout), and without callbacks. */
  async close(): Promise<void> {
    await this.#shutDown(true);
  }

  /** `awaitLoop`: false from inside the loop itself */
  async #shutDown(awaitLoop: boolean): Promise<void> {
    if (this.#closed()) return;
    this.#state = 'closed';
    clearTimeout(this.#delayTimer);
    this.#wake?.();
    await this.#heartbeat.stop();
    await this.#dropClient();
    if (awaitLoop) await this.#loop?.catch(() => undefined);
    this.#firstAssignment.reject(new TributaryError('worker.stopping', 'the worker left its group before it was assigned anything'));
  }

  async #run(): Promise<void> {
    let backoff = this.#timings.retryBackoffMs;
    while (this.#state !== 'closed') {
      let round: Round;
      try {
        await this.#released;
        if (this.#closed()) break;
        round = await this.#rebalance();
      } catch (error) {
        if (this.#closed()) break;
        if (error instanceof TributaryError && error.code === 'group.join_refused') return this.#refused(error);
        this.#log.warn({ err: error, retryInMs: backoff }, 'worker group rebalance failed; retrying');
        await this.#dropClient();
        round = 'later';
      }
      if (round === 'applied') {
        backoff = this.#timings.retryBackoffMs;
        if (this.#handedOverInRound) return this.#handedOver.resolve();
        await this.#untilRejoin();
      } else if (round === 'later') {
        await this.#pause(backoff);
        backoff = Math.min(2 * backoff, MAX_BACKOFF_MS);
      }
    }
  }

  /** One JoinGroup + SyncGroup + applying the assignment. */
  async #rebalance(): Promise<Round> {
    this.#state = 'joining';
    this.#rejoinReason = undefined;
    this.metrics.started();
    const client = await this.#groupClient();
    const leaving = this.#leaving;
    const joined = await this.#join(client, leaving);
    if (typeof joined === 'string') return joined;
    this.#joinedGeneration = joined.generationId;
    this.#heartbeat.target(this.#heartbeatTarget());
    const assignments = joined.leader === this.#memberId && !joined.skipAssignment
      ? await leaderAssignments({ joined, config: this.#options.config, timings: this.#timings, last: this.#lastAllocation, self: { memberId: this.#memberId, url: this.#options.restUrl }, now: this.#now, logger: this.#log, generationFloor: this.#options.generationFloor })
      : [];
    const sentAt = this.#now();
    const synced = await client.sync({
      generationId: joined.generationId, memberId: this.#memberId, groupInstanceId: this.#options.groupInstanceId ?? null,
      protocolType: CONNECT_PROTOCOL_TYPE, protocolName: TRIBUTARY_PROTOCOL_NAME, assignments,
    });
    if (synced.error !== null) return this.#groupError(synced.error, 'SyncGroup');
    if (this.#closed()) return 'again';
    const assignment = decodeAssignment(synced.assignment);
    this.#heartbeat.alive(sentAt);
    await this.#apply(assignment, joined.generationId, joined.leader === this.#memberId);
    this.#handedOverInRound = leaving;
    if (this.#state === 'joining') this.#state = 'stable';
    return 'applied';
  }

  /** JoinGroup, again with the member id the coordinator hands out (MEMBER_ID_REQUIRED). */
  async #join(client: GroupClient, leaving: boolean): Promise<JoinedGroup | Round> {
    for (;;) {
      const result = await client.join({
        memberId: this.#memberId, groupInstanceId: this.#options.groupInstanceId ?? null,
        sessionTimeoutMs: this.#timings.sessionTimeoutMs, rebalanceTimeoutMs: this.#timings.rebalanceTimeoutMs,
        protocolType: CONNECT_PROTOCOL_TYPE, protocols: [{ name: TRIBUTARY_PROTOCOL_NAME, metadata: this.#metadata(leaving) }],
        reason: leaving ? 'handing work over before leaving' : undefined,
      });
      if (result.error === null) {
        this.#memberId = result.memberId;
        return result;
      }
      if (result.error !== 'MEMBER_ID_REQUIRED') return this.#groupError(result.error, 'JoinGroup');
      this.#memberId = result.memberId;
    }
  }

  #metadata(leaving: boolean): Buffer {
    return encodeMemberMetadata({
      workerId: this.#options.workerId, url: this.#options.restUrl, configOffset: this.#options.config.snapshot().offset,
      generation: this.#ownedGeneration, owned: this.#owned, leaving,
    });
  }

  /** What the coordinator's error means for the member; throws `group.join_refused` for the final ones. */
  async #groupError(error: GroupError, request: string): Promise<Round> {
    if (REFUSALS.has(error)) {
      throw new TributaryError('group.join_refused', `The group coordinator refused ${request} of worker ${this.#options.workerId} with ${error}${error === 'INCONSISTENT_GROUP_PROTOCOL' ? ` (the group's members speak another protocol than ${CONNECT_PROTOCOL_TYPE}/${TRIBUTARY_PROTOCOL_NAME}: is a Kafka Connect worker or a consumer using group.id?)` : ''}`);
    }
    if (error === 'UNKNOWN_MEMBER_ID') {
      this.#fence('removed-from-group', `${request} answered UNKNOWN_MEMBER_ID`);
      this.#memberId = '';
      this.#heartbeat.target(undefined);
      return 'again';
    }
    if (error === 'REBALANCE_IN_PROGRESS' || error === 'ILLEGAL_GENERATION') return 'again';
    if (COORDINATOR_MOVED.has(error)) {
      this.#log.info({ error }, 'the group coordinator moved; finding it again');
      await this.#dropClient();
      return 'later';
    }
    this.#log.warn({ error, request }, 'group request failed; retrying');
    return 'later';
  }

  async #apply(assignment: Assignment, generation: number, leader: boolean): Promise<void> {
    const { config } = this.#options;
    // a fence while this waits for the config topic voids the assignment: the fence's rejoin brings a new one
    const fences = this.#fences;
    const timeoutMs = this.#timings.configSyncTimeoutMs;
    if (assignment.error === 'CONFIG_MISMATCH') {
      this.#log.info({ generation, configOffset: assignment.configOffset }, 'the leader is behind on the config topic; reading up to the newest offset before joining again');
      await config.catchUp(assignment.configOffset, timeoutMs);
      this.metrics.completed(generation, assignment.leader);
      this.requestRejoin('config offsets differed');
      return;
    }
    const revoked = workIntersection(assignment.revoked, this.#owned);
    if (!isNoWork(revoked)) this.#revoke(revoked, generation);
    let assigned = assignment.assigned;
    if (this.#leaving) {
      // joined before leave() was called: start nothing more, the next round hands everything over
      assigned = NO_WORK;
      this.requestRejoin('handing work over before leaving');
    } else if (config.snapshot().offset < assignment.configOffset && !(await config.catchUp(assignment.configOffset, timeoutMs))) {
      // Kafka Connect's worker.sync.timeout.ms: keep only what runs already, and ask again
      this.#log.warn({ generation, configOffset: assignment.configOffset, read: config.snapshot().offset }, 'could not read the config topic up to the leader\'s offset in time; starting nothing new and rejoining');
      assigned = workIntersection(assigned, this.#owned);
      this.requestRejoin('behind the leader on the config topic');
    }
    if (fences !== this.#fences) return;
    const added = workMinus(assigned, this.#owned);
    this.#owned = assigned;
    this.#ownedGeneration = generation;
    this.#writeGeneration = assignment.writeGeneration >= 0 ? assignment.writeGeneration : generation;
    const inForce: Assignment = { ...assignment, assigned };
    this.#assignment = inForce;
    this.#lastAllocation = { group: assignment.group, generation, writeGeneration: this.#writeGeneration, receivedAt: this.#now() };
    if (isNoWork(assigned)) this.#heartbeat.disarm();
    this.metrics.completed(generation, assignment.leader);
    this.#log.info({ generation, leader: assignment.leader, runs: describeWork(assigned), added: describeWork(added), revoked: describeWork(revoked), delayMs: assignment.delayMs }, 'worker group assignment');
    const delivered = this.#enqueue(() => (fences === this.#fences ? this.#options.listener.onAssignment(inForce, generation) : undefined), 'onAssignment');
    void delivered.then(() => this.#firstAssignment.resolve());
    if (!isNoWork(revoked) && assignment.rejoinAfterRevoking) this.requestRejoin('revoked work goes to another member');
    clearTimeout(this.#delayTimer);
    if (leader && assignment.delayMs > 0) this.#delayTimer = setTimeout(() => this.requestRejoin('held-back work is due'), assignment.delayMs);
  }

  #revoke(work: ConnectorsAndTasks, generation: number): void {
    this.#owned = workMinus(this.#owned, work);
    if (isNoWork(this.#owned)) this.#heartbeat.disarm();
    this.#released = this.#enqueue(() => this.#options.listener.onRevoked(work, generation), 'onRevoked');
  }

  /** Stops all work at once, without waiting for other callbacks (see MembershipListener). */
  #fence(reason: FenceReason, why: string): void {
    const owned = this.#owned;
    this.#owned = NO_WORK;
    this.#ownedGeneration = -1;
    this.#assignment = undefined;
    this.metrics.reset();
    this.#heartbeat.disarm();
    if (isNoWork(owned)) return;
    this.#fences++;
    this.#log.warn({ reason, stopped: describeWork(owned) }, `fencing this worker: ${why}`);
    const fenced = Promise.resolve().then(() => this.#options.listener.onFenced(reason))
      .catch((error: unknown) => this.#log.error({ err: error }, 'the onFenced callback failed'));
    this.#callbacks = Promise.all([this.#callbacks, fenced]).then(() => undefined);
    this.#released = this.#callbacks;
  }

  #outOfGroup(error: GroupError, target: HeartbeatTarget): void {
    if (error === 'FENCED_INSTANCE_ID') {
      void this.#refused(new TributaryError('group.join_refused', `Another worker joined the group with group.instance.id ${this.#options.groupInstanceId}: this one stops`));
      return;
    }
    // while joining, a heartbeat for the old generation may cross the coordinator completing the new one
    if (this.#state !== 'stable' || target.generation !== this.#joinedGeneration) return;
    this.#fence('removed-from-group', `a heartbeat answered ${error}`);
    if (error === 'UNKNOWN_MEMBER_ID') {
      this.#memberId = '';
      this.#heartbeat.target(undefined);
    }
    this.requestRejoin(`heartbeat answered ${error}`);
  }

  async #refused(error: TributaryError): Promise<void> {
    this.#log.error({ err: error }, error.message);
    this.#fence('refused', error.message);
    this.#firstAssignment.reject(error);
    this.#options.listener.onFailed?.(error);
    await this.#shutDown(false);
  }

  #enqueue(call: () => Promise<void> | void, name: string): Promise<void> {
    const run = this.#callbacks.then(call).catch((error: unknown) => this.#log.error({ err: error }, `the ${name} callback failed`));
    this.#callbacks = run;
    return run;
  }

  #heartbeatTarget(): HeartbeatTarget {
    return { generation: this.#joinedGeneration, memberId: this.#memberId, groupInstanceId: this.#options.groupInstanceId ?? null };
  }

  async #untilRejoin(): Promise<void> {
    if (this.#rejoinReason === undefined && this.#state !== 'closed') await new Promise<void>((resolve) => (this.#wake = resolve));
    this.#wake = undefined;
    if (this.#rejoinReason !== undefined) this.#log.info({ reason: this.#rejoinReason }, 'rejoining the worker group');
  }

  async #pause(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#wake = () => { clearTimeout(timer); resolve(); };
    });
    this.#wake = undefined;
  }

  async #groupClient(): Promise<GroupClient> {
    this.#client ??= await this.#options.connect('group');
    return this.#client;
  }

  async #dropClient(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    await client?.close().catch(() => undefined);
  }

  /** LeaveGroup over a connection of its own: the group connection may have a JoinGroup hanging on it */
  async #sendLeave(memberId: string, reason: string): Promise<void> {
    try {
      const client = await this.#options.connect('group');
      try {
        const error = await client.leave(memberId, this.#options.groupInstanceId ?? null, reason);
        if (error !== null && error !== 'UNKNOWN_MEMBER_ID') this.#log.warn({ error }, 'LeaveGroup refused; the coordinator drops this member after the session timeout');
      } finally {
        await client.close().catch(() => undefined);
      }
    } catch (error) {
      this.#log.warn({ err: error }, 'could not send LeaveGroup; the coordinator drops this member after the session timeout');
    }
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (error: unknown) => void } {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => { resolve = res; reject = rej; });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
