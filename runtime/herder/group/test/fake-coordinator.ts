import type { GroupError, JoinRequest, JoinResult, SyncRequest, SyncResult } from '../../../kafka/group-requests.js';
import type { GroupClient } from '../group-client.js';

interface Member {
  readonly id: string;
  readonly instanceId: string | null;
  metadata: Buffer;
  sessionTimeoutMs: number;
  lastSeen: number;
  assignment: Buffer;
  joinWaiter?: (result: JoinResult) => void;
  syncWaiter?: (result: SyncResult) => void;
}

/**
 * Kafka's classic group coordinator in miniature, for unit tests of the membership: member ids
 * handed out with MEMBER_ID_REQUIRED, a rebalance that completes once every member rejoined (or
 * the rebalance timeout drops the rest), the leader's SyncGroup releasing everyone's assignment,
 * heartbeats answering REBALANCE_IN_PROGRESS / ILLEGAL_GENERATION / UNKNOWN_MEMBER_ID, session
 * expiry for members not waiting in a join, protocol checks. `removals` records who was dropped, and why.
 */
export class FakeCoordinator {
  readonly #members = new Map<string, Member>();
  readonly #pending = new Set<string>();
  #state: 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' = 'Empty';
  #generation = 0;
  #leader = '';
  #protocol: string | undefined;
  #ids = 0;
  #rebalanceTimer: NodeJS.Timeout | undefined;
  readonly #sessionTimer = setInterval(() => this.#expireSessions(), 10);
  readonly removals: { memberId: string; why: string; at: number }[] = [];
  readonly clients: FakeClient[] = [];

  constructor(readonly rebalanceTimeoutMs = 2_000) {}

