import type { SourcePartition } from '../../../plugins/api/index.js';
import type { HeartbeatSettings } from '../../../plugins/cdc/index.js';

/** What every record of a task shares. */
export interface RecordSettings extends HeartbeatSettings {
  /** `{ server: topic.prefix }`, one frozen object for every record */
  readonly partition: SourcePartition;
  /** `source.db`: the PDB name when set, else database.dbname (upper case, as Oracle names it) */
  readonly db: string;
  readonly tombstones: boolean;
}
