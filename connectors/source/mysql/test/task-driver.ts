import type { RawConfig, SourceOffset } from '../../../../plugins/api/index.js';
import { SourceTaskDriver } from '../../../../plugins/testing/index.js';
import { mysqlConfigSpec, type MySqlConfig } from '../mysql-config-spec.js';
import { MySqlSourceTask } from '../mysql-source-task.js';

/** The toolkit's task driver over a MySqlSourceTask (its partition is `{ server: topic.prefix }`). */
export class MySqlTaskDriver extends SourceTaskDriver<MySqlConfig> {
  declare task: MySqlSourceTask;

  constructor(raw: RawConfig, stored: SourceOffset | null = null) {
    super({ task: new MySqlSourceTask(), spec: mysqlConfigSpec, raw, stored, partition: { server: raw['topic.prefix'] }, connectorName: 'mysql-test' });
  }
}

let replicas = 0;

/** The properties for a test database on the harness server (each with a replica id of its own). */
export function mysqlTestConfig(port: number, database: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'topic.prefix': `srv_${database}`,
    'database.hostname': '127.0.0.1',
    'database.port': String(port),
    'database.user': 'tributary',
    'database.password': 'tributary',
    'database.include.list': database,
    'database.server.id': String(100_000 + (process.pid % 10_000) * 100 + (++replicas % 100)),
    'poll.interval.ms': '100',
    ...extra,
  };
}
