// The connector test kit's acceptance suite run by the PostgreSQL source on the shared server.
import { sourceAcceptanceSuite } from '../plugins/testing/index.js';
import { postgresConfigSpec } from '../connectors/source/postgres/postgres-config-spec.js';
import { TaskDriver, testConfig } from '../connectors/source/postgres/test/task-driver.js';
import { sharedPostgres, type PostgresServer } from './harness/postgres-server.js';

let server: PostgresServer;

sourceAcceptanceSuite({
  name: 'postgres source',
  spec: postgresConfigSpec,
  requiredProperties: ['topic.prefix', 'database.hostname', 'database.user', 'database.dbname'],
  start: async () => { server = await sharedPostgres(); },
  stop: async () => undefined,
  database: async (prefix) => {
    const db = await server.createDatabase(prefix);
    const config = testConfig(server.port, db);
    return {
      config,
      exec: async (sql) => void await server.query(db, sql),
      rows: (table) => server.query<{ id: number; name: string; qty: number }>(db, `SELECT id, name, qty FROM ${table}`),
      topic: (table) => `${config['topic.prefix']}.public.${table}`,
    };
  },
  driver: (config, stored) => new TaskDriver(config, stored ?? null),
  typeCases: [
    { type: 'bigint', literal: '9223372036854775807', expected: 9223372036854775807n },
    { type: 'text', literal: "'naïve ☃'", expected: 'naïve ☃' },
    { type: 'boolean', literal: 'true', expected: true },
    { type: 'date', literal: "'2024-02-29'", expected: 19782 },
  ],
});
