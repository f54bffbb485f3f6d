import { Schemas, type Field } from '../api/index.js';

/** the values Debezium's `source.snapshot` enum allows (its SnapshotRecord names, lower case) */
export const SNAPSHOT_MARKERS = 'true,first,first_in_data_collection,last_in_data_collection,last,false,incremental';

/**
 * The fields every Debezium 3 connector's `source` block starts with, in its order
 * (CommonSourceInfoStructMaker): `snapshot` an `io.debezium.data.Enum`, `ts_us` and `ts_ns` the
 * same instant as `ts_ms` in finer units. A connector appends its own fields.
 */
export const debeziumSourceFields: readonly Field[] = [
  Schemas.field('version', Schemas.string()),
  Schemas.field('connector', Schemas.string()),
  Schemas.field('name', Schemas.string()),
  Schemas.field('ts_ms', Schemas.int64()),
  Schemas.field('snapshot', Schemas.string({ optional: true, name: 'io.debezium.data.Enum', version: 1, parameters: { allowed: SNAPSHOT_MARKERS }, defaultValue: 'false' })),
  Schemas.field('db', Schemas.string()),
  Schemas.field('sequence', Schemas.string({ optional: true })),
  Schemas.field('ts_us', Schemas.int64({ optional: true })),
  Schemas.field('ts_ns', Schemas.int64({ optional: true })),
];
