export { oceanbaseConnector as default, oceanbaseConnector, oceanbaseConnectorWith, mysql2Deps } from './oceanbase-connector.js';
export { oceanbaseConfigSpec, type OceanBaseConfig } from './oceanbase-config-spec.js';
