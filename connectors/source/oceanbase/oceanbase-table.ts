import { Schemas, TributaryError, type Schema } from '../../../plugins/api/index.js';
import { changeEnvelopeSchema, type TopicNamer } from '../../../plugins/cdc/index.js';
import { columnMapping, isUncapturedType, type MappingOptions, type OracleColumn } from '../../shared/oracle-types/index.js';
import { oceanbaseSourceSchema } from './source-info.js';

type Row = Record<string, unknown>;
/** a row image as text, by column name (null: SQL NULL; absent: not in the image) */
export type TextImage = Readonly<Record<string, string | null | undefined>>;

/** A table as ALL_TAB_COLUMNS and the primary key describe it. */
export interface TableShape {
  readonly owner: string;
  readonly name: string;
  readonly columns: readonly OracleColumn[];
  readonly key: readonly string[];
}

/**
 * One captured Oracle-mode table: its topic, schemas and the conversion of a row's text to a
 * record row. Every capture mode hands rows as text in the Oracle session's NLS forms (Log
 * Proxy's column values, the trigger's TO_CHAR images, the query's TO_CHAR select list), so the
 * Oracle source's type mapping serves all three and each type is converted in one place.
 */
export class OceanBaseTable {
  readonly topic: string;
  readonly keySchema: Schema | null;
  readonly valueSchema: Schema;
  readonly #converters: readonly { name: string; fromText: (t: string) => unknown }[];
  readonly #key: readonly string[];

  constructor(readonly shape: TableShape, topicPrefix: string, topics: TopicNamer, mapping: MappingOptions) {
    this.topic = topics.dataChangeTopic(topicPrefix, shape.owner, shape.name);
    const keyed = new Set(shape.key);
    const fields = [];
    const converters = [];
    for (const c of shape.columns) {
      if (isUncapturedType(c.dataType)) continue;
      let m;
      try {
        m = columnMapping(keyed.has(c.name) ? { ...c, nullable: false } : c, mapping);
      } catch (error) {
        throw new TributaryError('source.setup_required', `Table ${shape.owner}.${shape.name} column ${c.name}: ${(error as Error).message}`);
      }
      fields.push(Schemas.field(c.name, m.schema));
      converters.push({ name: c.name, fromText: m.fromText });
    }
    this.#converters = converters;
    this.#key = shape.key;
    this.valueSchema = changeEnvelopeSchema(this.topic, fields, oceanbaseSourceSchema);
    this.keySchema = shape.key.length === 0 ? null : Schemas.struct(fields.filter((f) => keyed.has(f.name)), { name: `${this.topic}.Key` });
  }

  get identifier(): string {
    return `${this.shape.owner}.${this.shape.name}`;
  }

  toRow(image: TextImage): Row {
    const row: Row = {};
    for (const c of this.#converters) {
      const v = image[c.name];
      try {
        row[c.name] = v === null || v === undefined ? null : c.fromText(v);
      } catch (error) {
        throw new TributaryError('record.conversion_failed', `${this.identifier}.${c.name}: cannot convert ${JSON.stringify(v)}: ${(error as Error).message}`, { cause: error });
      }
    }
    return row;
  }

  toKey(image: TextImage): Row | null {
    if (this.#key.length === 0) return null;
    const row = this.toRow(image);
    const key: Row = {};
    for (const k of this.#key) key[k] = row[k];
    return key;
  }

  keyDiffers(before: TextImage, after: TextImage): boolean {
    return this.#key.some((k) => before[k] !== after[k]);
  }
}
