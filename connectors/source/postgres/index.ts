export { postgresConnector as default, postgresConnector } from './postgres-connector.js';
export { postgresConfigSpec, type PostgresConfig } from './postgres-config-spec.js';
