import { Schemas, fieldOf, toJsonText, type ConnectRecord, type Field, type Schema } from '../../plugins/api/index.js';
import {
  deleteBehaviour,
  extractNewRecordStateSpec,
  metadataReferences,
  type DeleteBehaviour,
  type ExtractNewRecordStateConfig,
  type MetadataReference,
} from './extract-new-record-state-config.js';
import type { Transform } from './transform.js';
import { conversionError, copyFields, defineTransformPlugin, fieldNames, isPlainObject, perSchema, structLike, withProperty } from './transform-support.js';

const NAME = 'ExtractNewRecordState';
/** Debezium's name; not prefixed, whatever add.fields.prefix says. */
const DELETED_FIELD = '__deleted';
const DELETED_SCHEMA = Schemas.string({ optional: true });

/** The flat-row schemas derived from one envelope schema, built once per schema. */
type Derived =
  | {
      readonly kind: 'envelope';
      readonly afterRow: Schema;
      readonly afterOut: Schema;
      readonly beforeOut: Schema;
      readonly afterNames: readonly string[];
      readonly beforeNames: readonly string[];
    }
  | { readonly kind: 'other' }
  | { readonly kind: 'error'; readonly message: string };

/**
 * Debezium's ExtractNewRecordState ("unwrap"): replaces the change-event envelope by the row
 * after the change, so sinks that want flat rows (files, ClickHouse) get them. Deletes and
 * tombstones follow `delete.tombstone.handling.mode` (or the legacy properties); truncate events
 * carry no row and are dropped. Records that are not change events pass through unchanged.
 */
export class ExtractNewRecordState implements Transform {
  readonly #behaviour: DeleteBehaviour;
  readonly #fields: readonly MetadataReference[];
  readonly #headers: readonly MetadataReference[];
  readonly #rewrite: boolean;
  readonly #derive = perSchema((schema) => this.#deriveSchemas(schema));

  constructor(config: ExtractNewRecordStateConfig) {
    this.#behaviour = deleteBehaviour(config);
    this.#rewrite = this.#behaviour.deletes === 'rewrite';
    this.#fields = metadataReferences(config['add.fields'], config['add.fields.prefix']);
    this.#headers = metadataReferences(config['add.headers'], config['add.headers.prefix']);
  }

  apply<R extends ConnectRecord>(record: R): R | null {
    const value = record.value;
    if (value === null || value === undefined) return this.#behaviour.keepTombstones ? record : null;
    const schema = record.valueSchema;
    let envelope: Extract<Derived, { kind: 'envelope' }> | null = null;
    if (schema !== null) {
      const derived = this.#derive(schema);
      if (derived.kind === 'other') return record;
      if (derived.kind === 'error') throw conversionError(NAME, record, derived.message);
      envelope = derived;
    } else if (!isPlainObject(value) || !('op' in value) || !('after' in value)) {
      return record;
    }
    if (!isPlainObject(value)) throw conversionError(NAME, record, `a change event value must be an object, got ${typeof value}`);
    if (value.op === 't') return null;

    const after = value.after;
    let out: R;
    if (after === null || after === undefined) {
      switch (this.#behaviour.deletes) {
        case 'drop':
          return null;
        case 'null-value':
          out = { ...record, valueSchema: envelope?.afterRow ?? null, value: null };
          break;
        case 'rewrite': {
          const before = value.before;
          if (!isPlainObject(before)) throw conversionError(NAME, record, 'a delete event has no `before` row to rewrite (is REPLICA IDENTITY / binlog_row_image full?)');
          out = { ...record, valueSchema: envelope?.beforeOut ?? null, value: this.#row(before, envelope?.beforeNames, 'true', value) };
          break;
        }
      }
    } else {
      if (!isPlainObject(after)) throw conversionError(NAME, record, `\`after\` must be a row object, got ${typeof after}`);
      const row = this.#row(after, envelope?.afterNames, this.#rewrite ? 'false' : undefined, value);
      out = { ...record, valueSchema: envelope?.afterOut ?? null, value: row };
    }
    return this.#headers.length === 0 ? out : withProperty(out, 'headers', this.#withHeaders(record.headers, value));
  }

  /** Builds the flat row; with nothing to add the row object itself is reused (records are immutable). */
  #row(row: Record<string, unknown>, names: readonly string[] | undefined, deleted: string | undefined, envelope: Record<string, unknown>): Record<string, unknown> {
    if (deleted === undefined && this.#fields.length === 0) return row;
    const out = copyFields(row, names ?? Object.keys(row));
    if (deleted !== undefined) out[DELETED_FIELD] = deleted;
    for (const ref of this.#fields) out[ref.outputName] = read(envelope, ref) ?? null;
    return out;
  }

  #withHeaders(headers: ConnectRecord['headers'], envelope: Record<string, unknown>): Record<string, string> {
    const out = (headers === undefined ? {} : copyFields(headers, Object.keys(headers))) as Record<string, string>;
    for (const ref of this.#headers) {
      const v = read(envelope, ref);
      if (v === null || v === undefined) continue;
      out[ref.outputName] = typeof v === 'string' ? v : typeof v === 'object' ? toJsonText(v) : String(v);
    }
    return out;
  }

  #deriveSchemas(envelope: Schema): Derived {
    const afterField = envelope.type === 'struct' ? fieldOf(envelope, 'after') : undefined;
    const isEnvelope = afterField !== undefined && fieldOf(envelope, 'op') !== undefined && (envelope.name?.endsWith('.Envelope') ?? true);
    if (!isEnvelope) return { kind: 'other' };
    const afterRow = afterField.schema;
    const beforeRow = fieldOf(envelope, 'before')?.schema ?? afterRow;
    if (afterRow.type !== 'struct' || beforeRow.type !== 'struct') return { kind: 'error', message: 'the envelope `before`/`after` schemas must be structs' };
    const added: Field[] = [];
    if (this.#rewrite) added.push(Schemas.field(DELETED_FIELD, DELETED_SCHEMA));
    for (const ref of this.#fields) {
      const holder = ref.struct === null ? envelope : fieldOf(envelope, ref.struct)?.schema;
      const field = holder?.type === 'struct' ? fieldOf(holder, ref.field) : undefined;
      if (field === undefined) {
        return { kind: 'error', message: `add.fields names "${ref.struct === null ? '' : ref.struct + '.'}${ref.field}", which this change event does not have` };
      }
      added.push(Schemas.field(ref.outputName, Schemas.optional(field.schema)));
    }
    const extend = (row: Schema): Schema => (added.length === 0 ? row : structLike(row, [...(row.fields ?? []), ...added]));
    const afterOut = extend(afterRow);
    return {
      kind: 'envelope',
      afterRow,
      afterOut,
      beforeOut: beforeRow === afterRow ? afterOut : extend(beforeRow),
      afterNames: fieldNames(afterRow),
      beforeNames: fieldNames(beforeRow),
    };
  }
}

function read(envelope: Record<string, unknown>, ref: MetadataReference): unknown {
  if (ref.struct === null) return envelope[ref.field];
  const holder = envelope[ref.struct];
  return isPlainObject(holder) ? holder[ref.field] : undefined;
}

export const extractNewRecordStatePlugin = defineTransformPlugin({
  name: NAME,
  aliases: ['io.debezium.transforms.ExtractNewRecordState', 'unwrap'],
  configSpec: extractNewRecordStateSpec,
  create: (config) => new ExtractNewRecordState(config),
});
