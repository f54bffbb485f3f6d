import { z } from 'zod';
import { unknownPropertyWarnings, type ConfigWarning } from './config-warnings.js';

/**
 * Config specs: every property is declared once (type, default, validator, doc) and from that one
 * declaration come the typed parsed config, Kafka Connect's `config/validate` report, the
 * `GET /connector-plugins/{name}/config` definitions and the connector README's properties table.
 *
 * Properties are flat strings, as in Kafka Connect; each property's zod schema turns the raw
 * string (or its absence) into the typed value. Validation never throws for bad input: it reports
 * every problem against its property.
 */
export type ConfigType = 'STRING' | 'INT' | 'LONG' | 'DOUBLE' | 'BOOLEAN' | 'LIST' | 'PASSWORD' | 'CLASS';
export type Importance = 'HIGH' | 'MEDIUM' | 'LOW';
export type RawConfig = Readonly<Record<string, string>>;

export interface PropertyOptions<T> {
  doc: string;
  default?: T;
  /** required properties without a default are reported missing */
  required?: boolean;
  importance?: 'high' | 'medium' | 'low';
  group?: string;
  displayName?: string;
}

export interface Property<T> {
  readonly type: ConfigType;
  readonly doc: string;
  readonly required: boolean;
  readonly importance: Importance;
  readonly group: string;
  readonly displayName?: string;
  /** the default as the string a user would write, or null */
  readonly defaultText: string | null;
  readonly validValues?: readonly string[];
  /** secrets are never echoed by the REST API nor logged */
  readonly sensitive: boolean;
  /** parses the raw string; undefined means "not set" */
  readonly schema: z.ZodType<T>;
}

type Common<T> = PropertyOptions<T>;

function property<T>(type: ConfigType, parse: z.ZodType<T>, options: Common<T>, extra: Partial<Property<T>> = {}): Property<T> {
  const hasDefault = options.default !== undefined;
  const required = options.required ?? false;
  const defaultText = hasDefault ? formatDefault(options.default) : null;
  const schema = z.preprocess(
    (raw) => (raw === undefined || raw === '' ? (hasDefault ? options.default : undefined) : raw),
    hasDefault || required ? parse : parse.optional(),
  ) as unknown as z.ZodType<T>;
  return Object.freeze({
    type,
    doc: options.doc,
    required: required && !hasDefault,
    importance: (options.importance ?? 'medium').toUpperCase() as Importance,
    group: options.group ?? 'Common',
    displayName: options.displayName,
    defaultText,
    sensitive: false,
    schema,
    ...extra,
  });
}

function formatDefault(value: unknown): string {
  if (Array.isArray(value)) return value.join(',');
  return String(value);
}

/** Accepts a typed default (already parsed) or a raw string. */
const fromText = <T>(parse: (s: string) => T) => (raw: unknown) => (typeof raw === 'string' ? parse(raw.trim()) : raw);

const integer = (options: { min?: number; max?: number }, label: string) => {
  let s = z.number({ error: `must be ${label}` }).int({ error: `must be ${label}` });
  if (options.min !== undefined) s = s.min(options.min, { error: `must be at least ${options.min}` });
  if (options.max !== undefined) s = s.max(options.max, { error: `must be at most ${options.max}` });
  return z.preprocess(fromText((t) => (/^[-+]?\d+$/.test(t) ? Number(t) : Number.NaN)), s);
};

