import { defineConfigSpec, prop, TributaryError, type ConfigOf, type RawConfig, type Schema } from '../../plugins/api/index.js';
import { schemaFromJson, schemaJsonText } from './connect-json-schema.js';
import { readJsonValue, writeJsonValue, type ValueCodecOptions } from './connect-json-values.js';
import { parseConverterConfig, type Converter, type ConverterPlugin, type SchemaAndValue } from './converter.js';
import { parseExactJson, parseExactJsonObject } from './exact-json.js';

export const jsonConverterSpec = defineConfigSpec({
  'schemas.enable': prop.boolean({
    doc: 'Wrap each value as {"schema": ..., "payload": ...} with the schema in Kafka Connect JSON form; false writes and expects the payload alone.',
    default: true,
    importance: 'high',
  }),
  'decimal.format': prop.enum(['BASE64', 'NUMERIC'], {
    doc: 'How decimals are written: BASE64 (two\'s complement unscaled bytes, Kafka Connect\'s default) or NUMERIC (exact JSON numbers). Both are read.',
    default: 'BASE64',
    caseInsensitive: true,
  }),
  'schemas.cache.size': prop.int({ doc: 'How many distinct schemas read from JSON are kept, so records of one table share one schema object.', default: 1000, min: 0 }),
  'replace.null.with.default': prop.boolean({ doc: 'Write a null field that has a default value as that default.', default: true, importance: 'low' }),
});

export type JsonConverterConfig = ConfigOf<typeof jsonConverterSpec.properties>;

const ENVELOPE_HINT =
  'JsonConverter with schemas.enable=true requires "schema" and "payload" fields and may not contain additional fields. If you are reading plain JSON, set schemas.enable=false in the converter configuration.';

/**
 * Kafka Connect's JsonConverter, wire-compatible with it. Schemas are written from a per-schema
 * cache of their JSON text and read back through a bounded cache keyed by that text, so the
 * records of one table keep sharing one schema object (transforms cache derived schemas by it).
 */
export class JsonConverter implements Converter {
  readonly #schemasEnabled: boolean;
  readonly #options: ValueCodecOptions;
  readonly #cacheSize: number;
  readonly #schemaText = new WeakMap<Schema, string>();
  readonly #schemaByText = new Map<string, Schema>();

  constructor(config: Partial<JsonConverterConfig> = {}) {
    this.#schemasEnabled = config['schemas.enable'] ?? true;
    this.#options = { decimalFormat: config['decimal.format'] ?? 'BASE64', replaceNullWithDefault: config['replace.null.with.default'] ?? true };
    this.#cacheSize = config['schemas.cache.size'] ?? 1000;
  }

  /**
   * A null value is a tombstone and gives null bytes even when a schema is present (Kafka
   * Connect writes a null payload then), so that compaction removes the key.
   */
  fromConnectData(topic: string, schema: Schema | null, value: unknown): Buffer | null {
    if (value === null || value === undefined) return null;
    try {
      const payload = writeJsonValue(schema, value, this.#options);
      if (!this.#schemasEnabled) return Buffer.from(payload, 'utf8');
      return Buffer.from(`{"schema":${schema === null ? 'null' : this.#schemaJson(schema)},"payload":${payload}}`, 'utf8');
    } catch (error) {
      throw new TributaryError('record.conversion_failed', `JsonConverter could not convert a record of topic "${topic}" to JSON: ${(error as Error).message}`, { cause: error });
    }
  }

  toConnectData(topic: string, bytes: Uint8Array | null): SchemaAndValue {
    if (bytes === null || bytes.length === 0) return { schema: null, value: null };
    try {
      const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
      if (!this.#schemasEnabled) return { schema: null, value: readJsonValue(null, parseExactJson(text)) };
      const parsed = parseExactJsonObject(text, 'schema');
      const keys = parsed === null ? [] : Object.keys(parsed.members);
      if (parsed === null || parsed.skippedText === undefined || keys.length !== 1 || keys[0] !== 'payload') throw new Error(ENVELOPE_HINT);
      const schema = this.#schemaOf(parsed.skippedText);
      return { schema, value: readJsonValue(schema, parsed.members.payload) };
    } catch (error) {
      throw new TributaryError('record.conversion_failed', `JsonConverter could not read a record of topic "${topic}": ${(error as Error).message}`, { cause: error });
    }
  }

  #schemaJson(schema: Schema): string {
    let text = this.#schemaText.get(schema);
    if (text === undefined) {
      text = schemaJsonText(schema, (s, v) => writeJsonValue({ ...s, defaultValue: undefined }, v, this.#options));
      this.#schemaText.set(schema, text);
    }
    return text;
  }

  /** The schema of a schema JSON text, parsed only when it is not in the cache. */
  #schemaOf(text: string): Schema | null {
    const cached = this.#schemaByText.get(text);
    if (cached !== undefined) return cached;
    const node = parseExactJson(text);
    if (node === null) return null;
    const schema = schemaFromJson(node, (s, n) => readJsonValue(s, n));
    if (this.#cacheSize > 0) {
      // Oldest first: schemas change rarely, so the oldest entry is the likeliest to be stale.
      if (this.#schemaByText.size >= this.#cacheSize) this.#schemaByText.delete(this.#schemaByText.keys().next().value!);
      this.#schemaByText.set(text, schema);
    }
    return schema;
  }
}

/** Parses the converter's own properties, throwing config.invalid with every problem listed. */
export function parseJsonConverterConfig(raw: RawConfig): JsonConverterConfig {
  return parseConverterConfig('JsonConverter', jsonConverterSpec, raw);
}

export const jsonConverterPlugin: ConverterPlugin = Object.freeze({
  name: 'JsonConverter',
  aliases: Object.freeze(['org.apache.kafka.connect.json.JsonConverter', 'json']),
  version: '0.1.0',
  configSpec: jsonConverterSpec,
  create: (config: RawConfig) => new JsonConverter(parseJsonConverterConfig(config)),
});
