import { backOff } from 'exponential-backoff';
import type avsc from 'avsc';
import { defineConfigSpec, prop, RetriableError, TributaryError, type ConfigOf, type RawConfig, type Schema } from '../../plugins/api/index.js';
import { avroSchemaText, CONNECT_VERSION, fromConnectSchema, toConnectSchema, type AvroJson } from './avro-schemas.js';
import { avscType, fromAvroMapper, toAvroMapper, type ValueMapper } from './avro-values.js';
import { parseConverterConfig, type Converter, type ConverterPlugin, type IncomingRecord, type OutgoingRecord, type SchemaAndValue } from './converter.js';
import { isJsonObject, JsonNumber, parseExactJson, type JsonNode } from './exact-json.js';
import { RegistryError, RestSchemaRegistryClient, type SchemaRegistryClient } from './schema-registry-client.js';

const STRATEGY_PACKAGE = 'io.confluent.kafka.serializers.subject.';
const STRATEGIES = [`${STRATEGY_PACKAGE}TopicNameStrategy`, `${STRATEGY_PACKAGE}RecordNameStrategy`, `${STRATEGY_PACKAGE}TopicRecordNameStrategy`] as const;
type Strategy = (typeof STRATEGIES)[number];
const strategy = (side: 'key' | 'value') =>
  prop.enum(STRATEGIES, {
    doc: `How the ${side}'s subject is named: TopicNameStrategy <topic>-${side}, RecordNameStrategy the record's full name, TopicRecordNameStrategy <topic>-<record full name>. Confluent's class names or their short names.`,
    default: STRATEGIES[0],
    caseInsensitive: true,
    aliases: { TopicNameStrategy: STRATEGIES[0], RecordNameStrategy: STRATEGIES[1], TopicRecordNameStrategy: STRATEGIES[2] },
  });

/** Confluent's AvroConverter properties (AbstractKafkaSchemaSerDeConfig, SchemaRegistryClientConfig, AvroDataConfig) that Tributary honours. */
export const avroConverterSpec = defineConfigSpec(
  {
    'schema.registry.url': prop.list({ doc: 'Comma-separated URLs of the Schema Registry (Confluent\'s REST API; Apicurio Registry serves it under /apis/ccompat/v7). A request that gets no answer moves on to the next URL.', required: true, importance: 'high' }),
    'basic.auth.credentials.source': prop.enum(['URL', 'USER_INFO'], { doc: 'Where the Basic Auth credentials come from: URL (user:password@ in schema.registry.url) or USER_INFO (basic.auth.user.info).', default: 'URL', caseInsensitive: true }),
    'basic.auth.user.info': prop.password({ doc: 'The Basic Auth credentials as {username}:{password}, with basic.auth.credentials.source=USER_INFO.', default: '' }),
    'auto.register.schemas': prop.boolean({ doc: 'Register a record\'s schema under its subject when it is not registered yet (false: the schema must already be registered, or use.latest.version used).', default: true }),
    'use.latest.version': prop.boolean({ doc: 'With auto.register.schemas=false, write with the subject\'s latest registered schema (records are encoded by field name) instead of looking up the record\'s own.', default: false }),
    'key.subject.name.strategy': strategy('key'),
    'value.subject.name.strategy': strategy('value'),
    'schemas.cache.config': prop.int({ doc: 'How many converted schemas, schema ids and registry answers are kept (AvroData\'s cache size).', default: 1000, min: 1 }),
    'max.retries': prop.int({ doc: 'How many times a registry request that got no answer or a 5xx/429 is retried, with exponential backoff and jitter, before the task fails with schema.registry_unavailable (and restarts with backoff).', default: 3, min: 0 }),
    'retries.wait.ms': prop.int({ doc: 'The first backoff between registry retries; it doubles per retry.', default: 1000, min: 0 }),
    'retries.max.wait.ms': prop.int({ doc: 'The longest backoff between registry retries.', default: 20000, min: 0 }),
    'http.read.timeout.ms': prop.int({ doc: 'How long one registry request may take before it counts as unanswered.', default: 60000, min: 1 }),
  },
  (values, issues, raw) => {
    // a URL the client cannot use would otherwise fail on the first record, not at config time
    for (const url of values['schema.registry.url'] ?? []) {
      let parsed: URL | undefined;
      try {
        parsed = new URL(url);
      } catch {
        // reported below
      }
      if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) issues.add('schema.registry.url', `${url} is not an http:// or https:// URL.`);
    }
    // USER_INFO without credentials would send no Authorization header and fail with 401 at run time
    if (values['basic.auth.credentials.source'] === 'USER_INFO' && !(raw['basic.auth.user.info'] ?? '').includes(':')) {
      issues.add('basic.auth.user.info', 'basic.auth.credentials.source=USER_INFO needs basic.auth.user.info as {username}:{password}.');
    }
  },
);

