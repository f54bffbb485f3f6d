import { isChangeEvent, rowSchemaOf, schemaFingerprint, Schemas, type Field, type Schema, type SinkRecord } from '../../../plugins/api/index.js';
import { inferValueSchema } from './infer-schema.js';

/** The columns a file holds for one record schema, and how to read them out of a record. */
export interface RowShape {
  /** a struct schema: one field per output column, in file order */
  readonly schema: Schema;
  readonly fingerprint: string;
  /** the column values of a record, in `schema.fields` order */
  values(record: SinkRecord): unknown[];
}

/** Turns a record into the values of its columns (files: RowShaper; dlq: its own). */
export interface Shaper {
  shape(record: SinkRecord): RowShape;
}

export type ValueLayout = 'flat' | 'envelope';

export const metadataFields = {
  op: Schemas.field('__op', Schemas.string({ optional: true })),
  deleted: Schemas.field('__deleted', Schemas.boolean({ optional: true })),
  sourceTs: Schemas.field('__source_ts_ms', Schemas.int64({ optional: true })),
  position: Schemas.field('__source_pos', Schemas.string()),
  topic: Schemas.field('__topic', Schemas.string()),
} as const;

/**
 * The row of a record: for Debezium envelopes (`flat`) the after-image, or the before-image for
 * a delete, with `__op`, `__deleted`, `__source_ts_ms`, `__source_pos` and `__topic` appended; or
 * (`envelope`) before/after/source/op/ts_ms with `__source_pos` and `__topic`. Rows that are
 * already flat (after an unwrap transform) keep their columns, and the metadata columns they
 * lack are added from the record. Shapes are cached per schema object, then per fingerprint.
 */
export class RowShaper implements Shaper {
  readonly #layout: ValueLayout;
  readonly #byObject = new WeakMap<Schema, RowShape>();
  readonly #byFingerprint = new Map<string, RowShape>();

  constructor(layout: ValueLayout) {
    this.#layout = layout;
  }

  shape(record: SinkRecord): RowShape {
    const schema = record.valueSchema ?? inferValueSchema(record.value);
    const cached = this.#byObject.get(schema);
    if (cached) return cached;
    const fingerprint = schemaFingerprint(schema);
    let shape = this.#byFingerprint.get(fingerprint);
    if (!shape) {
      shape = this.#build(schema, record.value);
      this.#byFingerprint.set(fingerprint, shape);
    }
    this.#byObject.set(schema, shape);
    return shape;
  }

  #build(schema: Schema, sample: unknown): RowShape {
    if (isEnvelopeSchema(schema) || (schema.type !== 'struct' && isChangeEvent(sample))) {
      return this.#layout === 'flat' ? flatFromEnvelope(schema) : envelopeColumns(schema);
    }
    if (schema.type === 'struct') return flatRow(schema);
    return single(schema);
  }
}

function isEnvelopeSchema(schema: Schema): boolean {
  const names = new Set(schema.fields?.map((f) => f.name));
  return schema.type === 'struct' && names.has('before') && names.has('after') && names.has('op') && names.has('source');
}

function shapeOf(fields: readonly Field[], values: (record: SinkRecord) => unknown[]): RowShape {
  const schema = Schemas.struct(fields);
  return { schema, fingerprint: schemaFingerprint(schema), values };
}

function flatFromEnvelope(envelope: Schema): RowShape {
  const row = rowSchemaOf(envelope);
  const rowFields = (row?.fields ?? []).map((f) => Schemas.field(f.name, Schemas.optional(f.schema)));
  const names = rowFields.map((f) => f.name);
  const fields = [...rowFields, metadataFields.op, metadataFields.deleted, metadataFields.sourceTs, metadataFields.position, metadataFields.topic];
  return shapeOf(fields, (record) => {
    const v = record.value as { before?: Record<string, unknown> | null; after?: Record<string, unknown> | null; op: string; source?: { ts_ms?: unknown } };
    const image = v.op === 'd' ? v.before : (v.after ?? v.before);
    const out = new Array<unknown>(fields.length);
    for (let i = 0; i < names.length; i++) out[i] = image ? image[names[i]] : null;
    out[names.length] = v.op;
    out[names.length + 1] = v.op === 'd';
    out[names.length + 2] = v.source?.ts_ms ?? null;
    out[names.length + 3] = record.position;
    out[names.length + 4] = record.topic;
    return out;
  });
}

function envelopeColumns(envelope: Schema): RowShape {
  const own = (envelope.fields ?? []).filter((f) => f.name !== 'transaction');
  const fields = [...own, metadataFields.position, metadataFields.topic];
  return shapeOf(fields, (record) => {
    const v = record.value as Record<string, unknown>;
    return [...own.map((f) => v[f.name] ?? null), record.position, record.topic];
  });
}

function flatRow(schema: Schema): RowShape {
  const own = schema.fields ?? [];
  const present = new Set(own.map((f) => f.name));
  const extra = [metadataFields.position, metadataFields.topic].filter((f) => !present.has(f.name));
  const fields = [...own, ...extra];
  return shapeOf(fields, (record) => {
    const v = record.value as Record<string, unknown>;
    const out = own.map((f) => v[f.name] ?? null);
    for (const f of extra) out.push(f === metadataFields.position ? record.position : record.topic);
    return out;
  });
}

function single(schema: Schema): RowShape {
  const fields = [Schemas.field('value', schema), metadataFields.position, metadataFields.topic];
  return shapeOf(fields, (record) => [record.value, record.position, record.topic]);
}

/** The image a field partitioner or RecordField extractor reads: after, else before, else the row. */
export function rowImage(record: SinkRecord): Record<string, unknown> | null {
  const v = record.value;
  if (isChangeEvent(v)) return v.op === 'd' ? v.before : (v.after ?? v.before);
  return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : null;
}