/** Builders for properties. The type parameter is what the parsed config holds. */
export const prop = {
  string(options: Common<string> & { pattern?: RegExp; patternHint?: string }): Property<string> {
    let s = z.string();
    if (options.pattern) s = s.regex(options.pattern, { error: options.patternHint ?? `must match ${options.pattern}` });
    return property('STRING', s, options);
  },
  password(options: Common<string>): Property<string> {
    return property('PASSWORD', z.string(), options, { sensitive: true });
  },
  int(options: Common<number> & { min?: number; max?: number }): Property<number> {
    return property('INT', integer(options, 'an integer'), options);
  },
  long(options: Common<number> & { min?: number; max?: number }): Property<number> {
    return property('LONG', integer(options, 'an integer'), options);
  },
  double(options: Common<number> & { min?: number; max?: number }): Property<number> {
    let s = z.number({ error: 'must be a number' }).finite({ error: 'must be a number' });
    if (options.min !== undefined) s = s.min(options.min, { error: `must be at least ${options.min}` });
    if (options.max !== undefined) s = s.max(options.max, { error: `must be at most ${options.max}` });
    return property('DOUBLE', z.preprocess(fromText((t) => (t === '' ? Number.NaN : Number(t))), s), options);
  },
  boolean(options: Common<boolean>): Property<boolean> {
    const s = z.preprocess(
      fromText((t) => (t.toLowerCase() === 'true' ? true : t.toLowerCase() === 'false' ? false : t)),
      z.boolean({ error: 'must be true or false' }),
    );
    return property('BOOLEAN', s, options, { validValues: ['true', 'false'] });
  },
  list(options: Common<string[]>): Property<string[]> {
    const s = z.preprocess(
      fromText((t) => t.split(',').map((x) => x.trim()).filter((x) => x.length > 0)),
      z.array(z.string()),
    );
    return property('LIST', s, options);
  },
  /**
   * One of `values`; `aliases` maps older names (Debezium's deprecated ones, say) to their
   * current value, so existing configs keep working; they are not listed as valid values.
   */
  enum<const V extends string>(values: readonly V[], options: Common<V> & { caseInsensitive?: boolean; aliases?: Readonly<Record<string, V>> }): Property<V> {
    const same = (a: string, b: string) => (options.caseInsensitive ? a.toLowerCase() === b.toLowerCase() : a === b);
    const s = z.preprocess(
      fromText((t) => values.find((v) => same(v, t)) ?? Object.entries(options.aliases ?? {}).find(([alias]) => same(alias, t))?.[1] ?? t),
      z.enum(values as unknown as [V, ...V[]], { error: `must be one of: ${values.join(', ')}` }),
    );
    return property('STRING', s as unknown as z.ZodType<V>, options, { validValues: values });
  },
  /** A Java-style class name or a plugin alias. */
  className(options: Common<string>): Property<string> {
    return property('CLASS', z.string(), options);
  },
} as const;

export type PropertyMap = Readonly<Record<string, Property<unknown>>>;
export type ConfigOf<P extends PropertyMap> = { [K in keyof P]: P[K] extends Property<infer T> ? T : never };

/** Reports a cross-field problem against one property. */
export interface IssueReporter {
  add(property: string, message: string): void;
}

/** What a spec knows besides its declared properties; see ConfigSpec. */
export interface ConfigSpecOptions {
  accepted?: readonly string[];
  renamed?: Readonly<Record<string, string>>;
}

export interface ConfigSpec<P extends PropertyMap = PropertyMap> {
  readonly properties: P;
  /** cross-field rules; each says in a comment why it exists (method syntax: specs stay assignable to ConfigSpec) */
  refine?(values: ConfigOf<P>, issues: IssueReporter, raw: RawConfig): void;
  /**
   * Properties that other components read (converters, client overrides, topic creation), so a
   * config may set them without a warning; this spec neither parses nor reports them. A name
   * ending in "." covers every property under it (`key.converter.`).
   */
  readonly accepted?: readonly string[];
  /** former property names mapped to their successors; a config using one is warned (config-warnings.ts) */
  readonly renamed?: Readonly<Record<string, string>>;
}

export function defineConfigSpec<P extends PropertyMap>(
  properties: P,
  refine?: (values: ConfigOf<P>, issues: IssueReporter, raw: RawConfig) => void,
  options: ConfigSpecOptions = {},
): ConfigSpec<P> {
  return Object.freeze({ properties, refine, ...(options.accepted ? { accepted: Object.freeze([...options.accepted]) } : {}), ...(options.renamed ? { renamed: options.renamed } : {}) });
}