export type AvroConverterConfig = ConfigOf<typeof avroConverterSpec.properties>;

/** What one Connect schema is written as, on one topic: its id and the avsc type that encodes it. */
interface WriteTarget {
  readonly id: number;
  readonly type: avsc.Type;
}

interface Writer {
  readonly text: string;
  readonly type: avsc.Type;
  readonly toAvro: ValueMapper;
  /** the Avro record's full name (RecordNameStrategy), undefined for other schemas */
  readonly recordName: string | undefined;
  readonly topics: Map<string, WriteTarget>;
}

interface Reader {
  readonly schema: Schema;
  readonly type: avsc.Type;
  readonly fromAvro: ValueMapper;
}

const MAGIC_BYTE = 0;

/**
 * Confluent's AvroConverter (`io.confluent.connect.avro.AvroConverter`): records in the Confluent
 * wire format (magic byte 0, the schema id as 4 bytes big-endian, Avro binary), schemas mapped as
 * AvroData maps them (avro-schemas.ts) and kept in a Schema Registry.
 *
 * The registry is asked only in `prepareOutgoing` / `prepareIncoming`, which the bus awaits before
 * a batch is converted; `fromConnectData` / `toConnectData` then run synchronously from what those
 * cached: schema ids by Schema object (the records of one table share one) and by schema text,
 * writer schemas by id. A registry outage is retried with backoff, then fails with a
 * RetriableError (`schema.registry_unavailable`); an incompatible schema fails with
 * `schema.incompatible`, naming the subject and quoting the registry.
 */
export class AvroConverter implements Converter {
  readonly #c: AvroConverterConfig;
  readonly #isKey: boolean;
  readonly #client: SchemaRegistryClient;
  readonly #strategy: Strategy;
  readonly #writers = new WeakMap<Schema, Writer>();
  /** avsc types by schema text, so equal schemas share one */
  readonly #typesByText = new Map<string, avsc.Type>();
  /** subject \0 schema text → what it is written as */
  readonly #targets = new Map<string, WriteTarget>();
  /** per topic, the readers of the writer schema ids met on it (an Error: that id cannot be read) */
  readonly #readers = new Map<string, Map<number, Reader | Error>>();
  readonly #schemaTexts = new Map<number, string>();
  /** readers by registry version and schema text, so the records of one table share one Schema object */
  readonly #readersByText = new Map<string, Reader>();
  #buffer = Buffer.alloc(64 * 1024);

  constructor(config: AvroConverterConfig, isKey: boolean, client: SchemaRegistryClient) {
    this.#c = config;
    this.#isKey = isKey;
    this.#client = client;
    this.#strategy = isKey ? config['key.subject.name.strategy'] : config['value.subject.name.strategy'];
  }

