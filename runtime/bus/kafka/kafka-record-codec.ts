import type { MessageToProduce } from '@platformatic/kafka';
import type { SinkRecord, SourceRecord } from '../../../plugins/api/index.js';
import type { RecordConverters } from '../../converters/connector-converters.js';
import type { FetchedRecord } from '../../kafka/partition-fetcher.js';
import type { UnreadableRecord } from '../bus.js';
import { POSITION_HEADER, SOURCE_HEADER } from './replay-filter.js';

export type KafkaMessage = MessageToProduce<Buffer, Buffer, Buffer, Buffer>;

/**
 * A source record as a Kafka message: key and value through the connector's converters, the
 * record's timestamp, its headers as UTF-8, and the source connector and the record's position
 * (`tributary.source`, `tributary.position`: sinks skip a restarted source's resends by them,
 * replay-filter.ts). The partition is left to Kafka's Java-compatible partitioner over the key
 * bytes, so a key lands where Kafka Connect would put it.
 */
export function toKafkaMessage(record: SourceRecord, converters: RecordConverters, source: Buffer): KafkaMessage {
  const key = converters.key.fromConnectData(record.topic, record.keySchema, record.key);
  const value = converters.value.fromConnectData(record.topic, record.valueSchema, record.value);
  const message: KafkaMessage = { topic: record.topic, timestamp: BigInt(record.timestamp) };
  if (key !== null) message.key = key;
  if (value !== null) message.value = value;
  // header keys are bytes too: the producer has no serializer for them
  const headers = new Map<Buffer, Buffer>();
  if (record.headers) for (const [k, v] of Object.entries(record.headers)) headers.set(Buffer.from(k, 'utf8'), Buffer.from(v, 'utf8'));
  headers.set(SOURCE_KEY, source);
  headers.set(POSITION_KEY, Buffer.from(record.position, 'latin1'));
  message.headers = headers;
  return message;
}

const POSITION_DIGITS = 20;
const SOURCE_KEY = Buffer.from(SOURCE_HEADER, 'latin1');
const POSITION_KEY = Buffer.from(POSITION_HEADER, 'latin1');

/**
 * A fetched Kafka record as a sink record. Its position is the source position a Tributary source
 * wrote with it (`origin`), so the lake holds the same `__source_pos` as in standalone mode, or
 * else its offset, zero-padded so it sorts; either sorts in offset order within a topic
 * partition (resends skipped), which is what a sink orders by. Its id is topic/partition/offset,
 * unique and the same on every replay. So the files sink names files by topic, partition and the
 * first record's position, the same on every replay, as Confluent's S3 sink does with offsets.
 */
export function toSinkRecord(fetched: FetchedRecord, converters: RecordConverters, origin?: { position: string }): SinkRecord {
  let stage: UnreadableRecord['unreadable']['stage'] = 'KEY_CONVERTER';
  try {
    const key = converters.key.toConnectData(fetched.topic, fetched.key);
    stage = 'VALUE_CONVERTER';
    const value = converters.value.toConnectData(fetched.topic, fetched.value);
    stage = 'HEADER_CONVERTER';
    const headers = headersOf(fetched);
    // one literal (no spreads): this runs for every record a sink reads
    return {
      topic: fetched.topic,
      partition: fetched.partition,
      offset: Number(fetched.offset),
      keySchema: key.schema,
      key: key.value,
      valueSchema: value.schema,
      value: value.value,
      timestamp: Number(fetched.timestamp),
      ...(headers ? { headers } : {}),
      position: positionOf(fetched, origin),
      id: `${fetched.topic}/${fetched.partition}/${fetched.offset}`,
    };
  } catch (error) {
    const unreadable: UnreadableRecord = {
      topic: fetched.topic, partition: fetched.partition, offset: Number(fetched.offset),
      keySchema: null, key: null, valueSchema: null, value: null, timestamp: Number(fetched.timestamp),
      position: positionOf(fetched, origin), id: `${fetched.topic}/${fetched.partition}/${fetched.offset}`,
      unreadable: { stage, error },
    };
    return unreadable;
  }
}

