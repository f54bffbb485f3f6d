import { API_VERSION, defineConnector, type Connector } from '../../../plugins/api/index.js';
import { checkOracleOffsets } from './offset-check.js';
import { oracleConfigSpec } from './oracle-config-spec.js';
import { OracleSourceTask } from './oracle-source-task.js';
import { validateOracle } from './oracle-validator.js';
import { oracleDbSessions, type SessionFactory } from './session-factory.js';
import { CONNECTOR_VERSION } from './source-info.js';

/** The connector over a session factory (tests pass the fake LogMiner). */
export function oracleConnectorWith(sessions: SessionFactory): Connector {
  return defineConnector({
    name: 'oracle',
    aliases: ['io.debezium.connector.oracle.OracleConnector'],
    kind: 'source',
    version: CONNECTOR_VERSION,
    apiVersion: API_VERSION,
    description: 'Oracle change data capture with LogMiner (Debezium\'s buffered adapter, online catalog) over oracledb Thin mode: an AS OF SCN snapshot, then redo mining with per-transaction buffers, Debezium-compatible events, offsets and properties. Tested against a scripted LogMiner fake only (see the README).',
    configSpec: oracleConfigSpec,
    validate: (config) => validateOracle(config, sessions),
    alterOffsets: (config, _raw, offsets) => checkOracleOffsets(config, offsets),
    // one task: the redo is one ordered stream
    taskConfigs: (_config, raw) => [{ ...raw }],
    createTask: () => new OracleSourceTask(sessions),
  });
}

/**
 * The Oracle CDC source: `io.debezium.connector.oracle.OracleConnector`, alias `oracle`.
 */
export const oracleConnector: Connector = oracleConnectorWith(oracleDbSessions);

export default oracleConnector;
