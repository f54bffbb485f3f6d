import {
  definitionsOf, parseConfig, reportErrors, reportWarnings, sensitiveNames, TributaryError, validationReport,
  type ConfigInfos, type ConfigKeyInfo, type Logger, type OffsetEntry, type RawConfig,
} from '../../plugins/api/index.js';
import type { PluginRegistry } from '../../plugins/registry.js';
import type { Bus } from '../bus/bus.js';
import { isRuntimePartition, type OffsetBackingStore } from '../storage/offset-store.js';
import { resolveConfigProviders } from '../config/config-providers.js';
import { builtinConverterPlugins, findConverterPlugin } from '../converters/converter-registry.js';
import { builtinTransformRegistry, pluginClassName } from '../transforms/transform-registry.js';
import { fullSpecOf, validateConnector } from '../worker/connector-validator.js';
import type { ConnectorOffsets, PluginInfo, TargetState } from './herder.js';

export const HIDDEN = '[hidden]';

/**
 * What every herder does the same way, whichever mode it runs in (Kafka Connect's
 * AbstractHerder): plugin listings, config validation in Kafka Connect's report shape, secret
 * redaction, and the checks on KIP-875 offsets requests before anything is stored.
 */
export abstract class HerderBase {
  protected readonly registry: PluginRegistry;
  protected readonly log: Logger;
  #changes: Promise<unknown> = Promise.resolve();

  constructor(registry: PluginRegistry, log: Logger) {
    this.registry = registry;
    this.log = log;
  }

  /** Records the connector's new target state (and applies it, or has it applied). */
  protected abstract setTargetState(name: string, target: TargetState): Promise<void>;

  pauseConnector(name: string): Promise<void> {
    return this.setTargetState(name, 'PAUSED');
  }

  resumeConnector(name: string): Promise<void> {
    return this.setTargetState(name, 'RUNNING');
  }

  /** Distributed: as Kafka Connect, also an empty set of task configs, so its tasks are given up everywhere. */
  stopConnector(name: string): Promise<void> {
    return this.setTargetState(name, 'STOPPED');
  }

  /**
   * Runs store writes and what applies them one at a time, so a change read back from the config
   * store never interleaves with a REST call that is applying the same connector.
   */
  protected serialized<T>(change: () => Promise<T>): Promise<T> {
    const run = this.#changes.then(change, change);
    this.#changes = run.catch(() => undefined);
    return run;
  }

  /** KIP-875 GET: a source's stored offsets; a sink's from the bus (durable bounds, or consumer-group offsets). */
  protected async readOffsets(name: string, kind: 'source' | 'sink', offsets: OffsetBackingStore, bus: Bus): Promise<ConnectorOffsets> {
    // the runtime's own entries (an exactly-once task's last committed position) are not the connector's
    if (kind === 'source') return { offsets: (await offsets.connectorOffsets(name)).filter((e) => !isRuntimePartition(e.partition)).map((e) => ({ partition: { ...e.partition }, offset: { ...e.offset } })) };
    return { offsets: await bus.sinkOffsets(name) };
  }

  /**
   * KIP-875 PATCH: every entry is checked first (shape, then the connector's own `alterOffsets`),
   * and only a request without problems is applied, in one commit: a bad entry anywhere leaves the
   * stored offsets as they were.
   */
  protected async writeOffsets(name: string, kind: 'source' | 'sink', config: Readonly<Record<string, string>>, body: ConnectorOffsets, offsets: OffsetBackingStore, bus: Bus): Promise<void> {
    if (kind === 'source') {
      const entries = await this.checkedSourceOffsets(config, body);
      await offsets.set(entries.map((o) => ({ connector: name, partition: o.partition, offset: o.offset })));
      return;
    }
    if (!body || !Array.isArray(body.offsets)) throw new TributaryError('offsets.invalid', 'The request body must be {"offsets": [{"partition": {...}, "offset": {...} | null}]}');
    await bus.alterSinkOffsets(name, body.offsets);
  }

  /** KIP-875 DELETE. */
  protected async clearOffsets(name: string, kind: 'source' | 'sink', offsets: OffsetBackingStore, bus: Bus): Promise<void> {
    if (kind === 'source') await offsets.set([], { reset: [name] });
    else await bus.resetSinkOffsets(name);
  }

  protected requireStopped(name: string, state: TargetState): void {
    if (state !== 'STOPPED') {
      throw new TributaryError('connector.not_stopped', `Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/${name}/stop' endpoint`);
    }
  }

  plugins(options: { connectorsOnly: boolean }): PluginInfo[] {
    const connectors: PluginInfo[] = this.registry.list().map((c) => ({ class: c.aliases?.[0] ?? c.name, type: c.kind, version: c.version }));
    if (options.connectorsOnly) return connectors;
    return [
      ...connectors,
      ...builtinTransformRegistry.transforms.map((t) => ({ class: pluginClassName(t), type: 'transformation' as const, version: t.version })),
      ...builtinTransformRegistry.predicates.map((p) => ({ class: pluginClassName(p), type: 'predicate' as const, version: p.version })),
      ...builtinConverterPlugins.map((c) => ({ class: c.aliases[0], type: 'converter' as const, version: c.version })),
    ];
  }

