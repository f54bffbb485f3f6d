import {
  mergeSpecs, parseConfig, unknownPropertyWarnings, validationReport, type ConfigInfos, type ConfigSpec, type Connector, type RawConfig,
} from '../../plugins/api/index.js';
import type { PluginRegistry } from '../../plugins/registry.js';
import { commonConnectorSpec, commonSinkSpec, commonSourceSpec } from '../config/connector-config.js';
import { resolveConfigProviders } from '../config/config-providers.js';
import { buildTransformChain } from '../transforms/transform-chain.js';
import { transformConfigSpec, unlistedAliasWarning } from '../transforms/transform-config.js';

/** The full spec a connector's config is checked against: framework properties + its own. */
export function fullSpecOf(connector: Connector): ConfigSpec {
  return connector.kind === 'sink' ? mergeSpecs(commonConnectorSpec, commonSinkSpec, connector.configSpec) : mergeSpecs(commonConnectorSpec, commonSourceSpec, connector.configSpec);
}

export interface ValidatedConfig {
  connector: Connector;
  /** config with provider references resolved (never stored, never shown) */
  resolved: Record<string, string>;
  parsed: Record<string, unknown>;
}

/**
 * Kafka Connect's validateConnectorConfig: resolves config providers, finds the plugin, checks
 * the framework and connector specs, the transforms and predicates, and — only when all that
 * passed — the connector's own checks (connectivity). Every problem is reported against its
 * property; nothing throws for bad input. Properties that neither the specs nor the listed
 * transforms and predicates know are warned about (`report.warnings`), not counted as errors.
 */
export async function validateConnector(registry: PluginRegistry, raw: RawConfig, pluginClass?: string, options: { connectorChecks?: boolean } = {}): Promise<{ report: ConfigInfos; valid?: ValidatedConfig }> {
  const { config: resolved, errors: providerErrors } = resolveConfigProviders(raw);
  const extra: Record<string, string[]> = { ...providerErrors };
  const className = pluginClass ?? resolved['connector.class'];
  const connector = className ? registry.find(className) : undefined;
  if (!connector) {
    const known = registry.list().map((c) => c.name).join(', ');
    const message = className ? `Failed to find any class that implements Connector and which name matches ${className}, available connectors are: ${known}` : 'Missing required configuration "connector.class" which has no default value.';
    // Without the connector's spec every property of it would look unknown: no warnings then.
    const report = validationReport(className ?? 'unknown', commonConnectorSpec, resolved, { ...extra, 'connector.class': [message] }, []);
    return { report };
  }
  const spec = fullSpecOf(connector);
  const { errors: transformErrors } = buildTransformChain(resolved);
  for (const [k, v] of Object.entries(transformErrors)) extra[k] = [...(extra[k] ?? []), ...v];
  const parsed = parseConfig(spec, resolved);
  if (parsed.ok && Object.keys(extra).length === 0 && connector.validate && options.connectorChecks !== false) {
    try {
      for (const [k, v] of Object.entries(await connector.validate(parsed.value, resolved))) if (v.length > 0) extra[k] = [...(extra[k] ?? []), ...v];
    } catch (error) {
      extra['connector.class'] = [`The connector's own validation failed: ${(error as Error).message}`];
    }
  }
  const warnings = unknownPropertyWarnings(mergeSpecs(spec, transformConfigSpec(resolved)), resolved)
    .map((w) => unlistedAliasWarning(w.name, resolved) ?? w);
  const report = validationReport(connector.name, spec, resolved, extra, warnings);
  return report.error_count === 0 ? { report, valid: { connector, resolved, parsed: parsed.value as Record<string, unknown> } } : { report };
}
