import { defineConfigSpec, prop, Schemas, TributaryError, type RawConfig, type Schema } from '../../plugins/api/index.js';
import { parseConverterConfig, type Converter, type ConverterPlugin, type SchemaAndValue } from './converter.js';

export const stringConverterSpec = defineConfigSpec({
  'converter.encoding': prop.enum(['UTF8', 'UTF-8', 'UTF16LE', 'UTF-16LE', 'ISO-8859-1', 'LATIN1', 'ASCII'], {
    doc: 'The character set of the bytes (Kafka Connect names UTF8 and UTF-8 the same).',
    default: 'UTF8',
    caseInsensitive: true,
  }),
});

const OPTIONAL_STRING: Schema = Schemas.optional(Schemas.string());

function encodingOf(name: string): BufferEncoding {
  switch (name.toUpperCase()) {
    case 'UTF16LE': case 'UTF-16LE': return 'utf16le';
    case 'ISO-8859-1': case 'LATIN1': return 'latin1';
    case 'ASCII': return 'ascii';
    default: return 'utf8';
  }
}

/**
 * Kafka Connect's StringConverter: a value is written as its text (`toString()` of whatever it
 * is, as Java's StringSerializer is handed) and read back as an optional string, so keys such as
 * `"42"` from a plain producer work with a sink.
 */
export class StringConverter implements Converter {
  readonly #encoding: BufferEncoding;

  constructor(encoding: BufferEncoding = 'utf8') {
    this.#encoding = encoding;
  }

  fromConnectData(_topic: string, _schema: Schema | null, value: unknown): Buffer | null {
    if (value === null || value === undefined) return null;
    if (typeof value === 'object' && !(value instanceof Date)) {
      throw new TributaryError('record.conversion_failed', 'StringConverter writes strings and other scalars; got a structured value. Use the JsonConverter for structs, maps and arrays.');
    }
    return Buffer.from(String(value), this.#encoding);
  }

  toConnectData(_topic: string, bytes: Uint8Array | null): SchemaAndValue {
    if (bytes === null) return { schema: OPTIONAL_STRING, value: null };
    return { schema: OPTIONAL_STRING, value: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString(this.#encoding) };
  }
}

export const stringConverterPlugin: ConverterPlugin = Object.freeze({
  name: 'StringConverter',
  aliases: Object.freeze(['org.apache.kafka.connect.storage.StringConverter', 'string']),
  version: '0.1.0',
  configSpec: stringConverterSpec,
  create: (config: RawConfig) => new StringConverter(encodingOf(parseConverterConfig('StringConverter', stringConverterSpec, config)['converter.encoding'])),
});
