import {
  definitionsOf, parseConfig, reportErrors, reportWarnings, sensitiveNames, TributaryError, validationReport,
  type ConfigInfos, type ConfigKeyInfo, type Logger, type OffsetEntry, type RawConfig, type SourceOffset, type SourcePartition,
} from '../../plugins/api/index.js';
import type { PluginRegistry } from '../../plugins/registry.js';
import { resolveConfigProviders } from '../config/config-providers.js';
import type { ConfigBackingStore } from '../storage/config-backing-store.js';
import type { ConnectorOrigin, StoredConnector } from '../storage/config-store.js';
import type { OffsetBackingStore } from '../storage/offset-store.js';
import type { StatusBackingStore, StatusRecord } from '../storage/status-backing-store.js';
import { builtinTransformRegistry, pluginClassName } from '../transforms/transform-registry.js';
import { fullSpecOf, validateConnector } from '../worker/connector-validator.js';
import type { Worker } from '../worker/worker.js';
import type {
  ActiveTopicsInfo, ConnectorInfo, ConnectorOffsets, ConnectorStateInfo, Herder, PluginInfo, TargetState, TaskInfo, TaskStatus,
} from './herder.js';
import {
  commandLineNote, droppedMessage, fileOf, planStartup, replacedRestMessage, startupSummary, unknownOriginMessage, type StartupConnector,
} from './startup-connectors.js';

const HIDDEN = '[hidden]';

/**
 * The standalone control plane: one worker, connector configs and target states kept in the
 * state directory (so REST-created connectors survive a restart), offsets in the offset file.
 * Desired state (config + target state) lives here; observed state comes from the worker.
 */
export class StandaloneHerder implements Herder {
  readonly #worker: Worker;
  readonly #registry: PluginRegistry;
  readonly #configs: ConfigBackingStore;
  readonly #offsets: OffsetBackingStore;
  readonly #statuses: StatusBackingStore;
  readonly #log: Logger;
  readonly #connectors = new Map<string, StoredConnector>();
  readonly #topicTracking: { enabled: boolean; allowReset: boolean };
  #ready = false;

