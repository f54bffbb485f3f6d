import { defineConfigSpec, prop, Schemas, type ConfigOf, type ConnectRecord, type Field, type Schema } from '../../plugins/api/index.js';
import type { Transform } from './transform.js';
import {
  conversionError,
  isPlainObject,
  keyValuePlugins,
  perSchema,
  sideSchema,
  sideValue,
  structLike,
  withSide,
  type RecordSide,
} from './transform-support.js';

export const replaceFieldSpec = defineConfigSpec(
  {
    exclude: prop.list({ doc: 'Fields to drop. Takes precedence over include.', default: [] }),
    include: prop.list({ doc: 'Fields to keep; empty keeps every field not excluded.', default: [] }),
    renames: prop.list({ doc: 'Field renames as old:new pairs, e.g. `id:order_id,ts:created_at`.', default: [] }),
    blacklist: prop.list({ doc: 'Deprecated name of exclude (Kafka Connect < 3.0).', default: [], importance: 'low' }),
    whitelist: prop.list({ doc: 'Deprecated name of include (Kafka Connect < 3.0).', default: [], importance: 'low' }),
  },
  (values, issues) => {
    // Checked here so a typo is refused at POST rather than failing every record.
    for (const pair of values.renames) {
      if (!/^[^:]+:[^:]+$/.test(pair)) issues.add('renames', `"${pair}" is not an old:new pair`);
    }
  },
);

type ReplaceFieldConfig = ConfigOf<typeof replaceFieldSpec.properties>;

/** The output schema of one input schema, and which input field becomes which output field. */
interface Plan {
  readonly schema: Schema;
  readonly fields: readonly (readonly [from: string, to: string])[];
}

/**
 * Kafka Connect's ReplaceField: keeps, drops and renames top-level fields of the key or value.
 * Field order follows the input; tombstones pass through.
 */
export class ReplaceField implements Transform {
  readonly #side: RecordSide;
  readonly #name: string;
  readonly #exclude: ReadonlySet<string>;
  readonly #include: ReadonlySet<string>;
  readonly #renames: ReadonlyMap<string, string>;
  readonly #planFor = perSchema((schema) => this.#plan(schema));

  constructor(config: ReplaceFieldConfig, side: RecordSide) {
    this.#side = side;
    this.#name = `ReplaceField$${side === 'key' ? 'Key' : 'Value'}`;
    this.#exclude = new Set([...config.exclude, ...config.blacklist]);
    this.#include = new Set([...config.include, ...config.whitelist]);
    this.#renames = new Map(config.renames.map((pair) => pair.split(':').map((s) => s.trim()) as [string, string]));
  }

  #keeps(name: string): boolean {
    return !this.#exclude.has(name) && (this.#include.size === 0 || this.#include.has(name));
  }

  #plan(schema: Schema): Plan | null {
    if (schema.type !== 'struct') return null;
    const fields: Field[] = [];
    const pairs: [string, string][] = [];
    for (const f of schema.fields ?? []) {
      if (!this.#keeps(f.name)) continue;
      const to = this.#renames.get(f.name) ?? f.name;
      fields.push(to === f.name ? f : Schemas.field(to, f.schema));
      pairs.push([f.name, to]);
    }
    return { schema: structLike(schema, fields), fields: pairs };
  }

  apply<R extends ConnectRecord>(record: R): R | null {
    const value = sideValue(record, this.#side);
    if (value === null || value === undefined) return record;
    if (!isPlainObject(value)) throw conversionError(this.#name, record, `the ${this.#side} must be a struct or map, got ${typeof value}`);
    const schema = sideSchema(record, this.#side);
    const out: Record<string, unknown> = {};
    if (schema === null) {
      for (const [name, v] of Object.entries(value)) if (this.#keeps(name)) out[this.#renames.get(name) ?? name] = v;
      return withSide(record, this.#side, null, out);
    }
    const plan = this.#planFor(schema);
    if (plan === null) throw conversionError(this.#name, record, `the ${this.#side} schema must be a struct, got ${schema.type}`);
    for (const [from, to] of plan.fields) out[to] = value[from] ?? null;
    return withSide(record, this.#side, plan.schema, out);
  }
}

export const [replaceFieldValuePlugin, replaceFieldKeyPlugin] = keyValuePlugins(
  'ReplaceField',
  'org.apache.kafka.connect.transforms.ReplaceField',
  replaceFieldSpec,
  (config, side) => new ReplaceField(config, side),
);
