import { Schemas, type Field, type Schema } from '../../../plugins/api/index.js';
import { UNCHANGED_TOAST, type TupleValue } from './pgoutput-decoder.js';
import { columnType, type ColumnType, type TypeMappingOptions } from './pg-type-mapper.js';
import type { TableFilter } from './table-filter.js';
import type { TypeRegistry } from './type-registry.js';
import { compileRowBuilder, TopicNamer, type RowBuilder } from '../../../plugins/cdc/index.js';
import { envelopeSchema } from './source-info.js';

const NO_COLUMNS: readonly string[] = Object.freeze([]);
const SILENT_NAMER = new TopicNamer();

export interface ColumnDescriptor {
  readonly name: string;
  readonly typeOid: number;
  readonly typmod: number;
  /** 1-based position in the primary key, 0 when not part of it */
  readonly pkPosition: number;
}

interface MappedColumn {
  readonly name: string;
  readonly index: number;
  readonly type: ColumnType;
  readonly inValue: boolean;
}

/**
 * One captured table's record shape at one moment: topic, key schema (primary-key columns, or
 * null when keyless), envelope schema, and the conversion of a row's texts into a record row.
 * Rebuilt whenever the server sends a new Relation message (ADD/DROP COLUMN mid-stream), so the
 * record schema follows the table.
 *
 * Row fields are optional: a DEFAULT replica identity sends only key columns in before-images
 * and an unchanged TOAST value of a non-text column has no value to show.
 */
export class TableSchema {
  readonly topic: string;
  readonly keySchema: Schema | null;
  readonly valueSchema: Schema;
  readonly #columns: MappedColumn[];
  readonly #valueColumns: MappedColumn[];
  readonly #keyColumns: MappedColumn[];
  /** rows and keys of complete tuples (no unchanged TOAST value), when compiled */
  readonly #buildRow: RowBuilder | null;
  readonly #buildKey: RowBuilder | null;

  constructor(
    readonly schema: string,
    readonly table: string,
    columns: readonly ColumnDescriptor[],
    options: { topicPrefix: string; registry: TypeRegistry; filter: TableFilter; mapping: TypeMappingOptions },
  ) {
    // Kafka's topic characters only, as Debezium: `"Mixed Case"` → `<prefix>.public.Mixed_Case`
    this.topic = (options.mapping.topicNamer ?? SILENT_NAMER).dataChangeTopic(options.topicPrefix, schema, table);
    this.#columns = columns.map((c, index) => ({
      name: c.name,
      index,
      type: columnType(options.registry, c.typeOid, c.typmod, options.mapping),
      inValue: options.filter.includesColumn(schema, table, c.name),
    }));
    this.#valueColumns = this.#columns.filter((c) => c.inValue);
    this.#buildRow = compileRowBuilder(this.#valueColumns.map((c) => ({ name: c.name, index: c.index, fromText: c.type.fromText })));
    const keyOrder = columns.map((c, index) => ({ c, index })).filter((x) => x.c.pkPosition > 0).sort((a, b) => a.c.pkPosition - b.c.pkPosition);
    this.#keyColumns = keyOrder.map((x) => this.#columns[x.index]);
    this.#buildKey = compileRowBuilder(this.#keyColumns.map((c) => ({ name: c.name, index: c.index, fromText: c.type.fromText })));
    this.keySchema = this.#keyColumns.length === 0
      ? null
      : Schemas.struct(this.#keyColumns.map((c) => Schemas.field(c.name, c.type.schema)), { name: `${this.topic}.Key` });
    const rowFields: Field[] = this.#columns.filter((c) => c.inValue).map((c) => Schemas.field(c.name, Schemas.optional(c.type.schema)));
    this.valueSchema = envelopeSchema(this.topic, rowFields);
  }

  get columnNames(): string[] {
    return this.#columns.map((c) => c.name);
  }

  get keyColumnNames(): string[] {
    return this.#keyColumns.map((c) => c.name);
  }

  get hasKey(): boolean {
    return this.#keyColumns.length > 0;
  }

  /** Columns of the last `toRow` whose unchanged TOAST value the server did not send. */
  unavailable: readonly string[] = NO_COLUMNS;

  /**
   * A record row from the columns' texts. `fallback` (the old tuple of a REPLICA IDENTITY FULL
   * update) supplies unchanged TOAST values; without it they get the placeholder and are listed
   * in `unavailable` (set by every call: one less object per row than returning both).
   */
  toRow(values: readonly TupleValue[], placeholder: string, fallback?: readonly TupleValue[] | null): Record<string, unknown> {
    if (this.#buildRow && values.indexOf(UNCHANGED_TOAST) < 0) {
      this.unavailable = NO_COLUMNS;
      return this.#buildRow(values);
    }
    const row: Record<string, unknown> = {};
    let unavailable: string[] | null = null;
    for (const c of this.#valueColumns) {
      let text = values[c.index];
      if (text === UNCHANGED_TOAST && fallback && fallback[c.index] !== UNCHANGED_TOAST) text = fallback[c.index] ?? null;
      if (text === UNCHANGED_TOAST) {
        (unavailable ??= []).push(c.name);
        setField(row, c.name, c.type.placeholder === 'string' ? placeholder : c.type.placeholder === 'bytes' ? Buffer.from(placeholder) : null);
      } else setField(row, c.name, text === null || text === undefined ? null : c.type.fromText(text));
    }
    this.unavailable = unavailable ?? NO_COLUMNS;
    return row;
  }

  /** The key struct from a tuple (full row or key-only before-image); null for keyless tables. */
  toKey(values: readonly TupleValue[]): Record<string, unknown> | null {
    if (this.#keyColumns.length === 0) return null;
    if (this.#buildKey && values.indexOf(UNCHANGED_TOAST) < 0) return this.#buildKey(values);
    const key: Record<string, unknown> = {};
    for (const c of this.#keyColumns) {
      const text = values[c.index];
      setField(key, c.name, text === null || text === undefined || text === UNCHANGED_TOAST ? null : c.type.fromText(text));
    }
    return key;
  }

  /** whether the key columns' texts differ between two tuples (a primary-key change) */
  keyChanged(before: readonly TupleValue[], after: readonly TupleValue[]): boolean {
    return this.#keyColumns.some((c) => before[c.index] !== after[c.index] && after[c.index] !== UNCHANGED_TOAST);
  }
}

/** `row[name] = value`, except that a column named `__proto__` becomes a field, not the prototype. */
function setField(row: Record<string, unknown>, name: string, value: unknown): void {
  if (name === '__proto__') Object.defineProperty(row, name, { value, enumerable: true, writable: true, configurable: true });
  else row[name] = value;
}
