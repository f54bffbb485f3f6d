import type { MessageToProduce } from '@platformatic/kafka';
import type { SinkRecord, SourceRecord } from '../../../plugins/api/index.js';
import type { RecordConverters } from '../../converters/connector-converters.js';
import type { FetchedRecord } from '../../kafka/partition-fetcher.js';
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
 * A fetched Kafka record as a sink record. Its position is its offset, zero-padded so it sorts
 * (per topic partition, which is what a sink orders by); its id is topic/partition/offset, unique
 * and the same on every replay. So the files sink names files by topic, partition and start
 * offset, as Confluent's S3 sink does.
 */
export function toSinkRecord(fetched: FetchedRecord, converters: RecordConverters): SinkRecord {
  const key = converters.key.toConnectData(fetched.topic, fetched.key);
  const value = converters.value.toConnectData(fetched.topic, fetched.value);
  const position = fetched.offset.toString().padStart(POSITION_DIGITS, '0');
  let headers: Record<string, string> | undefined;
  for (const [k, v] of fetched.headers) {
    if (!k) continue;
    const name = k.toString('utf8');
    if (name === SOURCE_HEADER || name === POSITION_HEADER) continue;
    (headers ??= {})[name] = v ? v.toString('utf8') : '';
  }
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
    position,
    id: `${fetched.topic}/${fetched.partition}/${fetched.offset}`,
  };
}

/** Bytes a message holds, for the producer's in-flight budget. */
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
