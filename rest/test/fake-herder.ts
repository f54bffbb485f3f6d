import { TributaryError, definitionsOf, reportErrors, validationReport, type ConfigInfos, type ConfigKeyInfo, type RawConfig } from '../../plugins/api/index.js';
import type {
  ActiveTopicsInfo, ConnectorInfo, ConnectorSignal, ConnectorOffsets, ConnectorStateInfo, Herder, PluginInfo, TargetState, TaskInfo, TaskStatus,
} from '../../runtime/herder/herder.js';
import { FakeConnector } from './fake-connector.js';
import { fakePlugins, fakeTransformPlugins, findFakePlugin, fullSpec } from './fake-plugins.js';

/**
 * An in-memory Herder that behaves as the real one does at its interface: configs are validated
 * with the plugins' specs and refused with every problem listed, state changes are applied
 * asynchronously (a new connector is UNASSIGNED first), and offsets change only while STOPPED.
 * Nothing runs; a RUNNING source's offsets advance with time at `rows.per.second`.
 */
export class FakeHerder implements Herder {
  readonly workerId = '127.0.0.1:8083';
  readonly #connectors = new Map<string, FakeConnector>();
  #ready: boolean;

  constructor(options: { ready?: boolean } = {}) {
    this.#ready = options.ready ?? true;
  }

  ready(): boolean {
    return this.#ready;
  }

  setReady(ready: boolean): void {
    this.#ready = ready;
  }

  /** Cancels pending state changes so a test process can exit. */
  close(): void {
    for (const c of this.#connectors.values()) c.cancel();
  }

  async connectors(): Promise<string[]> {
    return [...this.#connectors.keys()].sort();
  }

  async connectorInfo(name: string): Promise<ConnectorInfo> {
    return this.#get(name).info();
  }

  async connectorConfig(name: string): Promise<Record<string, string>> {
    return { ...this.#get(name).config };
  }

  async putConnectorConfig(name: string, config: RawConfig, allowReplace: boolean, initialState?: TargetState): Promise<{ created: boolean; info: ConnectorInfo }> {
    const existing = this.#connectors.get(name);
    if (existing && !allowReplace) throw new TributaryError('connector.exists', `Connector ${name} already exists`);
    const plugin = this.#validated(config);
    if (existing) {
      existing.reconfigure(plugin, { ...config });
      return { created: false, info: existing.info() };
    }
    const connector = new FakeConnector(name, plugin, { ...config }, initialState ?? 'RUNNING', this.workerId);
    this.#connectors.set(name, connector);
    return { created: true, info: connector.info() };
  }

  async patchConnectorConfig(name: string, patch: Record<string, string | null>): Promise<ConnectorInfo> {
    const connector = this.#get(name);
    const merged: Record<string, string> = { ...connector.config };
    for (const [key, value] of Object.entries(patch)) {
      if (value === null) delete merged[key];
      else merged[key] = value;
    }
    connector.reconfigure(this.#validated(merged), merged);
    return connector.info();
  }

  async deleteConnector(name: string): Promise<void> {
    this.#get(name).cancel();
    this.#connectors.delete(name);
  }

  async connectorStatus(name: string): Promise<ConnectorStateInfo> {
    return this.#get(name).status();
  }

  async taskConfigs(name: string): Promise<TaskInfo[]> {
    return this.#get(name).taskInfos();
  }

  async taskStatus(name: string, task: number): Promise<TaskStatus> {
    return this.#get(name).taskStatus(task);
  }

  async restartConnector(name: string, options: { includeTasks: boolean; onlyFailed: boolean }): Promise<ConnectorStateInfo> {
    return this.#get(name).restart(options);
  }

  async restartTask(name: string, task: number): Promise<void> {
    this.#get(name).restartTask(task);
  }

  /** signals taken, per connector, in order */
  readonly signals = new Map<string, ConnectorSignal[]>();

  async signalConnector(name: string, signal: ConnectorSignal): Promise<void> {
    this.#get(name);
    this.signals.set(name, [...(this.signals.get(name) ?? []), signal]);
  }

  async snapshotProgress(name: string): Promise<Record<string, unknown> | null> {
    this.#get(name);
    const last = this.signals.get(name)?.at(-1);
    return last?.type === 'execute-snapshot' ? { id: last.id, state: 'running', collections: (last.data as { 'data-collections'?: string[] })['data-collections'] ?? [] } : null;
  }

  async pauseConnector(name: string): Promise<void> {
    this.#get(name).setTarget('PAUSED');
  }

  async resumeConnector(name: string): Promise<void> {
    this.#get(name).setTarget('RUNNING');
  }

  async stopConnector(name: string): Promise<void> {
    this.#get(name).setTarget('STOPPED');
  }

  async connectorActiveTopics(name: string): Promise<ActiveTopicsInfo> {
    return { [name]: { connector: name, topics: [...this.#get(name).topics].sort() } };
  }

  async resetConnectorActiveTopics(name: string): Promise<void> {
    this.#get(name).topics.clear();
  }

  async connectorOffsets(name: string): Promise<ConnectorOffsets> {
    return this.#get(name).offsets();
  }

  async alterConnectorOffsets(name: string, offsets: ConnectorOffsets): Promise<void> {
    this.#get(name).alterOffsets(offsets);
  }

  async resetConnectorOffsets(name: string): Promise<void> {
    this.#get(name).resetOffsets();
  }

  plugins(options: { connectorsOnly: boolean }): PluginInfo[] {
    const connectors = fakePlugins.map((p): PluginInfo => ({ class: p.className, type: p.kind, version: p.version }));
    return options.connectorsOnly ? connectors : [...connectors, ...fakeTransformPlugins];
  }

  pluginConfig(pluginClass: string): ConfigKeyInfo[] {
    return definitionsOf(this.#plugin(pluginClass).spec);
  }

  async validateConnectorConfig(pluginClass: string | undefined, config: RawConfig): Promise<ConfigInfos> {
    const cls = pluginClass ?? config['connector.class'];
    if (cls === undefined || cls === '') throw new TributaryError('config.invalid', 'Connector config contains no connector type (connector.class).', { configPath: 'connector.class' });
    const plugin = this.#plugin(cls);
    return validationReport(plugin.className, fullSpec(plugin), config);
  }

  #get(name: string): FakeConnector {
    const connector = this.#connectors.get(name);
    if (!connector) throw new TributaryError('connector.not_found', `Connector ${name} not found`);
    return connector;
  }

  #plugin(cls: string) {
    const plugin = findFakePlugin(cls);
    if (!plugin) {
      throw new TributaryError('plugin.not_found', `Failed to find any class that implements Connector and which name matches ${cls}, available connectors are: ${fakePlugins.map((p) => p.name).join(', ')}`, { configPath: 'connector.class' });
    }
    return plugin;
  }

  /** Validates as POST/PUT does: an unknown class is the registry's error, the rest one list. */
  #validated(config: RawConfig) {
    const cls = config['connector.class'];
    const plugin = cls === undefined || cls === '' ? undefined : this.#plugin(cls);
    const errors = reportErrors(validationReport(plugin?.className ?? 'unknown', fullSpec(plugin), config));
    if (errors.length > 0 || !plugin) {
      throw new TributaryError('config.invalid', `Connector configuration is invalid and contains the following ${errors.length} error(s):\n${errors.join('\n')}`, { details: errors });
    }
    return plugin;
  }
}