function positionOf(fetched: FetchedRecord, origin: { position: string } | undefined): string {
  return origin?.position ?? fetched.offset.toString().padStart(POSITION_DIGITS, '0');
}

/** The record's headers as UTF-8 text, without Tributary's own. */
function headersOf(fetched: FetchedRecord): Record<string, string> | undefined {
  let headers: Record<string, string> | undefined;
  for (const [k, v] of fetched.headers) {
    if (!k) continue;
    const name = k.toString('utf8');
    if (name === SOURCE_HEADER || name === POSITION_HEADER) continue;
    (headers ??= {})[name] = v ? v.toString('utf8') : '';
  }
  return headers;
}

/**
 * A dead letter as Kafka Connect's DeadLetterQueueReporter writes a sink's: the consumed record's
 * own key and value bytes (not converted again, so a record no converter could read is kept as
 * it was) when `raw` is known, else the letter converted; the letter's headers (the original's
 * and the error context). No `tributary.*` headers: dead letters are not a source's stream, so a
 * sink reading the dead-letter topic takes each of them.
 */
export function toDeadLetterMessage(letter: SourceRecord, raw: FetchedRecord | undefined, converters: RecordConverters): KafkaMessage {
  const key = raw ? raw.key : converters.key.fromConnectData(letter.topic, letter.keySchema, letter.key);
  const value = raw ? raw.value : converters.value.fromConnectData(letter.topic, letter.valueSchema, letter.value);
  const message: KafkaMessage = { topic: letter.topic, timestamp: BigInt(letter.timestamp) };
  if (key !== null) message.key = key;
  if (value !== null) message.value = value;
  const headers = new Map<Buffer, Buffer>();
  if (raw) {
    // the consumed headers as they were, then the error context
    for (const [k, v] of raw.headers) {
      if (!k || isTributaryHeader(k)) continue;
      headers.set(k, v ?? Buffer.alloc(0));
    }
    for (const [k, v] of Object.entries(letter.headers ?? {})) if (k.startsWith(ERROR_HEADER_PREFIX)) headers.set(Buffer.from(k, 'utf8'), Buffer.from(v, 'utf8'));
  } else {
    for (const [k, v] of Object.entries(letter.headers ?? {})) headers.set(Buffer.from(k, 'utf8'), Buffer.from(v, 'utf8'));
  }
  message.headers = headers;
  return message;
}

const ERROR_HEADER_PREFIX = '__connect.errors.';

function isTributaryHeader(k: Buffer): boolean {
  return (k.length === SOURCE_HEADER.length && k.toString('latin1') === SOURCE_HEADER) || (k.length === POSITION_HEADER.length && k.toString('latin1') === POSITION_HEADER);
}

/**
 * What a queued message holds in memory beyond its bytes: the message object, its key, value and
 * header Buffers and the headers' Map (measured on Node 20: about 470 bytes for a record with
 * Tributary's two headers). Kafka's Java producer counts its compact record batches against
 * `buffer.memory`; counting only the bytes here let a source's queue of small records hold three
 * times the setting (1 GiB of peak RSS for a worker with three datagen sources).
 */
export const QUEUED_MESSAGE_OVERHEAD = 480;

/** Bytes a message carries (a produce request's share: max.request.size). */
export function messageBytes(message: KafkaMessage): number {
  let n = (message.key?.length ?? 0) + (message.value?.length ?? 0) + message.topic.length + 16;
  if (message.headers instanceof Map) for (const [k, v] of message.headers) n += k.length + v.length;
  return n;
}

/** The source connector and position a Tributary source wrote into the record's headers, if it has them. */
export function originOf(fetched: FetchedRecord): { source: string; position: string } | undefined {
  let source: string | undefined;
  let position: string | undefined;
  for (const [k, v] of fetched.headers) {
    if (!k || !v) continue;
    if (k.length === SOURCE_HEADER.length && k.toString('latin1') === SOURCE_HEADER) source = v.toString('utf8');
    else if (k.length === POSITION_HEADER.length && k.toString('latin1') === POSITION_HEADER) position = v.toString('latin1');
  }
  return source !== undefined && position !== undefined ? { source, position } : undefined;
}
