import type { RawConfig, SourceOffset, SourceTask } from '../../../../plugins/api/index.js';
import { SourceTaskDriver } from '../../../../plugins/testing/index.js';
import type { OracleColumn } from '../../../shared/oracle-types/index.js';
import { oceanbaseConfigSpec } from '../oceanbase-config-spec.js';
import { oceanbaseConnectorWith } from '../oceanbase-connector.js';
import type { OceanBaseDeps } from '../oceanbase-source-task.js';
import type { TableShape } from '../oceanbase-table.js';
import type { SqlClient } from '../sql-client.js';

export const col = (name: string, dataType: string, precision: number | null = null, scale: number | null = null, nullable = true): OracleColumn => ({ name, dataType, precision, scale, nullable });

/** INVENTORY.ORDERS: the table most tests capture */
export const ordersShape: TableShape = {
  owner: 'INVENTORY', name: 'ORDERS', key: ['ID'],
  columns: [col('ID', 'NUMBER', 10, 0, false), col('NAME', 'VARCHAR2'), col('QTY', 'NUMBER', 10, 2), col('UPDATED_AT', 'TIMESTAMP(6) WITH TIME ZONE')],
};

/** deps whose catalog is a fixed list of shapes and whose SQL is `client` (a dummy by default) */
export function staticDeps(shapes: readonly TableShape[], client: () => SqlClient = () => dummyClient): OceanBaseDeps {
  return {
    sql: async () => client(),
    catalog: () => ({
      tables: async () => shapes.map((s) => ({ owner: s.owner, name: s.name })),
      describe: async (owner, name) => shapes.find((s) => s.owner === owner && s.name === name) ?? null,
    }),
  };
}

export const dummyClient: SqlClient = { query: async () => ({ rows: [], fields: [], affectedRows: 0 }), close: async () => undefined };

export function oracleConfig(overrides: Record<string, string> = {}): RawConfig {
  return {
    'topic.prefix': 'ob', 'database.compatibility.mode': 'oracle', 'database.hostname': '127.0.0.1', 'database.port': '2881',
    'database.user': 'inventory', 'database.password': 'secret', 'database.tenant': 'ora_t', 'database.dbname': 'INVENTORY',
    'snapshot.mode': 'no_data', 'poll.interval.ms': '50', 'heartbeat.interval.ms': '0', ...overrides,
  };
}

export function driverFor(deps: OceanBaseDeps, raw: RawConfig, stored: SourceOffset | null = null): SourceTaskDriver {
  return new SourceTaskDriver({ task: oceanbaseConnectorWith(deps).createTask() as SourceTask, spec: oceanbaseConfigSpec, raw, stored, partition: { server: raw['topic.prefix'] } });
}
