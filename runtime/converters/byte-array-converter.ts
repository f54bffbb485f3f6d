import { defineConfigSpec, Schemas, TributaryError, type Schema } from '../../plugins/api/index.js';
import type { Converter, ConverterPlugin, SchemaAndValue } from './converter.js';

const OPTIONAL_BYTES: Schema = Schemas.optional(Schemas.bytes());

/**
 * Kafka Connect's ByteArrayConverter: bytes pass through unchanged both ways, as optional bytes —
 * for topics whose payload a sink stores as it is, or a format no converter here reads.
 */
export class ByteArrayConverter implements Converter {
  fromConnectData(_topic: string, _schema: Schema | null, value: unknown): Buffer | null {
    if (value === null || value === undefined) return null;
    if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    throw new TributaryError('record.conversion_failed', `ByteArrayConverter writes bytes only; got ${typeof value}.`);
  }

  toConnectData(_topic: string, bytes: Uint8Array | null): SchemaAndValue {
    return { schema: OPTIONAL_BYTES, value: bytes === null ? null : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
  }
}

export const byteArrayConverterPlugin: ConverterPlugin = Object.freeze({
  name: 'ByteArrayConverter',
  aliases: Object.freeze(['org.apache.kafka.connect.converters.ByteArrayConverter', 'bytes']),
  version: '0.1.0',
  configSpec: defineConfigSpec({}),
  create: () => new ByteArrayConverter(),
});
