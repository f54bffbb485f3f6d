import { Schemas, type Field, type Schema } from '../../../plugins/api/index.js';
import { changeEnvelopeSchema, compileRowBuilder, sanitizeTopicName, type RowBuilder, type TableFilter } from '../../../plugins/cdc/index.js';
import { columnMapping, GEOMETRY_TYPES, type ColumnMapping, type MappingOptions } from './column-converters.js';
import { parseColumnType, type ColumnType } from './column-type.js';
import { sourceSchemaOf, type ConnectorFlavour } from './source-info.js';

/** One column as the catalog or the binlog's table map describes it. */
export interface ColumnDescriptor {
  readonly name: string;
  /** `COLUMN_TYPE` text: `int unsigned`, `decimal(10,2)`, `enum('a','b')` */
  readonly columnType: string;
  /** enum/set members when known apart from the type text (binlog metadata) */
  readonly members?: readonly string[];
  /** whether the column allows NULL (its value field is optional); unknown counts as allowing it */
  readonly optional?: boolean;
  /** a generated (virtual or stored) column */
  readonly generated?: boolean;
}

interface MappedColumn {
  readonly name: string;
  readonly type: ColumnType;
  readonly mapping: ColumnMapping;
  readonly inValue: boolean;
  readonly optional: boolean;
}

type Row = Record<string, unknown>;

/**
 * One captured table's shape: topic, key and envelope schemas, and compiled builders that turn a
 * driver row (an object keyed by column name, from mysql2 or zongji) into record rows and keys.
 * Built from `information_schema` at snapshot time and from the binlog's own table metadata
 * while streaming, so an ALTER TABLE takes effect at the first row event written after it.
 */
export class MySqlTable {
  readonly topic: string;
  readonly keySchema: Schema | null;
  readonly valueSchema: Schema;
  readonly #key: readonly MappedColumn[];
  readonly #buildRow: RowBuilder;
  readonly #buildKey: RowBuilder | null;
  /** a fingerprint of the shape: equal shapes need no rebuild */
  readonly signature: string;
  /** some column is spatial (the snapshot reads those columns' bytes raw) */
  readonly hasGeometry: boolean;

  constructor(
    readonly db: string,
    readonly table: string,
    columns: readonly ColumnDescriptor[],
    keyColumns: readonly string[],
    options: { topicPrefix: string; flavour: ConnectorFlavour; filter: TableFilter; mapping: MappingOptions },
  ) {
    this.topic = sanitizeTopicName(`${options.topicPrefix}.${db}.${table}`);
    const mapped: MappedColumn[] = columns.map((c) => {
      const type = parseColumnType(c.columnType, c.members);
      return { name: c.name, type, mapping: columnMapping(type, options.mapping), inValue: options.filter.includesColumn(db, table, c.name), optional: c.optional !== false };
    });
    const value = mapped.filter((c) => c.inValue);
    this.#key = keyColumns.map((k) => mapped.find((c) => c.name === k)).filter((c): c is MappedColumn => c !== undefined);
    const builder = (cs: readonly MappedColumn[]) => compileRowBuilder(cs.map((c) => ({ name: c.name, index: c.name, fromText: c.mapping.convert })));
    this.#buildRow = builder(value) ?? generalBuilder(value);
    this.#buildKey = this.#key.length === 0 ? null : builder(this.#key) ?? generalBuilder(this.#key);
    this.keySchema = this.#key.length === 0 ? null : Schemas.struct(this.#key.map((c) => Schemas.field(c.name, c.mapping.schema)), { name: `${this.topic}.Key` });
    // a NOT NULL column's field is required, as Debezium declares it
    const rowFields: Field[] = value.map((c) => Schemas.field(c.name, c.optional ? Schemas.optional(c.mapping.schema) : c.mapping.schema));
    this.valueSchema = changeEnvelopeSchema(this.topic, rowFields, sourceSchemaOf(options.flavour));
    this.signature = JSON.stringify([columns, keyColumns]);
    this.hasGeometry = mapped.some((c) => GEOMETRY_TYPES.has(c.type.base));
  }

  get keyColumnNames(): string[] {
    return this.#key.map((c) => c.name);
  }

  /** the key columns' types, for the snapshot's position encoding */
  get keyColumnTypes(): ColumnType[] {
    return this.#key.map((c) => c.type);
  }

  get hasKey(): boolean {
    return this.#key.length > 0;
  }

  toRow(values: Row): Row {
    return this.#buildRow(values);
  }

  toKey(values: Row): Row | null {
    return this.#buildKey ? this.#buildKey(values) : null;
  }
}

/** For a column named `__proto__` (no compiled builder): fields defined one by one. */
function generalBuilder(columns: readonly MappedColumn[]): RowBuilder {
  return (values) => {
    const row: Row = {};
    for (const c of columns) {
      const v = (values as Row)[c.name];
      Object.defineProperty(row, c.name, { value: v == null ? null : c.mapping.convert(v), enumerable: true, writable: true, configurable: true });
    }
    return row;
  };
}
