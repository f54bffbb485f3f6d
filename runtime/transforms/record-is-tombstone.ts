import { defineConfigSpec, type ConnectRecord } from '../../plugins/api/index.js';
import type { Predicate } from './transform.js';
import { definePredicatePlugin } from './transform-support.js';

/** Kafka Connect's RecordIsTombstone: true when the value is null (a tombstone after a delete). */
export class RecordIsTombstone implements Predicate {
  test(record: ConnectRecord): boolean {
    return record.value === null || record.value === undefined;
  }
}

export const recordIsTombstonePlugin = definePredicatePlugin({
  name: 'RecordIsTombstone',
  aliases: ['org.apache.kafka.connect.transforms.predicates.RecordIsTombstone'],
  configSpec: defineConfigSpec({}),
  create: () => new RecordIsTombstone(),
});
