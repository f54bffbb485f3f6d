import { randomBytes } from 'node:crypto';
import { TributaryError, type Logger, type RawConfig } from '../../plugins/api/index.js';
import type { PluginRegistry } from '../../plugins/registry.js';
import type { ClusterConfigStore, ConfigChange } from '../storage/config-backing-store.js';
import type { StoredConnector } from '../storage/config-store.js';
import type { OffsetBackingStore } from '../storage/offset-store.js';
import type { ClusterStatusStore, StatusRecord } from '../storage/status-backing-store.js';
import { sameConfig } from '../worker/same-config.js';
import type { SourceTaskRunner } from '../worker/source-task-runner.js';
import type { Worker } from '../worker/worker.js';
import { ActiveTopicsSync } from './active-topics-sync.js';
import { AssignedWork } from './assigned-work.js';
import type { Assignment } from './group/connect-protocol.js';
import { configTopicView } from './group/config-topic-view.js';
import type { ConnectorTaskCount } from './group/incremental-cooperative-assignor.js';
import type { GroupClient } from './group/group-client.js';
import type { MembershipTimings } from './group/membership-timings.js';
import type { RebalanceMetricsSnapshot } from './group/rebalance-metrics.js';
import { WorkerMembership, type GroupConfigView } from './group/worker-membership.js';
import type {
  ActiveTopicsInfo, ConnectorInfo, ConnectorOffsets, ConnectorSignal, ConnectorStateInfo, Herder, TargetState, TaskInfo, TaskStatus,
} from './herder.js';
import { HerderBase, patchedConfig } from './herder-base.js';
import { LeaderClient } from './leader-client.js';
import { rebalancing, RequestTargetError } from './request-target.js';
import { SESSION_KEY_ALGORITHM, signatureValid } from './request-signature.js';

export interface DistributedHerderDeps {
  worker: Worker;
  registry: PluginRegistry;
  configs: ClusterConfigStore;
  offsets: OffsetBackingStore;
  statuses: ClusterStatusStore;
  logger: Logger;
  topicTracking?: { enabled: boolean; allowReset: boolean };
  group: {
    /** this worker's REST URL, where the others forward requests to */
    readonly restUrl: string;
    readonly groupInstanceId?: string;
    readonly timings?: Partial<MembershipTimings>;
    /** a connection to the group coordinator (coordinatorConnections) */
    readonly connect: (purpose: 'group' | 'heartbeat') => Promise<GroupClient>;
  };
  /** the worker's REST credentials (an Authorization header value), sent with its requests to other workers */
  internalAuthorization?: string;
  /** how long a request to another worker may take */
  requestTimeoutMs?: number;
  /** how long a session key signs internal requests before the leader writes a new one (inter.worker.key.ttl.ms) */
  sessionKeyTtlMs?: number;
  /** the membership ended for good (`group.join_refused`): the worker cannot take part in its group */
  onFatal?: (error: TributaryError) => void;
  /**
   * exactly-once sources (KIP-618): while this worker leads, its config topic writes are
   * transactional under this id (`connect-cluster-<group.id>`), fencing a deposed leader's
   */
  leaderTransactionalId?: string;
}

/** A signed internal request's credentials (Kafka Connect's X-Connect-Authorization). */
export interface InternalSignature {
  readonly signature: string | undefined;
  readonly algorithm: string | undefined;
}

/**
 * The control plane of a worker group (Kafka Connect's DistributedHerder). Workers with one
 * `group.id` share the connectors and tasks of their config topic through WorkerMembership:
 * each runs what its assignment says (AssignedWork), the worker running a connector computes its
 * task configs, and the leader writes them to the config topic (`task-<c>-<n>`, `commit-<c>`),
 * receiving them over REST when the connector runs elsewhere. Members start tasks only from
 * committed task configs.
 *
 * Any worker answers reads from the config and status topics it reads. Writes are the leader's:
 * elsewhere they throw RequestTargetError with the leader's URL, and the REST layer forwards
 * them; during a rebalance they throw `connector.rebalancing`, which the REST layer retries
 * within its request timeout before answering 503. A task restart goes to the worker running it;
 * a connector restart is a restart request in the config topic that every worker carries out
 * for what it runs.
 */
