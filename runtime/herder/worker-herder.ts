import { TributaryError, type Logger, type RawConfig } from '../../plugins/api/index.js';
import type { PluginRegistry } from '../../plugins/registry.js';
import type { ConfigBackingStore } from '../storage/config-backing-store.js';
import type { ConnectorOrigin, StoredConnector } from '../storage/config-store.js';
import type { OffsetBackingStore } from '../storage/offset-store.js';
import type { StatusBackingStore, StatusRecord } from '../storage/status-backing-store.js';
import { sameConfig } from '../worker/same-config.js';
import type { SourceTaskRunner } from '../worker/source-task-runner.js';
import type { Worker } from '../worker/worker.js';
import type {
  ActiveTopicsInfo, ConnectorInfo, ConnectorOffsets, ConnectorSignal, ConnectorStateInfo, Herder, TargetState, TaskInfo, TaskStatus,
} from './herder.js';
import { HerderBase, patchedConfig } from './herder-base.js';
import { commandLineNote, fileOf } from './startup-connectors.js';

export interface WorkerHerderDeps {
  worker: Worker;
  registry: PluginRegistry;
  configs: ConfigBackingStore;
  offsets: OffsetBackingStore;
  statuses: StatusBackingStore;
  logger: Logger;
  topicTracking?: { enabled: boolean; allowReset: boolean };
}

/**
 * A herder whose connectors all run on its own worker: desired state (config + target state) is
 * written to the config store, then applied to the worker; observed state is read from the status
 * store. The standalone herder adds the command line's connectors at start-up; the distributed
 * herder (one worker per group until worker groups land) adds what other processes write to the
 * config topic.
 */
export abstract class WorkerHerder extends HerderBase implements Herder {
  protected readonly worker: Worker;
  protected readonly configs: ConfigBackingStore;
  readonly #offsets: OffsetBackingStore;
  readonly #statuses: StatusBackingStore;
  /** what this herder has applied to its worker, by name */
  protected readonly applied = new Map<string, StoredConnector>();
  readonly #topicTracking: { enabled: boolean; allowReset: boolean };
  #ready = false;

  constructor(deps: WorkerHerderDeps) {
    super(deps.registry, deps.logger);
    this.#topicTracking = deps.topicTracking ?? { enabled: true, allowReset: true };
    this.worker = deps.worker;
    this.configs = deps.configs;
    this.#offsets = deps.offsets;
    this.#statuses = deps.statuses;
  }

  get workerId(): string {
    return this.worker.workerId;
  }

  ready(): boolean {
    return this.#ready;
  }

  protected setReady(ready: boolean): void {
    this.#ready = ready;
  }

  async stop(): Promise<void> {
    this.#ready = false;
    await this.serialized(async () => undefined);
    await this.worker.stop();
  }

  async connectors(): Promise<string[]> {
    return [...this.applied.keys()].sort();
  }

  async connectorInfo(name: string): Promise<ConnectorInfo> {
    const stored = this.#require(name);
    return {
      name,
      config: this.redact(stored.config),
      tasks: this.worker.taskConfigs(name).map((_, task) => ({ connector: name, task })),
      type: this.worker.kindOf(name),
    };
  }

