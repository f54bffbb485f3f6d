import { TributaryError, type Logger, type RawConfig } from '../../plugins/api/index.js';
import type { PluginRegistry } from '../../plugins/registry.js';
import type { ConfigBackingStore } from '../storage/config-backing-store.js';
import type { ConnectorOrigin, StoredConnector } from '../storage/config-store.js';
import type { OffsetBackingStore } from '../storage/offset-store.js';
import type { StatusBackingStore, StatusRecord } from '../storage/status-backing-store.js';
import type { Worker } from '../worker/worker.js';
import type {
  ActiveTopicsInfo, ConnectorInfo, ConnectorOffsets, ConnectorStateInfo, Herder, TargetState, TaskInfo, TaskStatus,
} from './herder.js';
import { HerderBase } from './herder-base.js';
import {
  commandLineNote, droppedMessage, fileOf, planStartup, replacedRestMessage, startupSummary, unknownOriginMessage, type StartupConnector,
} from './startup-connectors.js';

/**
 * The standalone control plane: one worker, connector configs and target states kept in the
 * state directory (so REST-created connectors survive a restart), offsets in the offset file.
 * Desired state (config + target state) lives here; observed state comes from the worker.
 */
export class StandaloneHerder extends HerderBase implements Herder {
  readonly #worker: Worker;
  readonly #configs: ConfigBackingStore;
  readonly #offsets: OffsetBackingStore;
  readonly #statuses: StatusBackingStore;
  readonly #connectors = new Map<string, StoredConnector>();
  readonly #topicTracking: { enabled: boolean; allowReset: boolean };
  #ready = false;

  constructor(deps: { worker: Worker; registry: PluginRegistry; configs: ConfigBackingStore; offsets: OffsetBackingStore; statuses: StatusBackingStore; logger: Logger; topicTracking?: { enabled: boolean; allowReset: boolean } }) {
    super(deps.registry, deps.logger);
    this.#topicTracking = deps.topicTracking ?? { enabled: true, allowReset: true };
    this.#worker = deps.worker;
    this.#configs = deps.configs;
    this.#offsets = deps.offsets;
    this.#statuses = deps.statuses;
  }

  get workerId(): string {
    return this.#worker.workerId;
  }

  ready(): boolean {
    return this.#ready;
  }

