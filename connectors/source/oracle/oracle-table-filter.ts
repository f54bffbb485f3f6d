import { TableFilter } from '../../../plugins/cdc/index.js';
import type { OracleConfig } from './oracle-config-spec.js';
import { SYSTEM_SCHEMAS } from './oracle-identifiers.js';

/** Debezium's Oracle filters: schemas (owners), `schema.table`, `schema.table.column`; system schemas never. */
export function oracleTableFilter(config: OracleConfig): TableFilter {
  return new TableFilter({
    containerInclude: config['schema.include.list'], containerExclude: config['schema.exclude.list'],
    tableInclude: config['table.include.list'], tableExclude: config['table.exclude.list'],
    columnInclude: config['column.include.list'], columnExclude: config['column.exclude.list'],
    isSystemContainer: (owner) => SYSTEM_SCHEMAS.has(owner.toUpperCase()),
  });
}
