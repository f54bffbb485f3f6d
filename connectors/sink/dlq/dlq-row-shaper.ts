import { Schemas, schemaFingerprint, toJsonText, type SinkRecord } from '../../../plugins/api/index.js';
import { RAW_JSON } from '../files/format/json-record-writer.js';
import type { RowShape, Shaper } from '../files/row-shaper.js';

const rawJson = () => Schemas.string({ optional: true, name: RAW_JSON });
const text = () => Schemas.string({ optional: true });

/** Kafka Connect's error-context headers, lifted into columns so a reader can filter on them. */
const ERROR_HEADERS = {
  errors_topic: '__connect.errors.topic',
  errors_partition: '__connect.errors.partition',
  errors_offset: '__connect.errors.offset',
  errors_position: '__connect.errors.position',
  errors_connector: '__connect.errors.connector.name',
  errors_task: '__connect.errors.task.id',
  errors_stage: '__connect.errors.stage',
  errors_class: '__connect.errors.class.name',
  errors_exception: '__connect.errors.exception.class.name',
  errors_message: '__connect.errors.exception.message',
} as const;

const schema = Schemas.struct([
  Schemas.field('topic', Schemas.string()),
  Schemas.field('partition', Schemas.int32()),
  Schemas.field('position', Schemas.string()),
  Schemas.field('id', Schemas.string()),
  Schemas.field('timestamp', Schemas.int64()),
  ...Object.keys(ERROR_HEADERS).map((name) => Schemas.field(name, text())),
  Schemas.field('key', rawJson()),
  Schemas.field('value', rawJson()),
  Schemas.field('headers', rawJson()),
]);

/**
 * One JSON line per dead letter: where it sat on the DLQ topic, the error context (from the
 * `__connect.errors.*` headers, as Kafka Connect writes them), and the dead-letter key, value
 * (the original record with its error context) and headers as exact JSON.
 */
export const dlqShape: RowShape = {
  schema,
  fingerprint: schemaFingerprint(schema),
  values(record: SinkRecord): unknown[] {
    const headers = record.headers ?? {};
    return [
      record.topic,
      record.partition,
      record.position,
      record.id,
      record.timestamp,
      ...Object.values(ERROR_HEADERS).map((h) => headers[h] ?? null),
      toJsonText(record.key, record.keySchema),
      toJsonText(record.value, record.valueSchema),
      toJsonText(headers),
    ];
  },
};

export const dlqShaper: Shaper = { shape: () => dlqShape };
