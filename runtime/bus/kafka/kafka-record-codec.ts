import type { MessageToProduce } from '@platformatic/kafka';
import type { SinkRecord, SourceRecord } from '../../../plugins/api/index.js';
import type { RecordConverters } from '../../converters/connector-converters.js';
import type { FetchedRecord } from '../../kafka/partition-fetcher.js';

export type KafkaMessage = MessageToProduce<Buffer, Buffer, Buffer, Buffer>;

/**
 * A source record as a Kafka message: key and value through the connector's converters, the
 * record's timestamp, its headers as UTF-8. The partition is left to Kafka's Java-compatible
 * partitioner over the key bytes, so a key lands where Kafka Connect would put it.
 */
export function toKafkaMessage(record: SourceRecord, converters: RecordConverters): KafkaMessage {
  const key = converters.key.fromConnectData(record.topic, record.keySchema, record.key);
  const value = converters.value.fromConnectData(record.topic, record.valueSchema, record.value);
  const message: KafkaMessage = { topic: record.topic, timestamp: BigInt(record.timestamp) };
  if (key !== null) message.key = key;
  if (value !== null) message.value = value;
  if (record.headers) {
    const headers: Record<string, Buffer> = {};
    for (const [k, v] of Object.entries(record.headers)) headers[k] = Buffer.from(v, 'utf8');
    message.headers = headers;
  }
  return message;
}

const POSITION_DIGITS = 20;

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
  if (fetched.headers.length > 0) {
    headers = {};
    for (const [k, v] of fetched.headers) if (k) headers[k.toString('utf8')] = v ? v.toString('utf8') : '';
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
  if (message.headers) for (const [k, v] of Object.entries(message.headers)) n += k.length + (v as Buffer).length;
  return n;
}
