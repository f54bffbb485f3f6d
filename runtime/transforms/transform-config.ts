import {
  defineConfigSpec,
  definitionsOf,
  parseConfig,
  prop,
  suggestPropertyName,
  type ConfigKeyInfo,
  type ConfigWarning,
  type ConfigSpec,
  type Property,
  type PropertyMap,
  type RawConfig,
} from '../../plugins/api/index.js';
import { builtinTransformRegistry, type TransformRegistry } from './transform-registry.js';

/**
 * Kafka Connect's transform layout in a connector config:
 *   transforms=a,b   transforms.a.type=...   transforms.a.<prop>=...   transforms.a.predicate=p
 *   transforms.a.negate=true   predicates=p   predicates.p.type=...   predicates.p.<prop>=...
 * This module reads that layout; transform-chain.ts builds the chain from it.
 */

/** Keys under `transforms.<alias>.` that belong to the framework, not to the transform. */
export const RESERVED_TRANSFORM_KEYS = new Set(['type', 'predicate', 'negate']);

/** The aliases listed in `transforms` or `predicates`, and the duplicates among them. */
export function listedAliases(config: RawConfig, key: 'transforms' | 'predicates'): { aliases: string[]; duplicates: string[] } {
  const listed = (config[key] ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const aliases = [...new Set(listed)];
  const duplicates = [...new Set(listed.filter((a, i) => listed.indexOf(a) !== i))];
  return { aliases, duplicates };
}

/** The properties under `<prefix>` without the prefix, leaving out the framework's own keys. */
export function subConfig(config: RawConfig, prefix: string, reserved: ReadonlySet<string> = new Set(['type'])): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    if (!key.startsWith(prefix)) continue;
    const name = key.slice(prefix.length);
    if (!reserved.has(name)) out[name] = value;
  }
  return out;
}

/** Rewrites a transform's own error report to the full property names users wrote. */
export function prefixErrors(errors: Readonly<Record<string, string[]>>, prefix: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, messages] of Object.entries(errors)) {
    const full = prefix + name;
    out[full] = messages.map((m) => m.replace(`configuration "${name}"`, `configuration "${full}"`).replace(`configuration ${name}:`, `configuration ${full}:`));
  }
  return out;
}

function regroup<T>(p: Property<T>, group: string): Property<unknown> {
  return { ...p, group } as Property<unknown>;
}

/**
 * A config spec for the transform properties of one connector config: `transforms`,
 * `predicates`, and for each listed alias its type, predicate, negate and the plugin's own
 * properties under their full names (grouped per alias). Merge it with the connector's spec
 * (`mergeSpecs`) to list transform properties in `config/validate` and plugin config answers.
 * Type names and predicate references are checked by their properties; cross-field rules of the
 * plugins run in `refine`. `buildTransformChain` reports the same problems at start-up.
 */
