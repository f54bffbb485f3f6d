import type { RawConfig, SourceOffset } from '../../../../plugins/api/index.js';
import { SourceTaskDriver } from '../../../../plugins/testing/index.js';
import { postgresConfigSpec, type PostgresConfig } from '../postgres-config-spec.js';
import { PostgresSourceTask } from '../postgres-source-task.js';

/** The toolkit's task driver over a PostgresSourceTask (its partition is `{ server: topic.prefix }`). */
export class TaskDriver extends SourceTaskDriver<PostgresConfig> {
  declare task: PostgresSourceTask;

  constructor(raw: RawConfig, stored: SourceOffset | null = null, taskId = 0) {
    super({ task: new PostgresSourceTask(), spec: postgresConfigSpec, raw, stored, partition: { server: raw['topic.prefix'] }, connectorName: 'pg-test', taskId });
  }
}

/** The properties for a test database on the harness server. */
export function testConfig(port: number, database: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'topic.prefix': `srv_${database}`,
    'database.hostname': '127.0.0.1',
    'database.port': String(port),
    'database.user': 'postgres',
    'database.password': '',
    'database.dbname': database,
    'slot.name': `slot_${database}`.slice(0, 63),
    'publication.name': `pub_${database}`,
    'poll.interval.ms': '100',
    ...extra,
  };
}
