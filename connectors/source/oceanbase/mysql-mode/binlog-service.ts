import { parseConfig, TributaryError, type RawConfig, type SourceTask, type SourceTaskContext } from '../../../../plugins/api/index.js';
import { mysqlConfigSpec, type MySqlConfig } from '../../mysql/index.js';
import { MySqlSourceTask } from '../../mysql/mysql-source-task.js';
import { loginUser, type OceanBaseConfig } from '../oceanbase-config-spec.js';

/**
 * MySQL mode: the MySQL binlog source itself, pointed at the tenant's Binlog Service through
 * ODP (there is no second binlog reader). The OceanBase properties are translated into the
 * mysql source's: the login becomes `user@tenant#cluster`, `database.dbname` the database
 * filter, and the rest keeps its Debezium name.
 */
export function binlogServiceConfig(config: OceanBaseConfig): RawConfig {
  const out: Record<string, string> = {
    'topic.prefix': config['topic.prefix'],
    'database.hostname': config['database.hostname'],
    'database.port': String(config['database.port']),
    'database.user': loginUser(config),
    'database.password': config['database.password'],
    'database.server.id': String(config['database.server.id']),
    'snapshot.mode': config['snapshot.mode'],
    'tombstones.on.delete': String(config['tombstones.on.delete']),
    'decimal.handling.mode': config['decimal.handling.mode'],
    'heartbeat.interval.ms': String(config['heartbeat.interval.ms']),
    'heartbeat.topics.prefix': config['heartbeat.topics.prefix'],
    'max.queue.size': String(config['max.queue.size']),
    'max.batch.size': String(config['max.batch.size']),
    'poll.interval.ms': String(Math.min(config['poll.interval.ms'], 1000)),
    'retriable.restart.connector.wait.ms': String(config['reconnect.backoff.max.ms']),
    // the Binlog Service's snapshot goes through ODP, which has no FLUSH TABLES WITH READ LOCK
    'snapshot.locking.mode': 'none',
  };
  if (config['database.dbname']) out['database.include.list'] = config['database.dbname'];
  if (config['table.include.list']) out['table.include.list'] = config['table.include.list'].join(',');
  if (config['table.exclude.list']) out['table.exclude.list'] = config['table.exclude.list'].join(',');
  return out;
}

/** A source task that runs the mysql source's task on the translated config. */
export class BinlogServiceTask implements SourceTask<OceanBaseConfig> {
  readonly #inner = new MySqlSourceTask('mysql');

  async start(context: SourceTaskContext<OceanBaseConfig>): Promise<void> {
    const raw = binlogServiceConfig(context.config);
    const parsed = parseConfig(mysqlConfigSpec, raw);
    if (!parsed.ok) throw new TributaryError('config.invalid', `The MySQL-mode settings do not make a valid binlog source config: ${JSON.stringify(parsed.errors)}`);
    await this.#inner.start({ ...context, config: parsed.value as MySqlConfig, rawConfig: raw } as unknown as SourceTaskContext<MySqlConfig>);
  }

  poll(signal: AbortSignal) {
    return this.#inner.poll(signal);
  }

  stop(): Promise<void> {
    return this.#inner.stop();
  }
}
