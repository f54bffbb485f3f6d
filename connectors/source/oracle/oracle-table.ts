import { Schemas, TributaryError, type Schema } from '../../../plugins/api/index.js';
import { changeEnvelopeSchema, compileRowBuilder, type RowBuilder, type TableFilter, type TopicNamer } from '../../../plugins/cdc/index.js';
import type { TableShape } from './catalog.js';
import { columnMapping, isUncapturedType, snapshotExpression, type MappingOptions } from '../../shared/oracle-types/column-types.js';
import { quoteIdentifier } from './oracle-identifiers.js';
import { EMPTY_LOB, UNSUPPORTED, type RedoValue } from './redo-parser.js';
import { oracleSourceSchema } from './source-info.js';
import type { SqlRow } from './sql-session.js';

type Row = Record<string, unknown>;
/** a row as text (the session's NLS forms), in the order of the table's captured columns */
export type TextRow = (string | null)[];

interface Captured {
  readonly name: string;
  readonly fromText: (text: string) => unknown;
  readonly schema: Schema;
  readonly snapshotSql: string;
}

export interface TableOptions {
  readonly topicPrefix: string;
  readonly filter: TableFilter;
  readonly mapping: MappingOptions;
  readonly topics: TopicNamer;
}

/**
 * One captured table: its topic, key and value schemas, and how a row's text (from SQL_REDO
 * or the snapshot) becomes a record row. Built from the catalog; LOB/XML columns the column
 * filter does not leave out make the table refused (lob.enabled=false).
 */
export class OracleTable {
  readonly topic: string;
  readonly keySchema: Schema | null;
  readonly valueSchema: Schema;
  readonly keyNames: readonly string[];
  readonly columns: readonly Captured[];
  readonly #index = new Map<string, number>();
  readonly #keyIndex: number[];
  readonly #build: RowBuilder;
  readonly #buildKey: RowBuilder | null;

  constructor(readonly owner: string, readonly name: string, shape: TableShape, options: TableOptions) {
    this.topic = options.topics.dataChangeTopic(options.topicPrefix, owner, name);
    const uncaptured = shape.columns.filter((c) => isUncapturedType(c.dataType) && options.filter.includesColumn(owner, name, c.name));
    if (uncaptured.length > 0) {
      throw new TributaryError('source.setup_required', `Table ${owner}.${name} has ${uncaptured.map((c) => `${c.name} (${c.dataType})`).join(', ')}: LOB and XML columns are not captured (lob.enabled=false). Leave them out with column.exclude.list=${uncaptured.map((c) => `${owner}.${name}.${c.name}`).join(',')} or exclude the table.`, { configPath: 'column.exclude.list' });
    }
    const keyed = new Set(shape.key);
    const columns: Captured[] = [];
    for (const c of shape.columns) {
      if (isUncapturedType(c.dataType) || (!keyed.has(c.name) && !options.filter.includesColumn(owner, name, c.name))) continue;
      let mapping;
      try {
        mapping = columnMapping(keyed.has(c.name) ? { ...c, nullable: false } : c, options.mapping);
      } catch (error) {
        throw new TributaryError('source.setup_required', `Table ${owner}.${name} column ${c.name}: ${(error as Error).message}; leave it out with column.exclude.list.`, { configPath: 'column.exclude.list' });
      }
      this.#index.set(c.name, columns.length);
      columns.push({ name: c.name, fromText: mapping.fromText, schema: mapping.schema, snapshotSql: `${snapshotExpression(c, quoteIdentifier(c.name))} AS ${quoteIdentifier(c.name)}` });
    }
    this.columns = columns;
    this.keyNames = shape.key;
    this.#keyIndex = shape.key.map((k) => this.#index.get(k)!);
    const fields = columns.map((c) => Schemas.field(c.name, c.schema));
    this.valueSchema = changeEnvelopeSchema(this.topic, fields, oracleSourceSchema);
    this.keySchema = shape.key.length === 0 ? null : Schemas.struct(this.#keyIndex.map((i) => fields[i]), { name: `${this.topic}.Key` });
    this.#build = builderOf(columns.map((c, i) => ({ name: c.name, index: i, fromText: c.fromText })));
    this.#buildKey = shape.key.length === 0 ? null : builderOf(this.#keyIndex.map((i) => ({ name: columns[i].name, index: i, fromText: columns[i].fromText })));
  }

  get identifier(): string {
    return `${this.owner}.${this.name}`;
  }

  /** An empty text row (every column null), to fill from SQL_REDO. */
  emptyText(): TextRow {
    return new Array<string | null>(this.columns.length).fill(null);
  }

  #lastNames: readonly string[] | null = null;
  #lastIndexes: (number | undefined)[] = [];

  /** Puts SQL_REDO's column values into `into`; columns this table does not capture are ignored. */
  fillText(into: TextRow, names: readonly string[], values: readonly RedoValue[]): TextRow {
    // the parser shares one names array per insert column list: map it to indexes once
    if (names !== this.#lastNames) {
      this.#lastNames = names;
      this.#lastIndexes = names.map((n) => this.#index.get(n));
    }
    const indexes = this.#lastIndexes;
    for (let i = 0; i < names.length; i++) {
      const at = indexes[i];
      if (at === undefined) continue;
      const v = values[i];
      if (typeof v === 'symbol') {
        throw new TributaryError('record.conversion_failed', `SQL_REDO of ${this.identifier} holds ${v === UNSUPPORTED ? 'Unsupported Type' : v === EMPTY_LOB ? 'EMPTY_LOB()' : 'an unknown value'} for column ${names[i]}; leave the column out with column.exclude.list.`);
      }
      into[at] = v;
    }
    return into;
  }

  /** The snapshot query's row (aliased by column name) as text. */
  textOfSnapshot(row: SqlRow): TextRow {
    return this.columns.map((c) => {
      const v = row[c.name];
      return v === null || v === undefined ? null : String(v);
    });
  }

  toRow(text: TextRow): Row {
    return this.#build(text);
  }

  toKey(text: TextRow): Row | null {
    return this.#buildKey ? this.#buildKey(text) : null;
  }

  /** the text of the key columns (for snapshot chunk bookkeeping) */
  keyText(text: TextRow): (string | null)[] {
    return this.#keyIndex.map((i) => text[i]);
  }

  /** whether the key columns differ between two images */
  keyDiffers(before: TextRow, after: TextRow): boolean {
    for (const i of this.#keyIndex) if (before[i] !== after[i]) return true;
    return false;
  }

  /** the select list of the snapshot: every captured column as the text SQL_REDO would hold */
  get snapshotSelectList(): string {
    return this.columns.map((c) => c.snapshotSql).join(', ');
  }
}

/** the compiled row builder, or a plain loop for a column the compiler cannot take (`__proto__`) */
function builderOf(columns: { name: string; index: number; fromText: (t: string) => unknown }[]): RowBuilder {
  const compiled = compileRowBuilder(columns.map((c) => ({ ...c, fromText: c.fromText as (v: never) => unknown })));
  if (compiled) return compiled;
  return (values) => {
    const row: Row = {};
    for (const c of columns) {
      const v = (values as readonly unknown[])[c.index];
      Object.defineProperty(row, c.name, { value: v == null ? null : c.fromText(String(v)), enumerable: true, writable: true, configurable: true });
    }
    return row;
  };
}
