import { TableFilter } from '../../../plugins/cdc/index.js';
import type { PostgresConfig } from './postgres-config-spec.js';

export { invalidPatterns, TableFilter } from '../../../plugins/cdc/index.js';

/** Schemas that hold the server's own catalogs; never captured, whatever the lists say. */
const SYSTEM_SCHEMAS = new Set(['pg_catalog', 'information_schema', 'pg_toast']);

/** The toolkit's filter over the PostgreSQL source's lists: schemas are its containers. */
export function postgresTableFilter(config: Pick<PostgresConfig, 'schema.include.list' | 'schema.exclude.list' | 'table.include.list' | 'table.exclude.list' | 'column.include.list' | 'column.exclude.list'>): TableFilter {
  return new TableFilter({
    containerInclude: config['schema.include.list'], containerExclude: config['schema.exclude.list'],
    tableInclude: config['table.include.list'], tableExclude: config['table.exclude.list'],
    columnInclude: config['column.include.list'], columnExclude: config['column.exclude.list'],
    isSystemContainer: (schema) => SYSTEM_SCHEMAS.has(schema) || schema.startsWith('pg_temp'),
  });
}