  get generation(): number { return this.#generation; }
  get state(): string { return this.#state; }
  memberIds(): string[] { return [...this.#members.keys()]; }

  /** a connection to this coordinator */
  connect(name: string): FakeClient {
    const client = new FakeClient(this, name);
    this.clients.push(client);
    return client;
  }

  stop(): void {
    clearInterval(this.#sessionTimer);
    clearTimeout(this.#rebalanceTimer);
  }

  join(request: JoinRequest): Promise<JoinResult> {
    const protocol = request.protocols[0]?.name;
    if (request.protocolType !== 'connect' || (this.#members.size > 0 && !request.protocols.some((p) => p.name === this.#protocol))) {
      return Promise.resolve({ error: 'INCONSISTENT_GROUP_PROTOCOL', memberId: request.memberId });
    }
    let id = request.memberId;
    if (request.groupInstanceId) {
      const previous = [...this.#members.values()].find((m) => m.instanceId === request.groupInstanceId);
      if (previous && previous.id !== id) this.#remove(previous.id, 'replaced by a new member with its group.instance.id', false);
      if (id === '') id = `${request.groupInstanceId}-${++this.#ids}`;
    } else if (id === '') {
      id = `member-${++this.#ids}`;
      this.#pending.add(id);
      return Promise.resolve({ error: 'MEMBER_ID_REQUIRED', memberId: id });
    } else if (!this.#members.has(id) && !this.#pending.has(id)) {
      return Promise.resolve({ error: 'UNKNOWN_MEMBER_ID', memberId: id });
    }
    this.#pending.delete(id);
    this.#protocol ??= protocol;
    let member = this.#members.get(id);
    if (!member) this.#members.set(id, (member = { id, instanceId: request.groupInstanceId ?? null, metadata: Buffer.alloc(0), sessionTimeoutMs: request.sessionTimeoutMs, lastSeen: 0, assignment: Buffer.alloc(0) }));
    member.metadata = request.protocols[0].metadata;
    member.lastSeen = Date.now();
    const joined = member;
    return new Promise((resolve) => {
      joined.joinWaiter = resolve;
      if (this.#state !== 'PreparingRebalance') this.#prepareRebalance();
      this.#completeJoinIfReady();
    });
  }

  sync(request: SyncRequest): Promise<SyncResult> {
    const member = this.#members.get(request.memberId);
    if (!member) return Promise.resolve({ error: 'UNKNOWN_MEMBER_ID' });
    if (request.generationId !== this.#generation) return Promise.resolve({ error: 'ILLEGAL_GENERATION' });
    if (this.#state === 'PreparingRebalance') return Promise.resolve({ error: 'REBALANCE_IN_PROGRESS' });
    member.lastSeen = Date.now();
    if (this.#state === 'Stable') return Promise.resolve({ error: null, assignment: member.assignment });
    return new Promise((resolve) => {
      member.syncWaiter = resolve;
      if (request.memberId !== this.#leader) return;
      for (const { memberId, assignment } of request.assignments) {
        const m = this.#members.get(memberId);
        if (m) m.assignment = assignment;
      }
      this.#state = 'Stable';
      for (const m of this.#members.values()) {
        m.syncWaiter?.({ error: null, assignment: m.assignment });
        m.syncWaiter = undefined;
      }
    });
  }

  heartbeat(generation: number, memberId: string): GroupError | null {
    const member = this.#members.get(memberId);
    if (!member) return 'UNKNOWN_MEMBER_ID';
    if (generation !== this.#generation) return 'ILLEGAL_GENERATION';
    member.lastSeen = Date.now();
    return this.#state === 'PreparingRebalance' ? 'REBALANCE_IN_PROGRESS' : null;
  }

  leave(memberId: string): GroupError | null {
    if (!this.#members.has(memberId)) return 'UNKNOWN_MEMBER_ID';
    this.#remove(memberId, 'left', true);
    return null;
  }

  #prepareRebalance(): void {
    this.#state = 'PreparingRebalance';
    for (const m of this.#members.values()) {
      m.syncWaiter?.({ error: 'REBALANCE_IN_PROGRESS' });
      m.syncWaiter = undefined;
    }
    clearTimeout(this.#rebalanceTimer);
    this.#rebalanceTimer = setTimeout(() => {
      for (const m of [...this.#members.values()]) if (!m.joinWaiter) this.#remove(m.id, 'did not rejoin within the rebalance timeout', false);
      this.#completeJoinIfReady();
    }, this.rebalanceTimeoutMs);
  }

  #completeJoinIfReady(): void {
    if (this.#state !== 'PreparingRebalance') return;
    const members = [...this.#members.values()];
    if (members.some((m) => !m.joinWaiter)) return;
    clearTimeout(this.#rebalanceTimer);
    if (members.length === 0) {
      this.#state = 'Empty';
      return;
    }
    this.#generation++;
    this.#state = 'CompletingRebalance';
    if (!this.#members.has(this.#leader)) this.#leader = members[0].id;
    for (const m of members) {
      m.lastSeen = Date.now();
      const waiter = m.joinWaiter!;
      m.joinWaiter = undefined;
      waiter({
        error: null, generationId: this.#generation, protocolName: this.#protocol!, leader: this.#leader, memberId: m.id, skipAssignment: false,
        members: m.id === this.#leader ? members.map((x) => ({ memberId: x.id, groupInstanceId: x.instanceId, metadata: x.metadata })) : [],
      });
    }
  }

  #remove(memberId: string, why: string, rebalance: boolean): void {
    const member = this.#members.get(memberId);
    if (!member) return;
    this.#members.delete(memberId);
    this.removals.push({ memberId, why, at: Date.now() });
    member.joinWaiter?.({ error: 'UNKNOWN_MEMBER_ID', memberId });
    member.syncWaiter?.({ error: 'UNKNOWN_MEMBER_ID' });
    if (this.#members.size === 0) {
      this.#protocol = undefined;
      this.#state = 'Empty';
      clearTimeout(this.#rebalanceTimer);
    } else if (rebalance && this.#state !== 'PreparingRebalance') this.#prepareRebalance();
    else this.#completeJoinIfReady();
  }

  #expireSessions(): void {
    const now = Date.now();
    for (const m of [...this.#members.values()]) {
      if (!m.joinWaiter && m.lastSeen + m.sessionTimeoutMs < now) this.#remove(m.id, 'session expired', true);
    }
  }
}

/**
 * One connection to the fake coordinator. `partition()` makes every call hang (a network
 * partition) until `heal()` or `close()`, which fail them as a reset connection would;
 * `answerNext` scripts a coordinator error for the next calls of one request.
 */
export class FakeClient implements GroupClient {
  readonly #coordinator: FakeCoordinator;
  readonly #hanging = new Set<(error: Error) => void>();
  readonly answerNext: { join: GroupError[]; heartbeat: GroupError[] } = { join: [], heartbeat: [] };
  partitioned = false;
  closed = false;

  constructor(coordinator: FakeCoordinator, readonly name: string) {
    this.#coordinator = coordinator;
  }

  partition(): void { this.partitioned = true; }

  heal(): void {
    this.partitioned = false;
    this.#failHanging('connection reset');
  }

  join(request: JoinRequest): Promise<JoinResult> {
    const scripted = this.answerNext.join.shift();
    return this.#call(() => (scripted ? Promise.resolve({ error: scripted, memberId: request.memberId }) : this.#coordinator.join(request)));
  }

  sync(request: SyncRequest): Promise<SyncResult> {
    return this.#call(() => this.#coordinator.sync(request));
  }

  heartbeat(generationId: number, memberId: string): Promise<GroupError | null> {
    const scripted = this.answerNext.heartbeat.shift();
    return this.#call(async () => scripted ?? this.#coordinator.heartbeat(generationId, memberId));
  }

  leave(memberId: string): Promise<GroupError | null> {
    return this.#call(async () => this.#coordinator.leave(memberId));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.#failHanging('connection closed');
  }

  #call<T>(request: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('connection closed'));
    if (!this.partitioned) {
      // a closed connection fails what waits on it (a JoinGroup held by the coordinator)
      return new Promise<T>((resolve, reject) => {
        this.#hanging.add(reject);
        request().then(resolve, reject).finally(() => this.#hanging.delete(reject));
      });
    }
    return new Promise<T>((_, reject) => this.#hanging.add(reject));
  }

  #failHanging(why: string): void {
    for (const reject of this.#hanging) reject(new Error(why));
    this.#hanging.clear();
  }
}