/** Joins specs (framework + connector); the later spec's definition wins for a shared name. */
export function mergeSpecs(...specs: ConfigSpec[]): ConfigSpec {
  const properties = Object.assign({}, ...specs.map((s) => s.properties)) as PropertyMap;
  const refines = specs.map((s) => s.refine).filter((r) => r !== undefined);
  const accepted = [...new Set(specs.flatMap((s) => s.accepted ?? []))];
  const renamed = Object.assign({}, ...specs.map((s) => s.renamed ?? {})) as Record<string, string>;
  return defineConfigSpec(properties, (values, issues, raw) => refines.forEach((r) => r(values, issues, raw)), { accepted, renamed });
}

export type ParseResult<T> =
  | { ok: true; value: T; errors: Readonly<Record<string, string[]>> }
  | { ok: false; value: Partial<T>; errors: Readonly<Record<string, string[]>> };

/** Parses a raw config against a spec, collecting every problem. Never throws for bad input. */
export function parseConfig<P extends PropertyMap>(spec: ConfigSpec<P>, raw: RawConfig): ParseResult<ConfigOf<P>> {
  const errors: Record<string, string[]> = {};
  const value: Record<string, unknown> = {};
  const add = (name: string, message: string) => (errors[name] ??= []).push(message);
  for (const [name, p] of Object.entries(spec.properties)) {
    const rawValue = raw[name];
    if (p.required && (rawValue === undefined || rawValue === '')) {
      add(name, `Missing required configuration "${name}" which has no default value.`);
      continue;
    }
    const result = p.schema.safeParse(rawValue);
    if (result.success) value[name] = result.data;
    else for (const issue of result.error.issues) add(name, `Invalid value ${p.sensitive ? '[hidden]' : JSON.stringify(rawValue)} for configuration ${name}: ${issue.message}`);
  }
  // Cross-field rules run even when some property failed, so every problem is listed at once;
  // they see only the values that parsed, and add nothing to a property already in error.
  if (spec.refine) {
    const failed = new Set(Object.keys(errors));
    try {
      spec.refine(value as ConfigOf<P>, { add: (name, message) => (failed.has(name) ? undefined : add(name, message)) }, raw);
    } catch {
      // a rule reading a value that did not parse: the property's own error already says why
    }
  }
  return Object.keys(errors).length === 0
    ? { ok: true, value: value as ConfigOf<P>, errors }
    : { ok: false, value: value as Partial<ConfigOf<P>>, errors };
}

/** Kafka Connect's ConfigKeyInfo. */
export interface ConfigKeyInfo {
  name: string;
  type: ConfigType;
  required: boolean;
  default_value: string | null;
  importance: Importance;
  documentation: string;
  group: string;
  width: 'NONE';
  display_name: string;
  dependents: string[];
  order: number;
}

/**
 * Kafka Connect's ConfigInfos, the `config/validate` answer, plus `warnings`: the unknown
 * properties (docs/configuration.md, "Unknown properties"). Each of them also has an entry in
 * `configs` — no errors, the warning as its documentation, group "Unknown properties" — so a
 * client that reads only Kafka Connect's fields still shows it, and `error_count` stays the
 * count of errors: warnings never make a config invalid.
 */
export interface ConfigInfos {
  name: string;
  error_count: number;
  groups: string[];
  configs: { definition: ConfigKeyInfo; value: { name: string; value: string | null; recommended_values: string[]; errors: string[]; visible: boolean } }[];
  warnings: ConfigWarning[];
}

/** The group of the `configs` entries of unknown properties. */
export const UNKNOWN_PROPERTIES_GROUP = 'Unknown properties';

/**
 * Whether the value of an undeclared property must be hidden: its name looks like a secret's,
 * or it is a near miss of a password property (`database.pasword`).
 */
function looksSecret(spec: ConfigSpec, name: string, suggestion: string | undefined): boolean {
  return /pass|secret|token|credential|private|api\.?key/i.test(name) || (suggestion !== undefined && spec.properties[suggestion]?.sensitive === true);
}

export function definitionsOf(spec: ConfigSpec): ConfigKeyInfo[] {
  return Object.entries(spec.properties).map(([name, p], index) => ({
    name,
    type: p.type,
    required: p.required,
    default_value: p.defaultText,
    importance: p.importance,
    documentation: p.doc,
    group: p.group,
    width: 'NONE',
    display_name: p.displayName ?? name,
    dependents: [],
    order: index + 1,
  }));
}