export class DistributedHerder extends HerderBase implements Herder {
  readonly #deps: DistributedHerderDeps;
  readonly #worker: Worker;
  readonly #configs: ClusterConfigStore;
  readonly #leaderTransactionalId: string | undefined;
  readonly #statuses: ClusterStatusStore;
  readonly #topics: ActiveTopicsSync;
  readonly #work: AssignedWork;
  readonly #leaderClient: LeaderClient;
  readonly #stopListening: (() => void)[] = [];
  /** per connector: the latest task configs it computed here, not yet stored */
  readonly #pendingTaskConfigs = new Map<string, RawConfig[]>();
  #membership: WorkerMembership | undefined;
  /** what the assignor was last given (connectors and task counts), to tell when to assign again */
  #assignedWith = '';
  #ready = false;
  #stopped = false;

  constructor(deps: DistributedHerderDeps) {
    super(deps.registry, deps.logger);
    this.#deps = deps;
    this.#worker = deps.worker;
    this.#configs = deps.configs;
    this.#leaderTransactionalId = deps.leaderTransactionalId;
    this.#statuses = deps.statuses;
    this.#work = new AssignedWork(deps.worker, deps.configs, deps.logger);
    this.#topics = new ActiveTopicsSync(deps.worker.bus, deps.statuses);
    this.#leaderClient = new LeaderClient({ authorization: deps.internalAuthorization, timeoutMs: deps.requestTimeoutMs ?? 10_000 });
  }

  get workerId(): string {
    return this.#worker.workerId;
  }

  ready(): boolean {
    return this.#ready;
  }

  /** The generation status writes carry: the assignment in force, -1 when none is (see WorkerMembership.generation). */
  generation(): number {
    return this.#membership?.generation ?? -1;
  }

  /** the membership's rebalance metrics, once it exists */
  rebalanceMetrics(): RebalanceMetricsSnapshot | undefined {
    return this.#membership?.metrics.snapshot();
  }

  /** whether this worker leads its group now */
  isLeader(): boolean {
    const assignment = this.#membership?.assignment;
    return assignment !== undefined && assignment.leader === this.#membership!.memberId;
  }

