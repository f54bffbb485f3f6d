import { TableFilter } from '../../../plugins/cdc/index.js';
import type { MySqlConfig } from './mysql-config-spec.js';

/** Databases holding the server's own catalogs; never captured, whatever the lists say. */
const SYSTEM_DATABASES = new Set(['mysql', 'information_schema', 'performance_schema', 'sys']);

/** The toolkit's filter over Debezium's MySQL lists: databases are the containers. */
export function mysqlTableFilter(config: Pick<MySqlConfig, 'database.include.list' | 'database.exclude.list' | 'table.include.list' | 'table.exclude.list' | 'column.include.list' | 'column.exclude.list'>): TableFilter {
  return new TableFilter({
    containerInclude: config['database.include.list'], containerExclude: config['database.exclude.list'],
    tableInclude: config['table.include.list'], tableExclude: config['table.exclude.list'],
    columnInclude: config['column.include.list'], columnExclude: config['column.exclude.list'],
    isSystemContainer: (db) => SYSTEM_DATABASES.has(db.toLowerCase()),
  });
}
