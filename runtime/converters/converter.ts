import { parseConfig, TributaryError, type ConfigOf, type ConfigSpec, type PropertyMap, type RawConfig, type Schema } from '../../plugins/api/index.js';

export interface SchemaAndValue {
  readonly schema: Schema | null;
  readonly value: unknown;
}

/**
 * Kafka Connect's Converter: turns a record key or value (with its schema) into bytes for the
 * bus, and back. A null value is a tombstone and converts to null bytes, so Kafka compaction
 * removes the key. Conversion failures throw TributaryError('record.conversion_failed'); the
 * runtime applies errors.tolerance to them.
 */
export interface Converter {
  fromConnectData(topic: string, schema: Schema | null, value: unknown): Buffer | null;
  toConnectData(topic: string, bytes: Uint8Array | null): SchemaAndValue;
}

export interface ConverterPlugin {
  readonly name: string;
  /** Kafka Connect class names that resolve to this converter */
  readonly aliases: readonly string[];
  readonly version: string;
  readonly configSpec: ConfigSpec;
  /**
   * `config` holds the converter's own properties (without the `key.converter.` /
   * `value.converter.` prefix); `isKey` says which side it converts.
   */
  create(config: RawConfig, isKey: boolean): Converter;
}

/** A converter's own properties, parsed; every problem named in one config.invalid error. */
export function parseConverterConfig<P extends PropertyMap>(converter: string, spec: ConfigSpec<P>, raw: RawConfig): ConfigOf<P> {
  const parsed = parseConfig(spec, raw);
  if (!parsed.ok) {
    const details = Object.entries(parsed.errors).flatMap(([name, messages]) => messages.map((m) => `${name}: ${m}`));
    throw new TributaryError('config.invalid', `Invalid ${converter} configuration: ${details.join('; ')}`, { details });
  }
  return parsed.value;
}