  /**
   * Reconciles the stored connectors with the ones given at start-up (`planStartup`: the command
   * line is the source of truth for the connectors it names, REST-created ones are kept), says in
   * the log what it did, and starts them. Sinks start before sources: the embedded bus keeps no
   * log, so a sink only receives what is published after it subscribed.
   */
  async start(initial: StartupConnector[] = []): Promise<void> {
    await this.#configs.start();
    const plan = planStartup(this.#configs.connectors(), initial);
    const configDir = this.#configs.location;
    for (const dropped of plan.dropped) {
      await this.#configs.removeConnector(dropped.name);
      this.log.info({ connector: dropped.name, file: fileOf(dropped.origin) }, droppedMessage(dropped));
    }
    for (const g of plan.given) {
      if (g.previous?.origin?.type === 'rest') this.log.warn({ connector: g.name, file: fileOf(g.origin) }, replacedRestMessage(g.name, fileOf(g.origin)));
    }
    for (const kept of plan.kept) if (kept.origin === undefined) this.log.warn({ connector: kept.name }, unknownOriginMessage(kept.name, configDir));
    const sinkFirst = (cls: string | undefined) => (this.registry.find(cls ?? '')?.kind === 'sink' ? 0 : 1);
    const work = [
      ...plan.kept.map((s) => ({ order: sinkFirst(s.config['connector.class']), run: async () => {
        this.#connectors.set(s.name, s);
        await this.#worker.addConnector(s.name, s.config, s.targetState);
      } })),
      ...plan.given.map((g) => ({ order: sinkFirst(g.config['connector.class']), run: async () => {
        await this.#put(g.name, g.config, { allowReplace: true, initialState: g.previous?.targetState ?? 'RUNNING', origin: g.origin, atStartUp: true });
      } })),
    ].sort((a, b) => a.order - b.order);
    for (const w of work) await w.run();
    const summary = startupSummary([...this.#connectors.keys()].sort().map((name) => this.#connectors.get(name)!), configDir);
    this.log.info(summary.fields, summary.message);
    this.#ready = true;
  }

  async stop(): Promise<void> {
    this.#ready = false;
    await this.#worker.stop();
  }

  async connectors(): Promise<string[]> {
    return [...this.#connectors.keys()].sort();
  }

  async connectorInfo(name: string): Promise<ConnectorInfo> {
    const stored = this.#require(name);
    return {
      name,
      config: this.redact(stored.config),
      tasks: this.#worker.taskConfigs(name).map((_, task) => ({ connector: name, task })),
      type: this.#worker.kindOf(name),
    };
  }

  async connectorConfig(name: string): Promise<Record<string, string>> {
    return this.redact(this.#require(name).config);
  }

  /** Over REST: a command-line connector keeps its origin (its file wins at the next start); a new one is REST-created. */
  putConnectorConfig(name: string, config: RawConfig, allowReplace: boolean, initialState: TargetState = 'RUNNING'): Promise<{ created: boolean; info: ConnectorInfo }> {
    return this.#put(name, config, { allowReplace, initialState });
  }

  /**
   * `origin` is given at start-up; without it (REST) a connector keeps the one it has.
   * `atStartUp`: a connector given on the command line. Its connector's own checks (connectivity)
   * are then reported as warnings only: a worker restarted while the database is down must start,
   * and its tasks wait for the database with their retries. Over REST they refuse the config.
   */
  async #put(name: string, config: RawConfig, options: { allowReplace: boolean; initialState: TargetState; origin?: ConnectorOrigin; atStartUp?: boolean }): Promise<{ created: boolean; info: ConnectorInfo }> {
    const { allowReplace, initialState, atStartUp = false } = options;
    const exists = this.#connectors.has(name);
    if (exists && !allowReplace) throw new TributaryError('connector.exists', `Connector ${name} already exists`);
    const full = await this.checkedConfig(name, config, this.#connectors.get(name)?.config, atStartUp);
    const current = this.#connectors.get(name);
    const origin: ConnectorOrigin = options.origin ?? (current?.origin?.type === 'command-line' ? current.origin : { type: 'rest' });
    const stored: StoredConnector = { name, origin, targetState: current ? current.targetState : initialState, config: full };
    await this.#configs.putConnector(stored);
    this.#connectors.set(name, stored);
    if (exists) await this.#worker.reconfigureConnector(name, full);
    else await this.#worker.addConnector(name, full, stored.targetState);
    const fromRest = options.origin === undefined;
    const note = exists && fromRest ? commandLineNote(origin, 'reconfigured') : undefined;
    this.log.info({ connector: name, created: !exists, origin: origin.type, file: fileOf(origin) }, note ?? (exists ? 'connector reconfigured' : 'connector created'));
    return { created: !exists, info: await this.connectorInfo(name) };
  }

  async patchConnectorConfig(name: string, patch: Record<string, string | null>): Promise<ConnectorInfo> {
    const merged: Record<string, string> = { ...this.#require(name).config };
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) delete merged[k];
      else merged[k] = v;
    }
    return (await this.putConnectorConfig(name, merged, true)).info;
  }

  async deleteConnector(name: string): Promise<void> {
    const { origin } = this.#require(name);
    await this.#worker.removeConnector(name);
    this.#connectors.delete(name);
    await this.#configs.removeConnector(name);
    this.log.info({ connector: name, file: fileOf(origin) }, commandLineNote(origin, 'deleted') ?? 'connector deleted');
  }

  /** The status records (the status store) and, for tasks running here, what only this worker knows. */
  async connectorStatus(name: string): Promise<ConnectorStateInfo> {
    this.#require(name);
    const stored = this.#statuses.get(name);
    const connector: StatusRecord = stored?.connector ?? { state: 'UNASSIGNED', workerId: this.workerId, generation: 0 };
    const tasks = [...(stored?.tasks ?? new Map())].sort(([a], [b]) => a - b).map(([id, t]): TaskStatus => ({
      id, state: t.state, worker_id: t.workerId, ...(t.trace ? { trace: t.trace } : {}), ...this.#worker.taskExtras(name, id),
    }));
    return {
      name,
      connector: { state: connector.state, worker_id: connector.workerId, ...(connector.trace ? { trace: connector.trace } : {}) },
      tasks,
      type: this.#worker.kindOf(name),
    };
  }

  async taskConfigs(name: string): Promise<TaskInfo[]> {
    this.#require(name);
    return this.#worker.taskConfigs(name).map((config, task) => ({ id: { connector: name, task }, config: this.redact(config) }));
  }

  async taskStatus(name: string, task: number): Promise<TaskStatus> {
    const status = (await this.connectorStatus(name)).tasks.find((t) => t.id === task);
    if (!status) throw new TributaryError('task.not_found', `Unknown task ${name}-${task}`);
    return status;
  }

  async restartConnector(name: string, options: { includeTasks: boolean; onlyFailed: boolean }): Promise<ConnectorStateInfo> {
    this.#require(name);
    await this.#worker.restartConnector(name, options);
    return this.connectorStatus(name);
  }

  async restartTask(name: string, task: number): Promise<void> {
    await this.taskStatus(name, task);
    await this.#worker.restartTask(name, task);
  }

  pauseConnector(name: string): Promise<void> {
    return this.#setTarget(name, 'PAUSED');
  }

  resumeConnector(name: string): Promise<void> {
    return this.#setTarget(name, 'RUNNING');
  }

  stopConnector(name: string): Promise<void> {
    return this.#setTarget(name, 'STOPPED');
  }

  async connectorActiveTopics(name: string): Promise<ActiveTopicsInfo> {
    this.#require(name);
    if (!this.#topicTracking.enabled) throw new TributaryError('rest.forbidden', 'Topic tracking is disabled.');
    return { [name]: { connector: name, topics: this.#worker.bus.activeTopics(name) } };
  }

  async resetConnectorActiveTopics(name: string): Promise<void> {
    this.#require(name);
    if (!this.#topicTracking.enabled) throw new TributaryError('rest.forbidden', 'Topic tracking is disabled.');
    if (!this.#topicTracking.allowReset) throw new TributaryError('rest.forbidden', 'Topic tracking reset is disabled.');
    this.#worker.bus.resetActiveTopics(name);
  }

  /** Sources: their stored offsets. Sinks: what the bus keeps of them (durable bounds, or consumer-group offsets). */
  async connectorOffsets(name: string): Promise<ConnectorOffsets> {
    this.#require(name);
    if (this.#worker.kindOf(name) === 'source') {
      return { offsets: (await this.#offsets.connectorOffsets(name)).map((e) => ({ partition: { ...e.partition }, offset: { ...e.offset } })) };
    }
    return { offsets: await this.#worker.bus.sinkOffsets(name) };
  }

  /**
   * KIP-875 PATCH: every entry is checked first (shape, then the connector's own `alterOffsets`),
   * and only a request without problems is applied, in one commit: a bad entry anywhere leaves the
   * stored offsets as they were.
   */
  async alterConnectorOffsets(name: string, body: ConnectorOffsets): Promise<void> {
    this.#requireStopped(name);
    if (this.#worker.kindOf(name) === 'source') {
      const entries = await this.checkedSourceOffsets(this.#require(name).config, body);
      await this.#offsets.set(entries.map((o) => ({ connector: name, partition: o.partition, offset: o.offset })));
      return;
    }
    if (!body || !Array.isArray(body.offsets)) throw new TributaryError('offsets.invalid', 'The request body must be {"offsets": [{"partition": {...}, "offset": {...} | null}]}');
    await this.#worker.bus.alterSinkOffsets(name, body.offsets);
  }

  async resetConnectorOffsets(name: string): Promise<void> {
    this.#requireStopped(name);
    if (this.#worker.kindOf(name) === 'source') await this.#offsets.set([], { reset: [name] });
    else await this.#worker.bus.resetSinkOffsets(name);
  }

  async #setTarget(name: string, target: TargetState): Promise<void> {
    const stored = this.#require(name);
    if (stored.targetState === target) return;
    stored.targetState = target;
    await this.#configs.putConnector(stored);
    await this.#worker.setTargetState(name, target);
  }

  #requireStopped(name: string): void {
    if (this.#require(name).targetState !== 'STOPPED') {
      throw new TributaryError('connector.not_stopped', `Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/${name}/stop' endpoint`);
    }
  }

  #require(name: string): StoredConnector {
    const stored = this.#connectors.get(name);
    if (!stored) throw new TributaryError('connector.not_found', `Connector ${name} not found`);
    return stored;
  }
}
