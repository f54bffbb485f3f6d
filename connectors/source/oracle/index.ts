export { oracleConnector as default, oracleConnector, oracleConnectorWith } from './oracle-connector.js';
export { oracleConfigSpec, type OracleConfig } from './oracle-config-spec.js';
