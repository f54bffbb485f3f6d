import type { SinkRecord } from '../../../../plugins/api/index.js';
import type { PartitionerKind } from '../files-sink-config.js';
import { FieldPartitioner } from './field-partitioner.js';
import { TimePartitioner } from './time-partitioner.js';

/**
 * Decides the directory (the "encoded partition") a record's file lives in, below
 * `<topics.dir>/<topic>/`. It must depend only on the record (and, for `time`, its timestamp)
 * so that a replay puts every record back in the same directory.
 */
export interface Partitioner {
  encodePartition(record: SinkRecord, timestampMs: number): string;
}

export class DefaultPartitioner implements Partitioner {
  readonly #names: string[] = [];

  encodePartition(record: SinkRecord): string {
    return (this.#names[record.partition] ??= `partition=${record.partition}`);
  }
}

export interface PartitionerSettings {
  kind: PartitionerKind;
  pathFormat: string;
  timezone: string;
  durationMs: number;
  fieldNames: readonly string[];
}

export function createPartitioner(s: PartitionerSettings): Partitioner {
  switch (s.kind) {
    case 'default':
      return new DefaultPartitioner();
    case 'field':
      return new FieldPartitioner(s.fieldNames);
    case 'hourly':
      // Confluent's HourlyPartitioner: fixed format and one-hour buckets
      return new TimePartitioner("'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH", s.timezone, 3_600_000);
    case 'daily':
      return new TimePartitioner("'year'=YYYY/'month'=MM/'day'=dd", s.timezone, 86_400_000);
    case 'time':
      return new TimePartitioner(s.pathFormat, s.timezone, s.durationMs);
  }
}