  constructor(deps: { worker: Worker; registry: PluginRegistry; configs: ConfigBackingStore; offsets: OffsetBackingStore; statuses: StatusBackingStore; logger: Logger; topicTracking?: { enabled: boolean; allowReset: boolean } }) {
    this.#topicTracking = deps.topicTracking ?? { enabled: true, allowReset: true };
    this.#worker = deps.worker;
    this.#registry = deps.registry;
    this.#configs = deps.configs;
    this.#offsets = deps.offsets;
    this.#statuses = deps.statuses;
    this.#log = deps.logger;
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
      this.#log.info({ connector: dropped.name, file: fileOf(dropped.origin) }, droppedMessage(dropped));
    }
    for (const g of plan.given) {
      if (g.previous?.origin?.type === 'rest') this.#log.warn({ connector: g.name, file: fileOf(g.origin) }, replacedRestMessage(g.name, fileOf(g.origin)));
    }
    for (const kept of plan.kept) if (kept.origin === undefined) this.#log.warn({ connector: kept.name }, unknownOriginMessage(kept.name, configDir));
    const sinkFirst = (cls: string | undefined) => (this.#registry.find(cls ?? '')?.kind === 'sink' ? 0 : 1);
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
    this.#log.info(summary.fields, summary.message);
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
      config: this.#redact(stored.config),
      tasks: this.#worker.taskConfigs(name).map((_, task) => ({ connector: name, task })),
      type: this.#worker.kindOf(name),
    };
  }

  async connectorConfig(name: string): Promise<Record<string, string>> {
    return this.#redact(this.#require(name).config);
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
    if (config.name !== undefined && config.name !== name) {
      throw new TributaryError('config.invalid', `Connector name configuration (${config.name}) doesn't match connector name in the URL (${name})`, { configPath: 'name' });
    }
    const full: Record<string, string> = { ...config, name };
    // A config read back over REST shows secrets as [hidden]; putting it back keeps the stored secret.
    const previous = this.#connectors.get(name)?.config;
    for (const [k, v] of Object.entries(full)) if (v === HIDDEN && previous?.[k] !== undefined) full[k] = previous[k];
    let { report } = await validateConnector(this.#registry, full);
    if (report.error_count > 0 && atStartUp) {
      const specOnly = (await validateConnector(this.#registry, full, undefined, { connectorChecks: false })).report;
      if (specOnly.error_count === 0) {
        this.#log.warn({ connector: name, problems: reportErrors(report) }, "the connector's own checks failed at start-up (is its database down?); starting it anyway: its tasks retry until it is reachable");
        report = specOnly;
      }
    }
    if (report.error_count > 0) {
      const problems = reportErrors(report);
      // A typo often is the error's cause (`topic.prefx` → topic.prefix missing): say so right there.
      const warnings = reportWarnings(report);
      const also = warnings.length > 0 ? `\nUnknown properties, ignored:\n${warnings.join('\n')}` : '';
      throw new TributaryError('config.invalid', `Connector configuration is invalid and contains the following ${problems.length} error(s):\n${problems.join('\n')}${also}\nYou can also find the above list of errors at the endpoint \`/connector-plugins/{connectorType}/config/validate\``, { details: problems });
    }
    const current = this.#connectors.get(name);
    const origin: ConnectorOrigin = options.origin ?? (current?.origin?.type === 'command-line' ? current.origin : { type: 'rest' });
    const stored: StoredConnector = { name, origin, targetState: current ? current.targetState : initialState, config: full };
    await this.#configs.putConnector(stored);
    this.#connectors.set(name, stored);
    if (exists) await this.#worker.reconfigureConnector(name, full);
    else await this.#worker.addConnector(name, full, stored.targetState);
    const fromRest = options.origin === undefined;
    const note = exists && fromRest ? commandLineNote(origin, 'reconfigured') : undefined;
    this.#log.info({ connector: name, created: !exists, origin: origin.type, file: fileOf(origin) }, note ?? (exists ? 'connector reconfigured' : 'connector created'));
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
    this.#log.info({ connector: name, file: fileOf(origin) }, commandLineNote(origin, 'deleted') ?? 'connector deleted');
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
    return this.#worker.taskConfigs(name).map((config, task) => ({ id: { connector: name, task }, config: this.#redact(config) }));
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
    if (!body || !Array.isArray(body.offsets)) throw new TributaryError('offsets.invalid', 'The request body must be {"offsets": [{"partition": {...}, "offset": {...} | null}]}');
    if (this.#worker.kindOf(name) === 'source') {
      const problems: string[] = [];
      body.offsets.forEach((o, i) => problems.push(...sourceEntryProblems(o, i)));
      if (problems.length === 0) problems.push(...await this.#connectorOffsetProblems(name, body.offsets as OffsetEntry[]));
      if (problems.length > 0) throw invalidOffsets(problems);
      await this.#offsets.set(body.offsets.map((o) => ({ connector: name, partition: o.partition as SourcePartition, offset: o.offset as SourceOffset | null })));
      return;
    }
    await this.#worker.bus.alterSinkOffsets(name, body.offsets);
  }

  /** The connector's own check of the offsets (its `alterOffsets`), on its stored config. */
  async #connectorOffsetProblems(name: string, offsets: OffsetEntry[]): Promise<string[]> {
    const config = this.#require(name).config;
    const connector = this.#registry.find(config['connector.class'] ?? '');
    if (connector?.kind !== 'source' || !connector.alterOffsets) return [];
    const { config: resolved } = resolveConfigProviders(config);
    const parsed = parseConfig(fullSpecOf(connector), resolved);
    if (!parsed.ok) return [`the connector's stored configuration is invalid, so its offsets cannot be checked: ${reportErrors(validationReport(connector.name, fullSpecOf(connector), resolved, {})).join('; ')}`];
    return connector.alterOffsets(parsed.value, resolved, offsets);
  }

  async resetConnectorOffsets(name: string): Promise<void> {
    this.#requireStopped(name);
    if (this.#worker.kindOf(name) === 'source') await this.#offsets.set([], { reset: [name] });
    else await this.#worker.bus.resetSinkOffsets(name);
  }

  plugins(options: { connectorsOnly: boolean }): PluginInfo[] {
    const connectors: PluginInfo[] = this.#registry.list().map((c) => ({ class: c.aliases?.[0] ?? c.name, type: c.kind, version: c.version }));
    if (options.connectorsOnly) return connectors;
    return [
      ...connectors,
      ...builtinTransformRegistry.transforms.map((t) => ({ class: pluginClassName(t), type: 'transformation' as const, version: t.version })),
      ...builtinTransformRegistry.predicates.map((p) => ({ class: pluginClassName(p), type: 'predicate' as const, version: p.version })),
    ];
  }

  pluginConfig(pluginClass: string): ConfigKeyInfo[] {
    const connector = this.#registry.find(pluginClass);
    if (connector) return definitionsOf(fullSpecOf(connector));
    const transform = builtinTransformRegistry.findTransform(pluginClass) ?? builtinTransformRegistry.findPredicate(pluginClass);
    if (transform) return definitionsOf(transform.configSpec);
    throw new TributaryError('plugin.not_found', `Unknown plugin ${pluginClass}.`);
  }

  async validateConnectorConfig(pluginClass: string | undefined, config: RawConfig): Promise<ConfigInfos> {
    if (pluginClass !== undefined && !this.#registry.find(pluginClass)) throw new TributaryError('plugin.not_found', `Unknown connector plugin ${pluginClass}.`);
    return (await validateConnector(this.#registry, config, pluginClass)).report;
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

  /** Hides literal values of password properties; ${provider:...} references are not secrets. */
  #redact(config: Readonly<Record<string, string>>): Record<string, string> {
    const connector = this.#registry.find(config['connector.class'] ?? '');
    const secret = connector ? sensitiveNames(fullSpecOf(connector)) : new Set<string>();
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(config)) out[k] = (secret.has(k) || /password|secret/i.test(k)) && !v.startsWith('${') ? HIDDEN : v;
    return out;
  }
}

/** A source offsets entry must be flat JSON objects (partition, and offset unless null). */
function sourceEntryProblems(o: unknown, i: number): string[] {
  const entry = o as { partition?: unknown; offset?: unknown } | null;
  if (typeof entry !== 'object' || entry === null) return [`offsets[${i}] must be {"partition": {...}, "offset": {...} | null}`];
  const problems: string[] = [];
  if (!isFlatObject(entry.partition)) problems.push(`offsets[${i}].partition must be an object of strings, numbers, booleans or nulls`);
  if (entry.offset !== null && !isFlatObject(entry.offset)) problems.push(`offsets[${i}].offset must be an object of strings, numbers, booleans or nulls, or null to delete it`);
  return problems;
}

function isFlatObject(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return Object.values(value).every((v) => v === null || ['string', 'number', 'boolean'].includes(typeof v));
}

function invalidOffsets(problems: string[]): TributaryError {
  return new TributaryError('offsets.invalid', `The offsets were not changed: ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`, { details: problems });
}
