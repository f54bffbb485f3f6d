import { TributaryError } from '../../plugins/api/index.js';
import { extractNewRecordStatePlugin } from './extract-new-record-state.js';
import { filterPlugin } from './filter.js';
import { hasHeaderKeyPlugin } from './has-header-key.js';
import { insertFieldKeyPlugin, insertFieldValuePlugin } from './insert-field.js';
import { maskFieldKeyPlugin, maskFieldValuePlugin } from './mask-field.js';
import { recordIsTombstonePlugin } from './record-is-tombstone.js';
import { regexRouterPlugin } from './regex-router.js';
import { replaceFieldKeyPlugin, replaceFieldValuePlugin } from './replace-field.js';
import { timestampConverterKeyPlugin, timestampConverterValuePlugin } from './timestamp-converter.js';
import { topicNameMatchesPlugin } from './topic-name-matches.js';
import type { PredicatePlugin, TransformPlugin } from './transform.js';

/** The built-in transforms, in the order `GET /connector-plugins` lists them. */
export const builtinTransformPlugins: readonly TransformPlugin[] = Object.freeze([
  extractNewRecordStatePlugin,
  insertFieldValuePlugin,
  insertFieldKeyPlugin,
  replaceFieldValuePlugin,
  replaceFieldKeyPlugin,
  maskFieldValuePlugin,
  maskFieldKeyPlugin,
  regexRouterPlugin,
  filterPlugin,
  timestampConverterValuePlugin,
  timestampConverterKeyPlugin,
]);

export const builtinPredicatePlugins: readonly PredicatePlugin[] = Object.freeze([
  topicNameMatchesPlugin,
  hasHeaderKeyPlugin,
  recordIsTombstonePlugin,
]);

/**
 * Resolves `transforms.<alias>.type` / `predicates.<alias>.type` values: short names
 * (`ExtractNewRecordState`, `unwrap`) and Kafka Connect / Debezium class names, case-insensitively.
 */
export interface TransformRegistry {
  readonly transforms: readonly TransformPlugin[];
  readonly predicates: readonly PredicatePlugin[];
  findTransform(name: string): TransformPlugin | undefined;
  findPredicate(name: string): PredicatePlugin | undefined;
}

function index<P extends { name: string; aliases: readonly string[] }>(kind: string, plugins: readonly P[]): Map<string, P> {
  const byName = new Map<string, P>();
  for (const plugin of plugins) {
    for (const name of [plugin.name, ...plugin.aliases]) {
      const key = name.toLowerCase();
      const taken = byName.get(key);
      // Two plugins answering to one name would make a config mean different things by load order.
      if (taken !== undefined && taken !== plugin) {
        throw new TributaryError('plugin.duplicate', `${kind} plugins ${taken.name} and ${plugin.name} both claim the name "${name}"`);
      }
      byName.set(key, plugin);
    }
  }
  return byName;
}

/** A registry over the given plugins (built-ins plus any external ones); fails fast on a name clash. */
export function createTransformRegistry(
  transforms: readonly TransformPlugin[] = builtinTransformPlugins,
  predicates: readonly PredicatePlugin[] = builtinPredicatePlugins,
): TransformRegistry {
  const transformIndex = index('Transform', transforms);
  const predicateIndex = index('Predicate', predicates);
  return Object.freeze({
    transforms,
    predicates,
    findTransform: (name: string) => transformIndex.get(name.trim().toLowerCase()),
    findPredicate: (name: string) => predicateIndex.get(name.trim().toLowerCase()),
  });
}

export const builtinTransformRegistry: TransformRegistry = createTransformRegistry();

/** The class name a plugin is listed under (Kafka Connect's), falling back to its short name. */
export function pluginClassName(plugin: { name: string; aliases: readonly string[] }): string {
  return plugin.aliases.find((a) => a.includes('.')) ?? plugin.name;
}
