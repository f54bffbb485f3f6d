import { defineConfigSpec, prop, type ConfigOf } from '../../../plugins/api/index.js';
import { filesSinkSpec } from '../files/files-sink-config.js';

const {
  format: _format, 'format.class': _formatClass, 'value.layout': _layout, 'parquet.codec': _codec,
  'parquet.row.group.size': _rowGroup, 'format.encoder.thread': _encoderThread, 'csv.delimiter': _delimiter, 'csv.null.value': _null, 'csv.header': _header,
  'json.decimal.format': _decimal, 'topics.dir': _topicsDir, 'rotate.interval.ms': _interval,
  ...shared
} = filesSinkSpec.properties;

/**
 * The dlq sink's properties: the files sink's storage, rotation and partitioning properties
 * (one storage layer, one set of names to learn), without the format choice: dead letters are
 * always JSON lines, optionally gzipped.
 */
export const dlqSinkSpec = defineConfigSpec(
  {
    ...shared,
    'topics.dir': prop.string({ doc: 'Top-level directory (key prefix) under the store root.', default: 'dlq', group: 'Storage' }),
    // dead letters are rare: a short interval lands them soon after they happen
    'rotate.interval.ms': prop.long({ doc: 'Close a file when a record arrives this far (record time) past its first record; an idle file closes once wall-clock time passes that point. 0 disables.', default: 60_000, min: 0, group: 'Rotation' }),
  },
  (v, issues, raw) => filesSinkSpec.refine?.({ ...v, format: 'json', 'value.layout': 'flat' } as never, issues, raw),
);

export type DlqSinkConfig = ConfigOf<typeof dlqSinkSpec.properties>;
