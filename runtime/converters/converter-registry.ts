import type { ConverterPlugin } from './converter.js';
import { jsonConverterPlugin } from './json-converter.js';

/** The built-in converters (`key.converter` / `value.converter` values). */
export const builtinConverterPlugins: readonly ConverterPlugin[] = Object.freeze([jsonConverterPlugin]);

/** Resolves a converter by short name or Kafka Connect class name, case-insensitively. */
export function findConverterPlugin(name: string, plugins: readonly ConverterPlugin[] = builtinConverterPlugins): ConverterPlugin | undefined {
  const wanted = name.trim().toLowerCase();
  return plugins.find((p) => p.name.toLowerCase() === wanted || p.aliases.some((a) => a.toLowerCase() === wanted));
}
