import type { SourcePartition } from '../../../plugins/api/index.js';
import type { HeartbeatSettings } from '../../../plugins/cdc/index.js';
import { replicaServerId, type MySqlConfig } from './mysql-config-spec.js';
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

/** The record settings of a task of `config`, reading from the server whose `server_id` is `sourceServerId`. */
export function recordSettings(config: MySqlConfig, flavour: ConnectorFlavour, sourceServerId: number): RecordSettings {
  return {
    flavour, serverName: config['topic.prefix'], heartbeatTopic: `${config['heartbeat.topics.prefix']}.${config['topic.prefix']}`,
    partition: Object.freeze({ server: config['topic.prefix'] }), serverId: replicaServerId(config), sourceServerId, tombstones: config['tombstones.on.delete'],
    includeQuery: config['include.query'], includeSchemaChanges: config['include.schema.changes'],
  };
}
