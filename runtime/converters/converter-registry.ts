import type { ConverterPlugin } from './converter.js';
import { avroConverterPlugin } from './avro-converter.js';
import { byteArrayConverterPlugin } from './byte-array-converter.js';
import { jsonConverterPlugin } from './json-converter.js';
import { stringConverterPlugin } from './string-converter.js';

/** The built-in converters (`key.converter` / `value.converter` values). */
export const builtinConverterPlugins: readonly ConverterPlugin[] = Object.freeze([jsonConverterPlugin, stringConverterPlugin, byteArrayConverterPlugin, avroConverterPlugin]);

/** Resolves a converter by short name or Kafka Connect class name, case-insensitively. */
export function findConverterPlugin(name: string, plugins: readonly ConverterPlugin[] = builtinConverterPlugins): ConverterPlugin | undefined {
  const wanted = name.trim().toLowerCase();
  return plugins.find((p) => p.name.toLowerCase() === wanted || p.aliases.some((a) => a.toLowerCase() === wanted));
}
