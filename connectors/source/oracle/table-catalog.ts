import { TopicNamer, type TableFilter } from '../../../plugins/cdc/index.js';
import type { Logger } from '../../../plugins/api/index.js';
import { describeTable } from './catalog.js';
import type { MappingOptions } from '../../shared/oracle-types/column-types.js';
import { OracleTable } from './oracle-table.js';
import type { SqlSession } from './sql-session.js';

/**
 * The captured tables as the online catalog describes them, read once per table and again
 * after a DDL row names it. The streamer resolves every table of a transaction before it
 * builds the transaction's records, so building stays synchronous.
 */
export class TableCatalog {
  readonly #tables = new Map<string, OracleTable | null>();
  readonly #topics: TopicNamer;

  constructor(readonly filter: TableFilter, readonly topicPrefix: string, readonly mapping: MappingOptions, logger: Logger) {
    this.#topics = new TopicNamer(logger);
  }

  /** the table if captured and known; undefined when it must be described first */
  get(owner: string, table: string): OracleTable | null | undefined {
    if (!this.filter.includesTable(owner, table)) return null;
    return this.#tables.get(`${owner}.${table}`);
  }

  async describe(session: SqlSession, owner: string, table: string): Promise<OracleTable | null> {
    if (!this.filter.includesTable(owner, table)) return null;
    const shape = await describeTable(session, owner, table);
    // a table dropped since its redo was written has no columns left in the online catalog
    const resolved = shape.columns.length === 0 ? null : new OracleTable(owner, table, shape, { topicPrefix: this.topicPrefix, filter: this.filter, mapping: this.mapping, topics: this.#topics });
    this.#tables.set(`${owner}.${table}`, resolved);
    return resolved;
  }

  invalidate(owner: string, table: string): void {
    this.#tables.delete(`${owner}.${table}`);
  }
}
