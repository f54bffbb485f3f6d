import { parseConfig, TributaryError, type ConfigOf, type ConfigSpec, type ConnectRecord, type PropertyMap, type RawConfig, type Schema } from '../../plugins/api/index.js';

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
  /**
   * Optional. For a converter that needs asynchronous work before it can convert (a Schema
   * Registry: register a schema, look up its id), so that fromConnectData stays synchronous: the
   * bus awaits it with every batch before calling fromConnectData on its records (the converter
   * picks the key or the value side as it was created for). It returns undefined when everything
   * is cached already, so the hot path awaits nothing. A batch is prepared and converted before
   * the next batch of the same connector is prepared (calls do not overlap for one converter). A
   * rejection fails the publish: a RetriableError (registry unreachable) restarts the task, which
   * replays from its committed offset; a non-retriable one (schema.incompatible) fails it.
   */
  prepareOutgoing?(records: readonly OutgoingRecord[]): Promise<void> | undefined;
  /**
   * Optional, the reading counterpart: awaited with every batch fetched before toConnectData is
   * called on its records (fetching writer schemas by id). A record it cannot prepare for good
   * (an id the registry does not have) must not make it reject: toConnectData then throws
   * record.conversion_failed for that record, which becomes an UnreadableRecord under the error
   * policy. A rejection (registry unreachable) fails the sink task, which restarts and reads
   * again from its committed offsets.
   */
  prepareIncoming?(records: readonly IncomingRecord[]): Promise<void> | undefined;
}

/** What prepareOutgoing reads of a record (a SourceRecord is one). */
export type OutgoingRecord = Pick<ConnectRecord, 'topic' | 'keySchema' | 'key' | 'valueSchema' | 'value'>;

/** What prepareIncoming reads of a record as consumed (a fetched Kafka record is one). */
export interface IncomingRecord {
  readonly topic: string;
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
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
