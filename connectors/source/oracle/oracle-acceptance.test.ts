import { sourceAcceptanceSuite } from '../../../plugins/testing/index.js';
import { oracleConfigSpec } from './oracle-config-spec.js';
import { FakeOracle } from './test/fake-oracle.js';
import { fakeConfig, OracleFakeDriver } from './test/fake-setup.js';
import { runStatement } from './test/mini-sql.js';
import { oracleTypeCases } from './test/type-cases.js';

/**
 * The shared acceptance suite (plugins/testing) run over the fake LogMiner: no Oracle server
 * exists here. Each suite database is a schema of one fake database; its statements run
 * through a small interpreter (test/mini-sql.ts) that writes the redo LogMiner would show.
 */
let db: FakeOracle;
let schemas = 0;

sourceAcceptanceSuite({
  name: 'oracle source (fake LogMiner)',
  spec: oracleConfigSpec,
  requiredProperties: ['topic.prefix', 'database.user', 'database.dbname'],
  typeCases: oracleTypeCases,
  async start() {
    db = new FakeOracle();
    // a log switch every 40 redo records, so the suite's runs also mine across archived logs
    db.autoSwitchEvery = 40;
  },
  async stop() {},
  async database(prefix) {
    const owner = `${prefix.toUpperCase()}_${++schemas}`;
    const topicPrefix = `acc${schemas}`;
    return {
      config: fakeConfig({ 'topic.prefix': topicPrefix, 'schema.include.list': owner }),
      exec: async (sql) => runStatement(db, owner, sql),
      rows: async (table) => [...db.committedRows(owner, table).values()].map((r) => ({ id: Number(r.id), name: String(r.name), qty: Number(r.qty) })),
      topic: (table) => `${topicPrefix}.${owner}.${table}`,
    };
  },
  driver: (config, stored) => new OracleFakeDriver(db, config, stored ?? null),
});
