import { API_VERSION, defineConnector, type Connector, type SourceTask } from '../../../plugins/api/index.js';
import { BinlogServiceTask } from './mysql-mode/binlog-service.js';
import { captureModeOf, defaultSchema, oceanbaseConfigSpec, type OceanBaseConfig } from './oceanbase-config-spec.js';
import { OceanBaseSourceTask, type OceanBaseDeps } from './oceanbase-source-task.js';
import { validateOceanBase } from './oceanbase-validator.js';
import { openMysql2Client } from './mysql2-sql-client.js';
import { mysqlCatalog, oracleCatalog } from './sql-catalog.js';
import { CONNECTOR_VERSION } from './source-info.js';

/** mysql2 to the tenant, the dialect's catalog */
export const mysql2Deps: OceanBaseDeps = {
  sql: (config) => openMysql2Client(config),
  catalog: (config, client) => (config['database.compatibility.mode'] === 'oracle' ? oracleCatalog(client) : mysqlCatalog(client, defaultSchema(config))),
};

/**
 * The task for a config: MySQL mode's binlog runs the mysql source's task; everything else
 * (Oracle mode's three capture modes, MySQL mode's triggers) the OceanBase task. Which one is
 * known only once the task's config is parsed, so the chosen task is created in `start`.
 */
class OceanBaseTaskSwitch implements SourceTask<OceanBaseConfig> {
  #inner: SourceTask<OceanBaseConfig> | null = null;

  constructor(readonly deps: OceanBaseDeps) {}

  start(context: Parameters<SourceTask<OceanBaseConfig>['start']>[0]) {
    this.#inner = captureModeOf(context.config) === 'binlog' ? new BinlogServiceTask() : new OceanBaseSourceTask(this.deps);
    return this.#inner.start(context);
  }

  poll(signal: AbortSignal) {
    return this.#inner!.poll(signal);
  }

  async commit(committed: Parameters<NonNullable<SourceTask['commit']>>[0]) {
    await this.#inner?.commit?.(committed);
  }

  async stop() {
    await this.#inner?.stop();
  }
}

/** The connector over injected connections (tests pass fakes). */
export function oceanbaseConnectorWith(deps: OceanBaseDeps): Connector {
  return defineConnector({
    name: 'oceanbase',
    aliases: ['io.tributary.connector.oceanbase.OceanBaseConnector'],
    kind: 'source',
    version: CONNECTOR_VERSION,
    apiVersion: API_VERSION,
    description: 'OceanBase change data capture. MySQL mode: the mysql binlog source against the tenant\'s Binlog Service (through ODP). Oracle mode: capture.mode=logproxy (Log Proxy CDC client, EXPERIMENTAL: tested only against our own fake Log Proxy), trigger (triggers and a change table; protocol run against a real MariaDB, Oracle-mode DDL only as golden text) or query (ORA_ROWSCN / timestamp+incrementing reads, replayed from recorded result sets). No OceanBase server was available: see the README.',
    configSpec: oceanbaseConfigSpec,
    validate: (config) => validateOceanBase(config, deps),
    // one task: one log stream, one change table, one cursor
    taskConfigs: (_config, raw) => [{ ...raw }],
    createTask: () => new OceanBaseTaskSwitch(deps),
  });
}

export const oceanbaseConnector: Connector = oceanbaseConnectorWith(mysql2Deps);

export default oceanbaseConnector;