export function transformConfigSpec(config: RawConfig, registry: TransformRegistry = builtinTransformRegistry): ConfigSpec {
  const transforms = listedAliases(config, 'transforms').aliases;
  const predicates = listedAliases(config, 'predicates').aliases;
  const properties: Record<string, Property<unknown>> = {
    transforms: prop.list({ doc: 'Aliases of the transformations to apply to records, in order.', default: [], group: 'Transforms' }) as Property<unknown>,
    predicates: prop.list({ doc: 'Aliases of the predicates used by transformations.', default: [], group: 'Predicates' }) as Property<unknown>,
  };
  const plugins: { prefix: string; spec: ConfigSpec }[] = [];
  // The properties of an alias whose type is unknown cannot be checked; its type's own error says
  // what is wrong, so they are not also warned about one by one.
  const unchecked: string[] = [];
  for (const alias of transforms) {
    const group = `Transforms: ${alias}`;
    const prefix = `transforms.${alias}.`;
    const type = prop.className({ doc: 'Class or short name of the transformation.', required: true, importance: 'high', group });
    properties[`${prefix}type`] = {
      ...type,
      schema: type.schema.refine((v) => registry.findTransform(v) !== undefined, { error: 'no transformation of that name or class' }),
    } as Property<unknown>;
    const predicate = prop.string({ doc: 'Alias of a predicate (listed in predicates) deciding which records this transformation applies to.', default: '', group });
    properties[`${prefix}predicate`] = {
      ...predicate,
      schema: predicate.schema.refine((v) => v === '' || predicates.includes(v), { error: 'predicate is not listed in "predicates"' }),
    } as Property<unknown>;
    properties[`${prefix}negate`] = prop.boolean({ doc: 'Apply the transformation to records the predicate does not match.', default: false, group }) as Property<unknown>;
    const plugin = registry.findTransform(config[`${prefix}type`] ?? '');
    if (plugin) addPlugin(properties, plugins, plugin.configSpec, prefix, group);
    else unchecked.push(prefix);
  }
  for (const alias of predicates) {
    const group = `Predicates: ${alias}`;
    const prefix = `predicates.${alias}.`;
    const type = prop.className({ doc: 'Class or short name of the predicate.', required: true, importance: 'high', group });
    properties[`${prefix}type`] = {
      ...type,
      schema: type.schema.refine((v) => registry.findPredicate(v) !== undefined, { error: 'no predicate of that name or class' }),
    } as Property<unknown>;
    const plugin = registry.findPredicate(config[`${prefix}type`] ?? '');
    if (plugin) addPlugin(properties, plugins, plugin.configSpec, prefix, group);
    else unchecked.push(prefix);
  }
  return defineConfigSpec(properties as PropertyMap, (_values, issues, raw) => {
    for (const { prefix, spec } of plugins) {
      const parsed = parseConfig(spec, subConfig(raw, prefix, RESERVED_TRANSFORM_KEYS));
      for (const [name, messages] of Object.entries(prefixErrors(parsed.errors, prefix))) for (const m of messages) issues.add(name, m);
    }
  }, { accepted: unchecked });
}

function addPlugin(properties: Record<string, Property<unknown>>, plugins: { prefix: string; spec: ConfigSpec }[], spec: ConfigSpec, prefix: string, group: string): void {
  for (const [name, p] of Object.entries(spec.properties)) properties[prefix + name] = regroup(p, group);
  plugins.push({ prefix, spec });
}

/** Kafka Connect ConfigKeyInfo definitions of every transform property of a connector config. */
export function transformConfigDefinitions(config: RawConfig, registry: TransformRegistry = builtinTransformRegistry): ConfigKeyInfo[] {
  return definitionsOf(transformConfigSpec(config, registry));
}

/**
 * The warning for a property of a transform or predicate alias that `transforms` (or
 * `predicates`) does not list — nothing reads it — or undefined when `name` is not one. Aliases
 * are the user's own names, so the generic "did you mean" against other aliases' properties
 * would mislead (`transforms.route.type` is not a typo of `transforms.unwrap.type`); only a
 * near miss of a listed alias (`unwarp`) is suggested.
 */
export function unlistedAliasWarning(name: string, config: RawConfig): ConfigWarning | undefined {
  const match = /^(transforms|predicates)\.([^.]+)\.(.+)$/.exec(name);
  if (!match) return undefined;
  const [, key, alias, rest] = match as unknown as [string, 'transforms' | 'predicates', string, string];
  const listed = listedAliases(config, key).aliases;
  if (listed.includes(alias)) return undefined;
  const near = suggestPropertyName(alias, listed);
  if (near !== undefined) {
    const suggestion = `${key}.${near}.${rest}`;
    return { name, message: `Unknown property "${name}" is ignored; did you mean "${suggestion}"?`, suggestion };
  }
  const list = listed.length > 0 ? `${key}=${listed.join(',')}` : `${key} is empty`;
  return { name, message: `Property "${name}" is ignored: "${alias}" is not listed in ${key} (${list}).` };
}