  /**
   * Joins the group; the worker becomes ready (GET /health 200) once its first assignment is
   * running. The config, offset and status stores were started (read to their ends) by the caller.
   */
  async start(): Promise<void> {
    this.#stopListening.push(
      this.#configs.onChange((change) => this.#changed(change)),
      this.#worker.onTaskConfigs((name, configs) => this.#taskConfigsComputed(name, configs)),
    );
    const view = configTopicView(this.#configs);
    // the leader's last snapshot is what the assignment in force was computed from
    const recording: GroupConfigView = {
      snapshot: () => {
        const snapshot = view.snapshot();
        this.#assignedWith = assignable(snapshot.connectors);
        return snapshot;
      },
      catchUp: view.catchUp,
    };
    const { group } = this.#deps;
    this.#membership = new WorkerMembership({
      workerId: this.workerId, restUrl: group.restUrl, groupInstanceId: group.groupInstanceId, timings: group.timings,
      connect: group.connect, config: recording, logger: this.log, generationFloor: () => this.#statuses.highestGeneration(),
      listener: {
        onAssignment: (assignment) => this.#assigned(assignment),
        onRevoked: (revoked) => this.#work.release(revoked),
        onFenced: () => this.#work.fence(),
        onFailed: (error) => {
          this.#ready = false;
          this.#deps.onFatal?.(error);
        },
      },
    });
    if (this.#deps.topicTracking?.enabled ?? true) this.#topics.start(() => new Set(this.#work.work.tasks.map((t) => t.connector)));
    this.#membership.start().catch((error: unknown) => {
      if (!this.#stopped) this.log.error({ err: error }, 'the worker could not join its group');
    });
  }

  /** Hands the work over (stopped with a commit, then the group told), then stops the worker. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#ready = false;
    await this.#membership?.leave();
    for (const stop of this.#stopListening.splice(0)) stop();
    this.#topics.stop();
    await this.serialized(async () => undefined);
    await this.#worker.stop();
  }

  async #assigned(assignment: Assignment): Promise<void> {
    const transactionalId = this.#leaderTransactionalId;
    if (transactionalId !== undefined && this.#configs.useLeaderTransactions) {
      await this.#configs.useLeaderTransactions(this.isLeader() ? transactionalId : null)
        .catch((error: unknown) => this.log.warn({ err: error }, 'could not switch the config topic writes to this worker\'s leadership'));
    }
    await this.#work.run(assignment.assigned);
    this.#ready = true;
    if (!this.isLeader()) return;
    await this.#ensureSessionKey().catch((error: unknown) => this.log.warn({ err: error }, 'could not write a session key to the config topic'));
    this.#rejoinIfAssignableChanged();
  }

  // ---- reads: answered by any worker from the topics it reads ----

  async connectors(): Promise<string[]> {
    return this.#configs.connectors().map((c) => c.name);
  }

  async connectorInfo(name: string): Promise<ConnectorInfo> {
    const stored = this.#stored(name);
    return { name, config: this.redact(stored.config), tasks: this.#committed(stored).map((_, task) => ({ connector: name, task })), type: this.#kindOf(stored.config) };
  }

  async connectorConfig(name: string): Promise<Record<string, string>> {
    return this.redact(this.#stored(name).config);
  }

  async taskConfigs(name: string): Promise<TaskInfo[]> {
    return this.#committed(this.#stored(name)).map((config, task) => ({ id: { connector: name, task }, config: this.redact(config) }));
  }

  /** Statuses as their writers wrote them (each with the worker running it), for the committed tasks only. */
  async connectorStatus(name: string): Promise<ConnectorStateInfo> {
    const stored = this.#stored(name);
    const statuses = this.#statuses.get(name);
    const count = this.#committed(stored).length;
    const connector: StatusRecord = statuses?.connector ?? { state: 'UNASSIGNED', workerId: this.#ownerOf({ connector: name }) ?? '', generation: 0 };
    const tasks = [...(statuses?.tasks ?? new Map<number, StatusRecord>())].filter(([id]) => id < count).sort(([a], [b]) => a - b).map(([id, t]): TaskStatus => ({
      id, state: t.state, worker_id: t.workerId, ...(t.trace ? { trace: t.trace } : {}), ...this.#worker.taskExtras(name, id),
    }));
    return {
      name,
      connector: { state: connector.state, worker_id: connector.workerId, ...(connector.trace ? { trace: connector.trace } : {}) },
      tasks,
      type: this.#kindOf(stored.config),
    };
  }

  async taskStatus(name: string, task: number): Promise<TaskStatus> {
    const status = (await this.connectorStatus(name)).tasks.find((t) => t.id === task);
    if (!status) throw new TributaryError('task.not_found', `Unknown task ${name}-${task}`);
    return status;
  }

  async connectorOffsets(name: string): Promise<ConnectorOffsets> {
    const stored = this.#stored(name);
    // the leader (or a task's worker) wrote them: read the offsets topic to its end first, so a
    // GET on any worker right after a PATCH or DELETE answered shows that change (Kafka Connect
    // reads the topic to its end for this call too)
    await this.#deps.offsets.refresh?.();
    return this.readOffsets(name, this.#kindOf(stored.config), this.#deps.offsets, this.#worker.bus);
  }

  async connectorActiveTopics(name: string): Promise<ActiveTopicsInfo> {
    this.#stored(name);
    this.#requireTopicTracking();
    return { [name]: { connector: name, topics: this.#topics.topics(name) } };
  }

  /** On any worker, as in Kafka Connect: the topic records go, and the workers running the tasks forget them too. */
  async resetConnectorActiveTopics(name: string): Promise<void> {
    this.#stored(name);
    this.#requireTopicTracking(true);
    this.#topics.reset(name);
  }

  // ---- writes: the leader's ----

  async putConnectorConfig(name: string, config: RawConfig, allowReplace: boolean, initialState: TargetState = 'RUNNING'): Promise<{ created: boolean; info: ConnectorInfo }> {
    this.#requireLeader('create or reconfigure a connector');
    const full = await this.checkedConfig(name, config, this.#find(name)?.config);
    const created = await this.serialized(async () => {
      this.#requireLeader('create or reconfigure a connector');
      await this.#configs.refresh();
      const current = this.#find(name);
      // 409 only for a real conflict: the name is taken in the config topic as read to its end
      if (current && !allowReplace) throw new TributaryError('connector.exists', `Connector ${name} already exists`);
      if (current && sameConfig(current.config, full)) return false;
      await this.#configs.putConnector({ name, targetState: current?.targetState ?? initialState, config: full });
      return current === undefined;
    });
    this.log.info({ connector: name, created }, created ? 'connector created' : 'connector reconfigured');
    return { created, info: await this.connectorInfo(name) };
  }

  async patchConnectorConfig(name: string, patch: Record<string, string | null>): Promise<ConnectorInfo> {
    this.#requireLeader('reconfigure a connector');
    return (await this.putConnectorConfig(name, patchedConfig(this.#stored(name).config, patch), true)).info;
  }

  async deleteConnector(name: string): Promise<void> {
    await this.#leaderWrite('delete a connector', name, async () => {
      await this.#configs.removeConnector(name);
      this.#statuses.removeConnector(name);
    });
    this.log.info({ connector: name }, 'connector deleted');
  }

  /**
   * Kafka Connect's restart request in the config topic: every worker restarts what it runs of
   * the connector, as the flags say. The answer is the plan (what restarts shows RESTARTING).
   */
  async restartConnector(name: string, options: { includeTasks: boolean; onlyFailed: boolean }): Promise<ConnectorStateInfo> {
    await this.#leaderWrite('restart a connector', name, () => this.#configs.putRestartRequest(name, options.includeTasks, options.onlyFailed));
    const status = await this.connectorStatus(name);
    const restarts = (state: string) => !options.onlyFailed || state === 'FAILED';
    return {
      ...status,
      connector: restarts(status.connector.state) ? { ...status.connector, state: 'RESTARTING' } : status.connector,
      tasks: status.tasks.map((t) => (options.includeTasks && restarts(t.state) ? { ...t, state: 'RESTARTING' } : t)),
    };
  }

  /** On the worker running task 0; elsewhere the request goes there. */
  async signalConnector(name: string, signal: ConnectorSignal): Promise<void> {
    await this.#taskZero(name, 'take a signal').signal(signal);
  }

  async snapshotProgress(name: string): Promise<Record<string, unknown> | null> {
    return this.#taskZero(name, 'report its snapshot').snapshotProgress() ?? null;
  }

  /** Task 0 of a source connector if it runs here; otherwise the request goes to its worker. */
  #taskZero(name: string, what: string): SourceTaskRunner {
    const task = this.#worker.sourceTask(name, 0);
    if (task) return task;
    if (!this.#find(name)) throw new TributaryError('connector.not_found', `Connector ${name} not found`);
    const owner = this.#ownerOf({ connector: name, task: 0 });
    const url = owner === undefined ? undefined : this.#membership?.assignment?.urls.get(owner);
    if (!url) throw rebalancing(`task ${name}-0 can ${what}`);
    throw new RequestTargetError(`task ${name}-0 runs on worker ${owner}`, url);
  }

  /** On the worker running the task; elsewhere the request goes there. */
  async restartTask(name: string, task: number): Promise<void> {
    await this.taskStatus(name, task);
    if (this.#work.runsTask(name, task)) {
      await this.#worker.restartAssigned(name, { connector: false, tasks: [task] });
      return;
    }
    const owner = this.#ownerOf({ connector: name, task });
    const url = owner === undefined ? undefined : this.#membership?.assignment?.urls.get(owner);
    if (!url) throw rebalancing(`task ${name}-${task} can be restarted`);
    throw new RequestTargetError(`task ${name}-${task} runs on worker ${owner}`, url);
  }

  async alterConnectorOffsets(name: string, body: ConnectorOffsets): Promise<void> {
    await this.#offsetsWrite(name, (stored) => this.writeOffsets(name, this.#kindOf(stored.config), stored.config, body, this.#deps.offsets, this.#worker.bus));
  }

  async resetConnectorOffsets(name: string): Promise<void> {
    await this.#offsetsWrite(name, (stored) => this.clearOffsets(name, this.#kindOf(stored.config), this.#deps.offsets, this.#worker.bus));
  }

  /**
   * Kafka Connect's internal `POST /connectors/{c}/tasks`: task configs computed by the worker
   * running the connector, signed with the session key, written by the leader.
   */
  async putTaskConfigs(name: string, configs: RawConfig[], signature: InternalSignature): Promise<void> {
    const key = this.#configs.sessionKey();
    if (!key || !signatureValid(key, JSON.stringify(configs), signature.signature, signature.algorithm)) {
      throw new TributaryError('rest.forbidden', 'Internal request refused: it is not signed with the worker group\'s current session key (X-Connect-Authorization).');
    }
    await this.#leaderWrite('store task configs', name, () => this.#writeTaskConfigs(name, configs));
  }

  // ---- the config topic ----

  #changed(change: ConfigChange): void {
    if (change.kind === 'restart') {
      void this.#restartRequested(change.name, change.includeTasks, change.onlyFailed);
      return;
    }
    void this.#work.refresh(change.name);
    if (this.isLeader()) this.#rejoinIfAssignableChanged();
  }

  /** The leader assigns again when connectors come or go or their task counts change. */
  #rejoinIfAssignableChanged(): void {
    const now = assignable(configTopicView(this.#configs).snapshot().connectors);
    if (now !== this.#assignedWith) this.#membership?.requestRejoin('connectors or their task counts changed in the config topic');
  }

  /** What a restart request asks of what this worker runs, with `onlyFailed` judged by the statuses. */
  async #restartRequested(name: string, includeTasks: boolean, onlyFailed: boolean): Promise<void> {
    const statuses = this.#statuses.get(name);
    const failed = (record: StatusRecord | undefined) => record?.state === 'FAILED';
    const connector = this.#work.runsConnector(name) && (!onlyFailed || failed(statuses?.connector));
    const tasks = includeTasks
      ? this.#work.work.tasks.filter((t) => t.connector === name && (!onlyFailed || failed(statuses?.tasks.get(t.task)))).map((t) => t.task)
      : [];
    if (!connector && tasks.length === 0) return;
    this.log.info({ connector: name, restartConnector: connector, tasks }, 'restart requested');
    await this.#worker.restartAssigned(name, { connector, tasks }).catch((error: unknown) => this.log.error({ connector: name, err: error }, 'restart failed'));
  }

  /**
   * The connector running here computed task configs: unless the config topic has them already,
   * the leader stores them — this worker, or the leader over REST. Retried (with backoff) until
   * stored, as long as the connector runs here and computed nothing newer.
   */
  #taskConfigsComputed(name: string, configs: RawConfig[]): void {
    const stored = this.#configs.taskConfigs(name);
    if (stored && sameTaskConfigs(stored, configs)) return;
    const first = !this.#pendingTaskConfigs.has(name);
    this.#pendingTaskConfigs.set(name, configs);
    if (first) void this.#publishTaskConfigs(name);
  }

  async #publishTaskConfigs(name: string): Promise<void> {
    let backoffMs = 100;
    try {
      for (;;) {
        const configs = this.#pendingTaskConfigs.get(name);
        if (!configs || this.#stopped || !this.#work.runsConnector(name)) return;
        try {
          const assignment = this.#membership?.assignment;
          if (!assignment) throw rebalancing('task configs are stored');
          if (this.isLeader()) await this.serialized(() => this.#writeTaskConfigs(name, configs));
          else await this.#leaderClient.putTaskConfigs(assignment.leaderUrl, name, configs, this.#configs.sessionKey());
          if (this.#pendingTaskConfigs.get(name) === configs) return;
          backoffMs = 100;
        } catch (error) {
          this.log.debug({ connector: name, err: error, retryInMs: backoffMs }, 'task configs not stored yet; retrying');
          await new Promise((r) => setTimeout(r, backoffMs).unref());
          backoffMs = Math.min(2 * backoffMs, 5_000);
          await this.#configs.refresh().catch(() => undefined);
          const stored = this.#configs.taskConfigs(name);
          if (stored && sameTaskConfigs(stored, this.#pendingTaskConfigs.get(name) ?? [])) return;
        }
      }
    } finally {
      this.#pendingTaskConfigs.delete(name);
    }
  }

  /** On the leader: the task configs, then their commit; statuses of tasks beyond the new count go. */
  async #writeTaskConfigs(name: string, configs: RawConfig[]): Promise<void> {
    await this.#configs.refresh();
    const stored = this.#find(name);
    if (!stored || stored.targetState === 'STOPPED') return;
    const before = this.#configs.taskConfigs(name);
    if (before && sameTaskConfigs(before, configs)) return;
    await this.#configs.putTaskConfigs(name, configs);
    for (let id = configs.length; id < (before?.length ?? 0); id++) this.#statuses.removeTask(name, id);
    this.log.info({ connector: name, tasks: configs.length }, 'task configs stored');
    await this.#fenceRemovedTasks(name, stored.config, configs.length, before?.length ?? 0);
  }

  /**
   * Exactly-once sources: the producers of task ids that are gone are fenced, once the configs
   * without them are stored (a zombie of a removed task never starts again to fence itself).
   */
  async #fenceRemovedTasks(name: string, config: Readonly<Record<string, string>>, count: number, before: number): Promise<void> {
    if (before <= count || !this.#worker.bus.fenceRemovedSourceTasks || this.#kindOf(config) !== 'source') return;
    const removed = Array.from({ length: before - count }, (_, i) => count + i);
    try {
      await this.#worker.bus.fenceRemovedSourceTasks(name, removed);
      this.log.info({ connector: name, tasks: removed }, 'fenced the transactional producers of removed tasks');
    } catch (error) {
      // the configs are stored: the live workers stop those tasks; only a zombie cut off from the
      // group could still commit, and a later fencing (the next change) catches it
      this.log.warn({ connector: name, tasks: removed, err: error }, 'could not fence the transactional producers of removed tasks');
    }
  }

  /** The leader keeps a session key in the config topic, renewed once it is older than its TTL. */
  async #ensureSessionKey(): Promise<void> {
    const current = this.#configs.sessionKey();
    const ttl = this.#deps.sessionKeyTtlMs ?? 3_600_000;
    if (current && Date.now() - current.creationTimestamp < ttl) return;
    await this.serialized(async () => {
      if (!this.isLeader()) return;
      await this.#configs.putSessionKey({ key: randomBytes(32), algorithm: SESSION_KEY_ALGORITHM, creationTimestamp: Date.now() });
      this.log.info('wrote a new session key to the config topic');
    });
  }

  // ---- helpers ----

  protected setTargetState(name: string, target: TargetState): Promise<void> {
    return this.#leaderWrite(target === 'PAUSED' ? 'pause a connector' : target === 'STOPPED' ? 'stop a connector' : 'resume a connector', name, async (current) => {
      if (current.targetState === target) return;
      await this.#configs.putConnector({ ...current, targetState: target });
      if (target !== 'STOPPED') return;
      const before = this.#configs.taskConfigs(name)?.length ?? 0;
      await this.#configs.putTaskConfigs(name, []);
      await this.#fenceRemovedTasks(name, current.config, 0, before);
    });
  }

  /** Offsets change only while the connector is STOPPED and none of its tasks runs anywhere any more. */
  #offsetsWrite(name: string, write: (stored: StoredConnector) => Promise<void>): Promise<void> {
    return this.#leaderWrite('change offsets', name, async (stored) => {
      this.requireStopped(name, stored.targetState);
      const group = this.#membership?.assignment?.group;
      const stillRunning = group === undefined || [...group.workers.values()].some((w) => w.tasks.some((t) => t.connector === name));
      if (stillRunning) throw rebalancing(`the offsets of ${name} can be changed once its tasks have stopped everywhere`);
      await write(stored);
    });
  }

  /** A write only the leader makes, after reading the config topic to its end; serialized. */
  async #leaderWrite<T>(what: string, name: string, write: (stored: StoredConnector) => Promise<T>): Promise<T> {
    this.#requireLeader(what);
    return this.serialized(async () => {
      this.#requireLeader(what);
      await this.#configs.refresh();
      return write(this.#stored(name));
    });
  }

  #requireLeader(what: string): void {
    const assignment = this.#membership?.assignment;
    if (!assignment) throw rebalancing(`the leader can ${what}`);
    if (assignment.leader !== this.#membership!.memberId) throw new RequestTargetError(`only the leader can ${what}`, assignment.leaderUrl);
  }

  #requireTopicTracking(reset = false): void {
    const tracking = this.#deps.topicTracking ?? { enabled: true, allowReset: true };
    if (!tracking.enabled) throw new TributaryError('rest.forbidden', 'Topic tracking is disabled.');
    if (reset && !tracking.allowReset) throw new TributaryError('rest.forbidden', 'Topic tracking reset is disabled.');
  }

  /** The worker the group allocation gives a connector (or one of its tasks) to. */
  #ownerOf(what: { connector: string; task?: number }): string | undefined {
    const group = this.#membership?.assignment?.group;
    for (const [workerId, work] of group?.workers ?? []) {
      if (what.task === undefined ? work.connectors.includes(what.connector) : work.tasks.some((t) => t.connector === what.connector && t.task === what.task)) return workerId;
    }
    return undefined;
  }

  #find(name: string): StoredConnector | undefined {
    return this.#configs.connectors().find((c) => c.name === name);
  }

  #stored(name: string): StoredConnector {
    const stored = this.#find(name);
    if (!stored) throw new TributaryError('connector.not_found', `Connector ${name} not found`);
    return stored;
  }

  /** the committed task configs; none for a STOPPED connector */
  #committed(stored: StoredConnector): RawConfig[] {
    return stored.targetState === 'STOPPED' ? [] : (this.#configs.taskConfigs(stored.name) ?? []);
  }

  #kindOf(config: Readonly<Record<string, string>>): 'source' | 'sink' {
    return this.registry.find(config['connector.class'] ?? '')?.kind ?? 'source';
  }
}

/** The assignor's input in one comparable string. */
function assignable(connectors: readonly ConnectorTaskCount[]): string {
  return JSON.stringify(connectors.map((c) => [c.name, c.tasks]));
}

function sameTaskConfigs(a: readonly RawConfig[], b: readonly RawConfig[]): boolean {
  return a.length === b.length && a.every((c, i) => sameConfig(c, b[i]));
}