/**
 * The validation report in Kafka Connect's shape. `extraErrors` carries problems found outside
 * the spec (connectivity checks, transform specs) keyed by property; properties not in the spec
 * get a bare definition so their errors still show. `warnings` defaults to the unknown
 * properties of `raw` against `spec`; a caller that knows more properties than the spec it
 * reports (transform properties) computes them itself.
 */
export function validationReport(
  pluginName: string,
  spec: ConfigSpec,
  raw: RawConfig,
  extraErrors: Record<string, string[]> = {},
  warnings: readonly ConfigWarning[] = unknownPropertyWarnings(spec, raw),
): ConfigInfos {
  const parsed = parseConfig(spec, raw);
  const errors: Record<string, string[]> = { ...parsed.errors };
  for (const [k, v] of Object.entries(extraErrors)) errors[k] = [...(errors[k] ?? []), ...v];
  const definitions = definitionsOf(spec);
  const known = new Set(definitions.map((d) => d.name));
  for (const name of Object.keys(errors)) {
    if (!known.has(name)) {
      definitions.push({ name, type: 'STRING', required: false, default_value: null, importance: 'LOW', documentation: '', group: 'Common', width: 'NONE', display_name: name, dependents: [], order: definitions.length + 1 });
    }
  }
  const hidden = new Set<string>();
  for (const w of warnings) {
    if (looksSecret(spec, w.name, w.suggestion)) hidden.add(w.name);
    if (known.has(w.name) || definitions.some((d) => d.name === w.name)) continue;
    definitions.push({ name: w.name, type: 'STRING', required: false, default_value: null, importance: 'LOW', documentation: w.message, group: UNKNOWN_PROPERTIES_GROUP, width: 'NONE', display_name: w.name, dependents: [], order: definitions.length + 1 });
  }
  const configs = definitions.map((definition) => {
    const p = spec.properties[definition.name];
    const rawValue = raw[definition.name];
    const secret = p?.sensitive || hidden.has(definition.name);
    const shown = secret && (rawValue ?? definition.default_value) !== null ? '[hidden]' : rawValue === undefined ? definition.default_value : rawValue;
    return {
      definition,
      value: { name: definition.name, value: shown ?? null, recommended_values: [...(p?.validValues ?? [])], errors: errors[definition.name] ?? [], visible: true },
    };
  });
  return {
    name: pluginName,
    error_count: configs.reduce((n, c) => n + c.value.errors.length, 0),
    groups: [...new Set(definitions.map((d) => d.group))],
    configs,
    warnings: [...warnings],
  };
}

/** Every error of a report as "property: message" lines, for logs and CLI output. */
export function reportErrors(report: ConfigInfos): string[] {
  return report.configs.flatMap((c) => c.value.errors.map((e) => `${c.definition.name}: ${e}`));
}

/** Every warning of a report as "property: message" lines, for logs and CLI output. */
export function reportWarnings(report: ConfigInfos): string[] {
  return report.warnings.map((w) => `${w.name}: ${w.message}`);
}

/** The README properties table, generated so docs cannot drift from the spec. */
export function markdownTable(spec: ConfigSpec): string {
  const escape = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const rows = Object.entries(spec.properties).map(([name, p]) => {
    const values = p.validValues ? ` One of: ${p.validValues.map((v) => `\`${v}\``).join(', ')}.` : '';
    const def = p.required ? '*required*' : p.defaultText === null ? '' : `\`${p.defaultText === '' ? '""' : escape(p.defaultText)}\``;
    return `| \`${name}\` | ${p.type.toLowerCase()} | ${def} | ${escape(p.doc)}${values} |`;
  });
  return ['| property | type | default | description |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/** Property names whose values must never be shown (for redaction in REST answers and logs). */
export function sensitiveNames(spec: ConfigSpec): Set<string> {
  return new Set(Object.entries(spec.properties).filter(([, p]) => p.sensitive).map(([n]) => n));
}
