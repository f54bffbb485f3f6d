export { mysqlConnector as default, mysqlConnector, mariadbConnector } from './mysql-connector.js';
export { mysqlConfigSpec, type MySqlConfig } from './mysql-config-spec.js';
