import { defineConfigSpec, prop, type ConfigOf } from '../../plugins/api/index.js';

/**
 * Properties of ExtractNewRecordState, with Debezium's names and defaults. Debezium 2.5 replaced
 * `delete.handling.mode` + `drop.tombstones` by `delete.tombstone.handling.mode`; both are
 * accepted, and the newer one wins when set, as in Debezium.
 */
export const extractNewRecordStateSpec = defineConfigSpec(
  {
    'delete.tombstone.handling.mode': prop.enum(['drop', 'tombstone', 'rewrite', 'rewrite-with-tombstone'], {
      doc: 'How delete events and tombstones are emitted. drop: both dropped; tombstone: a delete becomes a record with a null value, tombstones dropped; rewrite: a delete becomes its `before` row with __deleted=true, tombstones dropped; rewrite-with-tombstone: as rewrite, tombstones kept. When set, overrides delete.handling.mode and drop.tombstones.',
      caseInsensitive: true,
      importance: 'medium',
    }),
    'delete.handling.mode': prop.enum(['drop', 'rewrite', 'none'], {
      doc: 'Legacy (Debezium < 2.5). drop: delete events are dropped; rewrite: a delete becomes its `before` row with __deleted=true and other rows get __deleted=false; none: a delete becomes a record with a null value.',
      default: 'drop',
      caseInsensitive: true,
      importance: 'low',
    }),
    'drop.tombstones': prop.boolean({
      doc: 'Legacy (Debezium < 2.5): drop tombstone records (null values) instead of passing them on.',
      default: true,
      importance: 'low',
    }),
    'add.fields': prop.list({
      doc: 'Envelope metadata to add to the row, e.g. `op,table,lsn,source.ts_ms`. A bare name is a field of `source` unless it is a top-level envelope field (op, ts_ms, ts_us, ts_ns); `struct.field` names the struct explicitly. Added as <prefix><name> with dots replaced by underscores (__op, __source_ts_ms).',
      default: [],
      importance: 'medium',
    }),
    'add.fields.prefix': prop.string({ doc: 'Prefix of the fields added by add.fields.', default: '__', importance: 'low' }),
    'add.headers': prop.list({
      doc: 'Envelope metadata to add as record headers, named as in add.fields (e.g. `op` gives header __op).',
      default: [],
      importance: 'medium',
    }),
    'add.headers.prefix': prop.string({ doc: 'Prefix of the headers added by add.headers.', default: '__', importance: 'low' }),
  },
  (values, issues) => {
    // A malformed reference would otherwise fail every record at run time instead of at POST.
    for (const name of ['add.fields', 'add.headers'] as const) {
      for (const ref of values[name]) {
        if (!/^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)?$/.test(ref)) issues.add(name, `"${ref}" is not a field name or struct.field reference`);
      }
    }
  },
);

export type ExtractNewRecordStateConfig = ConfigOf<typeof extractNewRecordStateSpec.properties>;

/** What happens to delete events (after = null) and to tombstones (value = null). */
export interface DeleteBehaviour {
  readonly deletes: 'drop' | 'null-value' | 'rewrite';
  readonly keepTombstones: boolean;
}

export function deleteBehaviour(config: ExtractNewRecordStateConfig): DeleteBehaviour {
  switch (config['delete.tombstone.handling.mode']) {
    case 'drop':
      return { deletes: 'drop', keepTombstones: false };
    case 'tombstone':
      return { deletes: 'null-value', keepTombstones: false };
    case 'rewrite':
      return { deletes: 'rewrite', keepTombstones: false };
    case 'rewrite-with-tombstone':
      return { deletes: 'rewrite', keepTombstones: true };
    default: {
      const legacy = config['delete.handling.mode'];
      return { deletes: legacy === 'none' ? 'null-value' : legacy, keepTombstones: !config['drop.tombstones'] };
    }
  }
}

/** Envelope fields that `add.fields=op` means, rather than a `source` field of that name. */
const ENVELOPE_FIELDS = new Set(['op', 'ts_ms', 'ts_us', 'ts_ns']);

/** One `add.fields` / `add.headers` entry: where to read it and the name it is written under. */
export interface MetadataReference {
  /** null: a top-level envelope field; else the envelope struct holding it (source, transaction) */
  readonly struct: string | null;
  readonly field: string;
  readonly outputName: string;
}

export function metadataReferences(refs: readonly string[], prefix: string): MetadataReference[] {
  return refs.map((ref) => {
    const dot = ref.indexOf('.');
    if (dot >= 0) return { struct: internalized(ref.slice(0, dot)), field: internalized(ref.slice(dot + 1)), outputName: internalized(prefix + ref.replace('.', '_')) };
    return { struct: ENVELOPE_FIELDS.has(ref) ? null : 'source', field: internalized(ref), outputName: internalized(prefix + ref) };
  });
}

/**
 * Names built by concatenation or slicing are not internalized by V8, and a property access with
 * such a key takes the slow path on every record (several times slower for the whole unwrap).
 * A key read back from an object literal is the internalized copy.
 */
function internalized(name: string): string {
  return Object.keys({ [name]: true })[0];
}
