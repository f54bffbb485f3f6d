import type { Connector } from '../plugins/api/index.js';
import datagen from './source/datagen/index.js';
import postgres from './source/postgres/index.js';
import mysql, { mariadbConnector as mariadb } from './source/mysql/index.js';
import oracle from './source/oracle/index.js';
import oceanbase from './source/oceanbase/index.js';
import stdout from './sink/stdout/index.js';
import files from './sink/files/index.js';
import dlq from './sink/dlq/index.js';
import clickhouse from './sink/clickhouse/index.js';

/** The built-in connectors. External ones come through `plugin.path`; both go through PluginRegistry. */
export const builtinConnectors: readonly Connector[] = [
  datagen,
  postgres,
  mysql,
  mariadb,
  oracle,
  oceanbase,
  stdout,
  files,
  dlq,
  clickhouse,
];
