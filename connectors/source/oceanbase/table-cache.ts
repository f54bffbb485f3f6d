import type { Logger } from '../../../plugins/api/index.js';
import { TableFilter, TopicNamer } from '../../../plugins/cdc/index.js';
import type { MappingOptions } from '../../shared/oracle-types/index.js';
import type { OceanBaseConfig } from './oceanbase-config-spec.js';
import { OceanBaseTable, type TableShape } from './oceanbase-table.js';

/** Where table shapes come from: the tenant's catalog (ALL_TAB_COLUMNS), or a fixed list in tests. */
export interface Catalog {
  /** every table the user may capture, as `owner.table` pairs */
  tables(): Promise<readonly { owner: string; name: string }[]>;
  describe(owner: string, name: string): Promise<TableShape | null>;
}

/** Oracle mode's own schemas, never captured */
const SYSTEM_SCHEMAS = new Set(['SYS', 'SYSTEM', 'OCEANBASE', 'LBACSYS', 'ORAAUDITOR', 'PUBLIC', '__RECYCLEBIN']);

export function oceanbaseTableFilter(config: OceanBaseConfig): TableFilter {
  return new TableFilter({
    containerInclude: config['schema.include.list'], tableInclude: config['table.include.list'], tableExclude: config['table.exclude.list'],
    isSystemContainer: (owner) => SYSTEM_SCHEMAS.has(owner.toUpperCase()),
  });
}

/**
 * The captured tables, described once each (a shape change needs a restart, as the trigger and
 * query modes' SQL is generated from it too); null for a table the filters leave out.
 */
export class TableCache {
  readonly #tables = new Map<string, OceanBaseTable | null>();
  readonly #topics: TopicNamer;

  constructor(readonly catalog: Catalog, readonly filter: TableFilter, readonly topicPrefix: string, readonly mapping: MappingOptions, logger?: Logger) {
    this.#topics = new TopicNamer(logger);
  }

  async table(owner: string, name: string): Promise<OceanBaseTable | null> {
    const id = `${owner}.${name}`;
    if (this.#tables.has(id)) return this.#tables.get(id)!;
    let table: OceanBaseTable | null = null;
    if (this.filter.includesTable(owner, name)) {
      const shape = await this.catalog.describe(owner, name);
      table = shape ? new OceanBaseTable(shape, this.topicPrefix, this.#topics, this.mapping) : null;
    }
    this.#tables.set(id, table);
    return table;
  }

  /** every captured table, described */
  async captured(): Promise<OceanBaseTable[]> {
    const out: OceanBaseTable[] = [];
    for (const t of await this.catalog.tables()) {
      const table = await this.table(t.owner, t.name);
      if (table) out.push(table);
    }
    return out;
  }
}