  async connectorConfig(name: string): Promise<Record<string, string>> {
    return this.redact(this.#require(name).config);
  }

  /** Over REST: a command-line connector keeps its origin (its file wins at the next start); a new one is REST-created. */
  putConnectorConfig(name: string, config: RawConfig, allowReplace: boolean, initialState: TargetState = 'RUNNING'): Promise<{ created: boolean; info: ConnectorInfo }> {
    return this.put(name, config, { allowReplace, initialState });
  }

  /**
   * `origin` is given at start-up; without it (REST) a connector keeps the one it has.
   * `atStartUp`: a connector given on the command line. Its connector's own checks (connectivity)
   * are then reported as warnings only: a worker restarted while the database is down must start,
   * and its tasks wait for the database with their retries. Over REST they refuse the config.
   */
  protected async put(name: string, config: RawConfig, options: { allowReplace: boolean; initialState: TargetState; origin?: ConnectorOrigin; atStartUp?: boolean }): Promise<{ created: boolean; info: ConnectorInfo }> {
    const { allowReplace, initialState, atStartUp = false } = options;
    if (this.applied.has(name) && !allowReplace) throw new TributaryError('connector.exists', `Connector ${name} already exists`);
    const full = await this.checkedConfig(name, config, this.applied.get(name)?.config, atStartUp);
    const { exists, origin } = await this.serialized(async () => {
      const current = this.applied.get(name);
      if (current && !allowReplace) throw new TributaryError('connector.exists', `Connector ${name} already exists`);
      const origin: ConnectorOrigin = options.origin ?? (current?.origin?.type === 'command-line' ? current.origin : { type: 'rest' });
      const stored: StoredConnector = { name, origin, targetState: current ? current.targetState : initialState, config: full };
      await this.configs.putConnector(stored);
      await this.apply(stored, current);
      return { exists: current !== undefined, origin };
    });
    const fromRest = options.origin === undefined;
    const note = exists && fromRest ? commandLineNote(origin, 'reconfigured') : undefined;
    this.log.info({ connector: name, created: !exists, origin: origin.type, file: fileOf(origin) }, note ?? (exists ? 'connector reconfigured' : 'connector created'));
    return { created: !exists, info: await this.connectorInfo(name) };
  }

  async patchConnectorConfig(name: string, patch: Record<string, string | null>): Promise<ConnectorInfo> {
    return (await this.putConnectorConfig(name, patchedConfig(this.#require(name).config, patch), true)).info;
  }

  async deleteConnector(name: string): Promise<void> {
    const { origin } = await this.serialized(async () => {
      const stored = this.#require(name);
      await this.configs.removeConnector(name);
      await this.unapply(name);
      return stored;
    });
    this.log.info({ connector: name, file: fileOf(origin) }, commandLineNote(origin, 'deleted') ?? 'connector deleted');
  }

  /** The status records (the status store) and, for tasks running here, what only this worker knows. */
  async connectorStatus(name: string): Promise<ConnectorStateInfo> {
    this.#require(name);
    const stored = this.#statuses.get(name);
    const connector: StatusRecord = stored?.connector ?? { state: 'UNASSIGNED', workerId: this.workerId, generation: 0 };
    const tasks = [...(stored?.tasks ?? new Map())].sort(([a], [b]) => a - b).map(([id, t]): TaskStatus => ({
      id, state: t.state, worker_id: t.workerId, ...(t.trace ? { trace: t.trace } : {}), ...this.worker.taskExtras(name, id),
    }));
    return {
      name,
      connector: { state: connector.state, worker_id: connector.workerId, ...(connector.trace ? { trace: connector.trace } : {}) },
      tasks,
      type: this.worker.kindOf(name),
    };
  }

  async taskConfigs(name: string): Promise<TaskInfo[]> {
    this.#require(name);
    return this.worker.taskConfigs(name).map((config, task) => ({ id: { connector: name, task }, config: this.redact(config) }));
  }

  async taskStatus(name: string, task: number): Promise<TaskStatus> {
    const status = (await this.connectorStatus(name)).tasks.find((t) => t.id === task);
    if (!status) throw new TributaryError('task.not_found', `Unknown task ${name}-${task}`);
    return status;
  }

  async restartConnector(name: string, options: { includeTasks: boolean; onlyFailed: boolean }): Promise<ConnectorStateInfo> {
    this.#require(name);
    await this.worker.restartConnector(name, options);
    return this.connectorStatus(name);
  }

  async restartTask(name: string, task: number): Promise<void> {
    await this.taskStatus(name, task);
    await this.worker.restartTask(name, task);
  }

  async signalConnector(name: string, signal: ConnectorSignal): Promise<void> {
    await this.#sourceTask(name).signal(signal);
  }

  async snapshotProgress(name: string): Promise<Record<string, unknown> | null> {
    return this.#sourceTask(name).snapshotProgress() ?? null;
  }

  /** Task 0 of a source connector, running here. */
  #sourceTask(name: string): SourceTaskRunner {
    this.#require(name);
    const task = this.worker.sourceTask(name, 0);
    if (!task) throw new TributaryError('task.not_found', `Connector ${name} has no running source task 0 (a sink, or not running now).`);
    return task;
  }

  async connectorActiveTopics(name: string): Promise<ActiveTopicsInfo> {
    this.#require(name);
    if (!this.#topicTracking.enabled) throw new TributaryError('rest.forbidden', 'Topic tracking is disabled.');
    return { [name]: { connector: name, topics: this.worker.bus.activeTopics(name) } };
  }

  async resetConnectorActiveTopics(name: string): Promise<void> {
    this.#require(name);
    if (!this.#topicTracking.enabled) throw new TributaryError('rest.forbidden', 'Topic tracking is disabled.');
    if (!this.#topicTracking.allowReset) throw new TributaryError('rest.forbidden', 'Topic tracking reset is disabled.');
    this.worker.bus.resetActiveTopics(name);
  }

  async connectorOffsets(name: string): Promise<ConnectorOffsets> {
    this.#require(name);
    return this.readOffsets(name, this.worker.kindOf(name), this.#offsets, this.worker.bus);
  }

  async alterConnectorOffsets(name: string, body: ConnectorOffsets): Promise<void> {
    const stored = this.#require(name);
    this.requireStopped(name, stored.targetState);
    await this.writeOffsets(name, this.worker.kindOf(name), stored.config, body, this.#offsets, this.worker.bus);
  }

  async resetConnectorOffsets(name: string): Promise<void> {
    this.requireStopped(name, this.#require(name).targetState);
    await this.clearOffsets(name, this.worker.kindOf(name), this.#offsets, this.worker.bus);
  }

  protected setTargetState(name: string, target: TargetState): Promise<void> {
    return this.serialized(async () => {
      const current = this.#require(name);
      if (current.targetState === target) return;
      const stored = { ...current, targetState: target };
      await this.configs.putConnector(stored);
      await this.apply(stored, current);
    });
  }

  /**
   * Sinks start before sources (0 before 1): the embedded bus keeps no log, so a sink only
   * receives what is published after it subscribed; on Kafka it costs nothing.
   */
  protected startOrder(config: Readonly<Record<string, string>>): number {
    return this.registry.find(config['connector.class'] ?? '')?.kind === 'sink' ? 0 : 1;
  }

  /**
   * Makes the worker run `stored` (a connector's config and target state as now stored), which
   * replaces `current` (what was applied before; undefined: the connector is new here).
   */
  protected async apply(stored: StoredConnector, current: StoredConnector | undefined): Promise<void> {
    this.applied.set(stored.name, stored);
    if (!current) {
      await this.worker.addConnector(stored.name, stored.config, stored.targetState);
      return;
    }
    if (!sameConfig(current.config, stored.config)) await this.worker.reconfigureConnector(stored.name, stored.config);
    if (current.targetState !== stored.targetState) await this.worker.setTargetState(stored.name, stored.targetState);
  }

  /** Stops and forgets a connector that is no longer stored. */
  protected async unapply(name: string): Promise<void> {
    if (!this.applied.has(name)) return;
    await this.worker.removeConnector(name);
    this.applied.delete(name);
  }

  #require(name: string): StoredConnector {
    const stored = this.applied.get(name);
    if (!stored) throw new TributaryError('connector.not_found', `Connector ${name} not found`);
    return stored;
  }
}

export { sameConfig };
