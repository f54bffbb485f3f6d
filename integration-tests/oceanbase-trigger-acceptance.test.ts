import type { RawConfig, SourceOffset, SourceTask } from '../plugins/api/index.js';
import { sourceAcceptanceSuite, SourceTaskDriver } from '../plugins/testing/index.js';
import { oceanbaseConfigSpec } from '../connectors/source/oceanbase/oceanbase-config-spec.js';
import { oceanbaseConnectorWith } from '../connectors/source/oceanbase/oceanbase-connector.js';
import type { OceanBaseDeps } from '../connectors/source/oceanbase/oceanbase-source-task.js';
import { openMysql2Client } from '../connectors/source/oceanbase/mysql2-sql-client.js';
import { mysqlCatalog } from '../connectors/source/oceanbase/sql-catalog.js';
import { sharedMariaDb, type MariaDbServer } from './harness/mariadb-server.js';

/**
 * The shared acceptance suite (plugins/testing) for the OceanBase source's trigger mode, on a real
 * MariaDB (the MySQL dialect; the Oracle-mode dialect has no server here): the snapshot in one
 * consistent read with writes beside it, then the change table; resume from a stored offset; a
 * kill inside the snapshot before any commit; types from the snapshot and from the triggers.
 */
let server: MariaDbServer;
let n = 0;

const deps = (database: string): OceanBaseDeps => ({
  sql: (config) => openMysql2Client(config, { plainUser: true, database }),
  catalog: (_config, client) => mysqlCatalog(client, database),
});

sourceAcceptanceSuite({
  name: 'oceanbase source, capture.mode=trigger (MariaDB)',
  spec: oceanbaseConfigSpec,
  requiredProperties: ['topic.prefix', 'database.compatibility.mode', 'database.hostname', 'database.user', 'database.tenant'],
  typeCases: [
    { type: 'DECIMAL(12,3)', literal: '-1234.5', expected: '-1234.500' },
    { type: 'BIGINT', literal: '9007199254740993', expected: 9007199254740993n },
    { type: "VARCHAR(20) CHARACTER SET utf8mb4", literal: "'naïve ☃'", expected: 'naïve ☃' },
    { type: 'DATETIME(6)', literal: "'2024-02-29 23:59:59.123456'", expected: Date.UTC(2024, 1, 29, 23, 59, 59) * 1000 + 123456 },
    { type: 'VARBINARY(4)', literal: '0x00ff', expected: Buffer.from([0, 0xff]) },
  ],
  async start() {
    server = await sharedMariaDb();
  },
  async stop() {},
  async database(prefix) {
    const db = await server.createDatabase(prefix);
    const c = server.connection(db);
    const topicPrefix = `obacc${++n}`;
    const config: RawConfig = {
      'topic.prefix': topicPrefix, 'database.compatibility.mode': 'mysql', 'capture.mode': 'trigger', 'database.hostname': c.host, 'database.port': String(c.port),
      'database.user': c.user, 'database.password': c.password, 'database.tenant': 'mysql_t', 'database.dbname': db, 'table.include.list': `${db}\\..*`,
      'trigger.install': 'true', 'snapshot.mode': 'initial', 'poll.interval.ms': '100',
    };
    return {
      config,
      exec: async (sql) => void (await server.query(db, sql)),
      rows: async (table) => (await server.query<{ id: number; name: string; qty: number }>(db, `SELECT id, name, qty FROM ${table}`)).map((r) => ({ id: Number(r.id), name: String(r.name), qty: Number(r.qty) })),
      topic: (table) => `${topicPrefix}.${db}.${table}`,
    };
  },
  driver: (config: RawConfig, stored?: SourceOffset | null) =>
    new SourceTaskDriver({ task: oceanbaseConnectorWith(deps(config['database.dbname'])).createTask() as SourceTask, spec: oceanbaseConfigSpec, raw: config, stored: stored ?? null, partition: { server: config['topic.prefix'] } }),
});