  pluginConfig(pluginClass: string): ConfigKeyInfo[] {
    const connector = this.registry.find(pluginClass);
    if (connector) return definitionsOf(fullSpecOf(connector));
    const transform = builtinTransformRegistry.findTransform(pluginClass) ?? builtinTransformRegistry.findPredicate(pluginClass);
    if (transform) return definitionsOf(transform.configSpec);
    const converter = findConverterPlugin(pluginClass);
    if (converter) return definitionsOf(converter.configSpec);
    throw new TributaryError('plugin.not_found', `Unknown plugin ${pluginClass}.`);
  }

  async validateConnectorConfig(pluginClass: string | undefined, config: RawConfig): Promise<ConfigInfos> {
    if (pluginClass !== undefined && !this.registry.find(pluginClass)) throw new TributaryError('plugin.not_found', `Unknown connector plugin ${pluginClass}.`);
    return (await validateConnector(this.registry, config, pluginClass)).report;
  }

  /**
   * The config a PUT stores: the name filled in, `[hidden]` values replaced by the stored secret
   * (a config read back over REST shows secrets hidden), validated — with every problem listed
   * in config.invalid. `atStartUp` (a connector given on the command line): the connector's own
   * checks (connectivity) only warn, so a worker restarted while the database is down starts and
   * its tasks wait for it with their retries.
   */
  protected async checkedConfig(name: string, config: RawConfig, previous: Readonly<Record<string, string>> | undefined, atStartUp = false): Promise<Record<string, string>> {
    if (config.name !== undefined && config.name !== name) {
      throw new TributaryError('config.invalid', `Connector name configuration (${config.name}) doesn't match connector name in the URL (${name})`, { configPath: 'name' });
    }
    const full: Record<string, string> = { ...config, name };
    for (const [k, v] of Object.entries(full)) if (v === HIDDEN && previous?.[k] !== undefined) full[k] = previous[k];
    let { report } = await validateConnector(this.registry, full);
    if (report.error_count > 0 && atStartUp) {
      const specOnly = (await validateConnector(this.registry, full, undefined, { connectorChecks: false })).report;
      if (specOnly.error_count === 0) {
        this.log.warn({ connector: name, problems: reportErrors(report) }, "the connector's own checks failed at start-up (is its database down?); starting it anyway: its tasks retry until it is reachable");
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
    return full;
  }

  /**
   * Checks a KIP-875 PATCH of a source connector's offsets: flat JSON entries, then the
   * connector's own `alterOffsets` on its stored config. Throws offsets.invalid naming every
   * problem; returns the entries when there is none.
   */
  protected async checkedSourceOffsets(config: Readonly<Record<string, string>>, body: ConnectorOffsets): Promise<OffsetEntry[]> {
    if (!body || !Array.isArray(body.offsets)) throw new TributaryError('offsets.invalid', 'The request body must be {"offsets": [{"partition": {...}, "offset": {...} | null}]}');
    const problems: string[] = [];
    body.offsets.forEach((o, i) => problems.push(...sourceEntryProblems(o, i)));
    const entries = body.offsets as OffsetEntry[];
    if (problems.length === 0) problems.push(...await this.#connectorOffsetProblems(config, entries));
    if (problems.length > 0) throw invalidOffsets(problems);
    return entries;
  }

  async #connectorOffsetProblems(config: Readonly<Record<string, string>>, offsets: OffsetEntry[]): Promise<string[]> {
    const connector = this.registry.find(config['connector.class'] ?? '');
    if (connector?.kind !== 'source' || !connector.alterOffsets) return [];
    const { config: resolved } = resolveConfigProviders(config);
    const parsed = parseConfig(fullSpecOf(connector), resolved);
    if (!parsed.ok) return [`the connector's stored configuration is invalid, so its offsets cannot be checked: ${reportErrors(validationReport(connector.name, fullSpecOf(connector), resolved, {})).join('; ')}`];
    return connector.alterOffsets(parsed.value, resolved, offsets);
  }

  /** Hides literal values of password properties; ${provider:...} references are not secrets. */
  protected redact(config: Readonly<Record<string, string>>): Record<string, string> {
    const connector = this.registry.find(config['connector.class'] ?? '');
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

/** A PATCH of a connector config applied: each property set, a null one removed. */
export function patchedConfig(config: Readonly<Record<string, string>>, patch: Readonly<Record<string, string | null>>): Record<string, string> {
  const merged: Record<string, string> = { ...config };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete merged[k];
    else merged[k] = v;
  }
  return merged;
}