  /** Resolves the schema ids of the records' schemas not seen yet on their topic (registers them if need be). */
  prepareOutgoing(records: readonly OutgoingRecord[]): Promise<void> | undefined {
    let pending: { schema: Schema; topic: string }[] | undefined;
    for (const r of records) {
      const value = this.#isKey ? r.key : r.value;
      const schema = this.#isKey ? r.keySchema : r.valueSchema;
      if (value === null || value === undefined || schema === null) continue;
      if (this.#writers.get(schema)?.topics.has(r.topic)) continue;
      (pending ??= []).push({ schema, topic: r.topic });
    }
    return pending && this.#resolveWrites(pending);
  }

  fromConnectData(topic: string, schema: Schema | null, value: unknown): Buffer | null {
    if (value === null || value === undefined) return null;
    if (schema === null) throw conversionFailed(`AvroConverter cannot write a record of topic "${topic}" without a schema (schemaless data is not supported); use the JsonConverter with schemas.enable=false.`);
    const writer = this.#writers.get(schema);
    const target = writer?.topics.get(topic);
    if (writer === undefined || target === undefined) throw new TributaryError('internal', `AvroConverter has no schema id for a record of topic "${topic}": prepareOutgoing must run before fromConnectData.`);
    let avroValue: unknown;
    try {
      avroValue = writer.toAvro(value);
    } catch (error) {
      throw conversionFailed(`AvroConverter could not convert a record of topic "${topic}" to Avro: ${(error as Error).message}`, error);
    }
    try {
      return this.#encode(target, avroValue);
    } catch (error) {
      throw conversionFailed(`AvroConverter could not write a record of topic "${topic}" with schema id ${target.id}: ${(error as Error).message}`, error);
    }
  }

  /** Fetches the writer schemas of ids not seen yet on the records' topics. */
  prepareIncoming(records: readonly IncomingRecord[]): Promise<void> | undefined {
    let pending: { topic: string; id: number }[] | undefined;
    for (const r of records) {
      const bytes = this.#isKey ? r.key : r.value;
      if (bytes === null || bytes.length < 5 || bytes[0] !== MAGIC_BYTE) continue;
      const id = idOf(bytes);
      if (this.#readers.get(r.topic)?.has(id)) continue;
      (pending ??= []).push({ topic: r.topic, id });
    }
    return pending && this.#resolveReads(pending);
  }

  toConnectData(topic: string, bytes: Uint8Array | null): SchemaAndValue {
    if (bytes === null || bytes.length === 0) return { schema: null, value: null };
    if (bytes[0] !== MAGIC_BYTE || bytes.length < 5) throw conversionFailed(`AvroConverter could not read a record of topic "${topic}": Unknown magic byte! (not in the Confluent wire format)`);
    const id = idOf(bytes);
    const reader = this.#readers.get(topic)?.get(id);
    if (reader === undefined) throw new TributaryError('internal', `AvroConverter has not fetched schema id ${id} for topic "${topic}": prepareIncoming must run before toConnectData.`);
    if (reader instanceof Error) throw conversionFailed(`AvroConverter could not read a record of topic "${topic}" written with schema id ${id}: ${reader.message}`, reader);
    try {
      const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const decoded = reader.type.decode(buf, 5);
      if (decoded.offset < 0) throw new Error('the Avro data ends early');
      return { schema: reader.schema, value: reader.fromAvro(decoded.value) };
    } catch (error) {
      throw conversionFailed(`AvroConverter could not read a record of topic "${topic}" written with schema id ${id}: ${(error as Error).message}`, error);
    }
  }

  async #resolveWrites(pending: readonly { schema: Schema; topic: string }[]): Promise<void> {
    for (const { schema, topic } of pending) {
      const writer = this.#writerOf(schema, topic);
      if (writer.topics.has(topic)) continue;
      const subject = this.#subject(topic, writer.recordName);
      const key = `${subject}\u0000${writer.text}`;
      let target = this.#targets.get(key);
      if (target === undefined) {
        if (this.#c['auto.register.schemas']) {
          target = { id: await this.#ask(`register a schema under subject "${subject}"`, subject, () => this.#client.register(subject, writer.text)), type: writer.type };
        } else if (this.#c['use.latest.version']) {
          const latest = await this.#ask(`fetch the latest schema of subject "${subject}"`, subject, () => this.#client.latest(subject));
          target = { id: latest.id, type: this.#typeOf(latest.schema, parseAvroJson(latest.schema)) };
        } else {
          const found = await this.#ask(`look up a schema under subject "${subject}" (auto.register.schemas=false)`, subject, () => this.#client.lookup(subject, writer.text));
          target = { id: found.id, type: writer.type };
        }
        remember(this.#targets, key, target, this.#c['schemas.cache.config']);
      }
      writer.topics.set(topic, target);
    }
  }

  #writerOf(schema: Schema, topic: string): Writer {
    let writer = this.#writers.get(schema);
    if (writer !== undefined) return writer;
    let avro: AvroJson;
    try {
      avro = fromConnectSchema(schema);
    } catch (error) {
      throw conversionFailed(`AvroConverter cannot map the schema of a record of topic "${topic}" to Avro: ${(error as Error).message}`, error);
    }
    const text = avroSchemaText(avro);
    const recordName = typeof avro === 'object' && avro !== null && !Array.isArray(avro) && avro.type === 'record' ? (typeof avro.namespace === 'string' && avro.namespace !== '' ? `${avro.namespace}.${String(avro.name)}` : String(avro.name)) : undefined;
    writer = { text, type: this.#typeOf(text, avro), toAvro: toAvroMapper(schema), recordName, topics: new Map() };
    this.#writers.set(schema, writer);
    return writer;
  }

  #typeOf(text: string, avro: AvroJson): avsc.Type {
    let type = this.#typesByText.get(text);
    if (type === undefined) {
      type = avscType(avro);
      remember(this.#typesByText, text, type, this.#c['schemas.cache.config']);
    }
    return type;
  }

  /** The subject of a record's schema on a topic (Confluent's SubjectNameStrategy). */
  #subject(topic: string, recordName: string | undefined): string {
    if (this.#strategy === STRATEGIES[0]) return `${topic}-${this.#isKey ? 'key' : 'value'}`;
    if (recordName === undefined) {
      const property = this.#isKey ? 'key.subject.name.strategy' : 'value.subject.name.strategy';
      throw conversionFailed(`In configuration ${property} = ${this.#strategy}, the message ${this.#isKey ? 'key' : 'value'} must only be a record schema (topic "${topic}").`);
    }
    return this.#strategy === STRATEGIES[1] ? recordName : `${topic}-${recordName}`;
  }

  async #resolveReads(pending: readonly { topic: string; id: number }[]): Promise<void> {
    for (const { topic, id } of pending) {
      let readers = this.#readers.get(topic);
      if (readers === undefined) this.#readers.set(topic, (readers = new Map()));
      if (readers.has(id)) continue;
      remember(readers, id, await this.#readerOf(topic, id), this.#c['schemas.cache.config']);
    }
  }

  async #readerOf(topic: string, id: number): Promise<Reader | Error> {
    let text = this.#schemaTexts.get(id);
    if (text === undefined) {
      try {
        text = await this.#retrying(() => this.#client.schemaById(id));
      } catch (error) {
        if (error instanceof RegistryError && !error.retriable) return new Error(`the registry has no Avro schema with id ${id}: ${error.message}`);
        throw unavailable(`fetch schema id ${id}`, error);
      }
      remember(this.#schemaTexts, id, text, this.#c['schemas.cache.config']);
    }
    let avro: AvroJson;
    try {
      avro = parseAvroJson(text);
    } catch (error) {
      return new Error(`schema id ${id} is not valid JSON: ${(error as Error).message}`);
    }
    // AvroConverter gives the top level the registry's version of the schema when it has no connect.version
    let version: number | undefined;
    if (!(typeof avro === 'object' && avro !== null && !Array.isArray(avro) && avro[CONNECT_VERSION] !== undefined)) {
      const recordName = typeof avro === 'object' && avro !== null && !Array.isArray(avro) && avro.type === 'record' ? fullNameOf(avro) : undefined;
      if (this.#strategy === STRATEGIES[0] || recordName !== undefined) {
        const subject = this.#subject(topic, recordName);
        try {
          version = (await this.#retrying(() => this.#client.lookup(subject, text))).version;
        } catch (error) {
          if (!(error instanceof RegistryError) || error.retriable) throw unavailable(`look up the version of schema id ${id} under subject "${subject}"`, error);
          // not registered under the subject this converter would name: read without a version
        }
      }
    }
    const key = `${version ?? ''}\u0000${text}`;
    let reader = this.#readersByText.get(key);
    if (reader === undefined) {
      try {
        const schema = toConnectSchema(avro, version);
        reader = { schema, type: this.#typeOf(text, avro), fromAvro: fromAvroMapper(schema) };
      } catch (error) {
        return new Error(`schema id ${id} cannot be read as a Connect schema: ${(error as Error).message}`);
      }
      remember(this.#readersByText, key, reader, this.#c['schemas.cache.config']);
    }
    return reader;
  }

  /** A registry call with retries; its failure as the TributaryError it means. */
  async #ask<T>(what: string, subject: string, call: () => Promise<T>): Promise<T> {
    try {
      return await this.#retrying(call);
    } catch (error) {
      if (!(error instanceof RegistryError) || error.retriable) throw unavailable(what, error);
      if (error.status === 409) {
        throw new TributaryError('schema.incompatible', `Schema being registered is incompatible with an earlier schema for subject "${subject}": ${error.message}. Change the schema compatibly (for example, add the column as nullable or with a default) or change the subject's compatibility level in the registry.`, { cause: error });
      }
      throw new TributaryError('schema.registry_refused', `The schema registry refused to ${what} (HTTP ${error.status}): ${error.message}`, { cause: error });
    }
  }

  #retrying<T>(call: () => Promise<T>): Promise<T> {
    return backOff(call, {
      numOfAttempts: this.#c['max.retries'] + 1,
      startingDelay: this.#c['retries.wait.ms'],
      maxDelay: this.#c['retries.max.wait.ms'],
      timeMultiple: 2,
      jitter: 'full',
      retry: (error: unknown) => error instanceof RegistryError && error.retriable,
    });
  }

  #encode(target: WriteTarget, value: unknown): Buffer {
    for (;;) {
      const buf = this.#buffer;
      buf[0] = MAGIC_BYTE;
      buf.writeInt32BE(target.id, 1);
      const end = target.type.encode(value, buf, 5);
      if (end > 0) {
        const out = Buffer.allocUnsafe(end);
        buf.copy(out, 0, 0, end);
        return out;
      }
      // too small: avsc says by how many bytes
      this.#buffer = Buffer.alloc(Math.max(buf.length * 2, buf.length - end + 5));
    }
  }
}

function idOf(bytes: Uint8Array): number {
  return ((bytes[1] << 24) | (bytes[2] << 16) | (bytes[3] << 8) | bytes[4]) | 0;
}

function fullNameOf(avro: Record<string, AvroJson>): string {
  const name = String(avro.name);
  return name.includes('.') || typeof avro.namespace !== 'string' || avro.namespace === '' ? name : `${avro.namespace}.${name}`;
}

function remember<K, V>(map: Map<K, V>, key: K, value: V, limit: number): void {
  // oldest first: schemas change rarely, so the oldest entry is the likeliest to be stale
  if (map.size >= limit) map.delete(map.keys().next().value as K);
  map.set(key, value);
}

function conversionFailed(message: string, cause?: unknown): TributaryError {
  return new TributaryError('record.conversion_failed', message, cause === undefined ? {} : { cause });
}

function unavailable(what: string, error: unknown): RetriableError {
  return new RetriableError('schema.registry_unavailable', `The schema registry could not be reached to ${what}: ${(error as Error)?.message ?? String(error)}. The task restarts with backoff and resumes from its committed offset.`, { cause: error });
}

/** An Avro schema text as JSON, integers beyond 2^53 kept exact. */
export function parseAvroJson(text: string): AvroJson {
  const convert = (node: JsonNode): AvroJson => {
    if (node instanceof JsonNumber) {
      if (!node.isInteger) return Number(node.text);
      const n = BigInt(node.text);
      return Number.isSafeInteger(Number(n)) ? Number(n) : n;
    }
    if (Array.isArray(node)) return node.map(convert);
    if (isJsonObject(node)) {
      const out: Record<string, AvroJson> = {};
      for (const [k, v] of Object.entries(node)) out[k] = convert(v);
      return out;
    }
    return node;
  };
  return convert(parseExactJson(text));
}

/** Parses the converter's own properties, throwing config.invalid with every problem listed. */
export function parseAvroConverterConfig(raw: RawConfig): AvroConverterConfig {
  return parseConverterConfig('AvroConverter', avroConverterSpec, raw);
}

/** The REST registry client a config names: credentials from basic.auth.user.info, or from the URLs. */
export function registryClientOf(config: AvroConverterConfig): SchemaRegistryClient {
  let auth: { username: string; password: string } | undefined;
  const urls = config['schema.registry.url'].map((u) => {
    const url = new URL(u);
    if (config['basic.auth.credentials.source'] === 'URL' && url.username !== '') auth ??= { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
    url.username = '';
    url.password = '';
    return url.toString();
  });
  if (config['basic.auth.credentials.source'] === 'USER_INFO') {
    const info = config['basic.auth.user.info'];
    const colon = info.indexOf(':');
    auth = { username: info.slice(0, colon), password: info.slice(colon + 1) };
  }
  return new RestSchemaRegistryClient({ urls, requestTimeoutMs: config['http.read.timeout.ms'], ...(auth ? { auth } : {}) });
}

export const avroConverterPlugin: ConverterPlugin = Object.freeze({
  name: 'AvroConverter',
  aliases: Object.freeze(['io.confluent.connect.avro.AvroConverter', 'avro']),
  version: '0.1.0',
  configSpec: avroConverterSpec,
  create: (raw: RawConfig, isKey: boolean) => {
    const config = parseAvroConverterConfig(raw);
    return new AvroConverter(config, isKey, registryClientOf(config));
  },
});
