import type { SourcePartition } from '../../../plugins/api/index.js';
import type { HeartbeatSettings } from '../../../plugins/cdc/index.js';
import type { ConnectorFlavour } from './source-info.js';

/** What every record of a task shares. */
export interface RecordSettings extends HeartbeatSettings {
  readonly flavour: ConnectorFlavour;
  /** `{ server: topic.prefix }`, one frozen object for every record */
  readonly partition: SourcePartition;
  /** the replica id this connector reads the binlog with (`database.server.id`) */
  readonly serverId: number;
  /** the source server's own `server_id` (source.server_id of snapshot records) */
  readonly sourceServerId: number;
  readonly tombstones: boolean;
  readonly includeQuery: boolean;
  readonly includeSchemaChanges: boolean;
}
