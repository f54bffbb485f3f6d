import type { RawConfig, SourceOffset } from '../../../../plugins/api/index.js';
import { SourceTaskDriver } from '../../../../plugins/testing/index.js';
import type { OracleColumn } from '../../../shared/oracle-types/column-types.js';
import { oracleConfigSpec, type OracleConfig } from '../oracle-config-spec.js';
import { OracleSourceTask } from '../oracle-source-task.js';
import type { SessionFactory } from '../session-factory.js';
import { FakeLogMinerSession } from './fake-logminer-session.js';
import type { FakeOracle } from './fake-oracle.js';

/** Sessions on the fake: every session the connector opens is a new FakeLogMinerSession on `db`. */
export function fakeSessions(db: FakeOracle, opened: FakeLogMinerSession[] = []): SessionFactory {
  return async (_config: OracleConfig) => {
    const session = new FakeLogMinerSession(db);
    opened.push(session);
    return session;
  };
}

/** A connector config for the fake, with short pauses so tests run quickly. */
export function fakeConfig(overrides: Record<string, string> = {}): RawConfig {
  return {
    'topic.prefix': 'ora', 'database.hostname': 'fake.invalid', 'database.user': 'c##dbzuser', 'database.password': 'x', 'database.dbname': 'ORCLCDB',
    'log.mining.sleep.time.min.ms': '0', 'log.mining.sleep.time.default.ms': '10', 'log.mining.sleep.time.max.ms': '20', 'log.mining.sleep.time.increment.ms': '5',
    'log.mining.batch.size.min': '5', 'log.mining.batch.size.default': '50', 'log.mining.batch.size.max': '500', 'log.mining.batch.size.increment': '5', 'poll.interval.ms': '50',
    ...overrides,
  };
}

export class OracleFakeDriver extends SourceTaskDriver<OracleConfig> {
  constructor(db: FakeOracle, raw: RawConfig, stored: SourceOffset | null = null, opened: FakeLogMinerSession[] = []) {
    super({ task: new OracleSourceTask(fakeSessions(db, opened)), spec: oracleConfigSpec, raw, stored, partition: { server: raw['topic.prefix'] }, connectorName: 'oracle-test' });
  }
}

export const col = (name: string, dataType: string, precision: number | null = null, scale: number | null = null, nullable = true): OracleColumn => ({ name, dataType, precision, scale, nullable });

/** `ID NUMBER(10) PRIMARY KEY, NAME VARCHAR2(4000), QTY NUMBER(10,2)` */
export function itemsTable(db: FakeOracle, owner = 'APP', name = 'ITEMS') {
  return db.createTable(owner, name, [col('ID', 'NUMBER', 10, 0, false), col('NAME', 'VARCHAR2'), col('QTY', 'NUMBER', 10, 2)], ['ID']);
}

type Row = Record<string, unknown>;

/** what a test compares of a change record: op, key and the after/before images */
export function summary(r: { topic: string; key: unknown; value: unknown }): Row {
  if (r.value === null) return { topic: r.topic, tombstone: r.key };
  const v = r.value as { op: string; before: Row | null; after: Row | null };
  return { topic: r.topic, op: v.op, before: v.before, after: v.after };
}
