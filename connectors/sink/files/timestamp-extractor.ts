import { fieldOf, rowSchemaOf, TributaryError, type Schema, type SinkRecord } from '../../../plugins/api/index.js';
import { timeOfValue } from './format/value-conversions.js';
import { rowImage } from './row-shaper.js';

export type TimestampExtractorKind = 'Record' | 'RecordField' | 'Wallclock';

/**
 * Confluent's timestamp extractors. `Record` (the default) is the record timestamp, the
 * database commit time for CDC records: deterministic, so replays fall into the same files.
 * `RecordField` reads a row field (epoch ms, Debezium Date/MicroTimestamp, ISO-8601 text).
 * `Wallclock` is the time of writing and makes file boundaries depend on when the sink ran.
 */
export function timestampExtractor(kind: TimestampExtractorKind, field: string | undefined, now: () => number): (record: SinkRecord) => number {
  if (kind === 'Wallclock') return () => now();
  if (kind === 'Record') return (record) => record.timestamp;
  const logicalNames = new WeakMap<Schema, string | undefined>();
  return (record) => {
    let logical: string | undefined;
    if (record.valueSchema) {
      if (logicalNames.has(record.valueSchema)) logical = logicalNames.get(record.valueSchema);
      else {
        const row = record.valueSchema.fields?.some((f) => f.name === 'after') ? rowSchemaOf(record.valueSchema) : record.valueSchema;
        logical = row ? fieldOf(row, field!)?.schema.name : undefined;
        logicalNames.set(record.valueSchema, logical);
      }
    }
    const t = timeOfValue(rowImage(record)?.[field!], logical);
    if (t === undefined || !Number.isFinite(t)) {
      throw new TributaryError('record.conversion_failed', `Record ${record.id} has no usable time in field ${field} (timestamp.extractor=RecordField).`);
    }
    return t;
  };
}
