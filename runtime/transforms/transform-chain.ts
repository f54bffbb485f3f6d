import { parseConfig, TributaryError, type ConnectRecord, type RawConfig } from '../../plugins/api/index.js';
import type { Predicate, Transform } from './transform.js';
import { listedAliases, prefixErrors, RESERVED_TRANSFORM_KEYS, subConfig } from './transform-config.js';
import { builtinTransformRegistry, type TransformRegistry } from './transform-registry.js';

/**
 * A record error raised inside a transformation or predicate. It names the alias so the status
 * trace and the dead-letter context say which step failed (Kafka Connect's stage TRANSFORMATION).
 */
export class TransformError extends TributaryError {
  readonly alias: string;
  readonly stage = 'TRANSFORMATION';

  constructor(alias: string, plugin: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super('record.conversion_failed', `Transformation "${alias}" (${plugin}) failed: ${reason}`, { cause });
    this.name = 'TransformError';
    this.alias = alias;
  }
}

interface Step {
  readonly alias: string;
  readonly plugin: string;
  readonly transform: Transform;
  readonly predicate: Predicate | null;
  readonly negate: boolean;
}

/** The configured transformations of one connector, applied in order. */
export class TransformChain {
  readonly #steps: readonly Step[];

  constructor(steps: readonly Step[]) {
    this.#steps = steps;
  }

  static readonly empty = new TransformChain([]);

  get aliases(): string[] {
    return this.#steps.map((s) => s.alias);
  }

  get isEmpty(): boolean {
    return this.#steps.length === 0;
  }

  /**
   * The transformed record, or null when a step dropped it. A step whose predicate does not
   * match (or matches, with negate) is skipped. Errors are rethrown as TransformError naming the
   * alias; the runtime applies errors.tolerance to them.
   */
  apply<R extends ConnectRecord>(record: R): R | null {
    let current = record;
    for (const step of this.#steps) {
      let next: R | null;
      try {
        if (step.predicate !== null && step.predicate.test(current) === step.negate) continue;
        next = step.transform.apply(current);
      } catch (error) {
        throw new TransformError(step.alias, step.plugin, error);
      }
      if (next === null) return null;
      current = next;
    }
    return current;
  }
}

/**
 * Builds the chain from a connector config in Kafka Connect's layout. Never throws for bad
 * config: every problem is returned keyed by the full property name (`transforms.a.type`), and
 * the chain then holds only the steps that could be built.
 */
export function buildTransformChain(
  config: Record<string, string>,
  registry: TransformRegistry = builtinTransformRegistry,
): { chain: TransformChain; errors: Record<string, string[]> } {
  const errors: Record<string, string[]> = {};
  const add = (key: string, message: string) => (errors[key] ??= []).push(message);
  const merge = (more: Record<string, string[]>) => Object.entries(more).forEach(([k, ms]) => ms.forEach((m) => add(k, m)));

  const predicates = new Map<string, Predicate>();
  const listedPredicates = listedAliases(config, 'predicates');
  for (const alias of listedPredicates.duplicates) add('predicates', `Duplicate alias provided: "${alias}"`);
  for (const alias of listedPredicates.aliases) {
    const prefix = `predicates.${alias}.`;
    const type = config[`${prefix}type`]?.trim();
    if (!type) {
      add(`${prefix}type`, `Missing required configuration "${prefix}type" which has no default value.`);
      continue;
    }
    const plugin = registry.findPredicate(type);
    if (plugin === undefined) {
      add(`${prefix}type`, `Invalid value "${type}" for configuration ${prefix}type: no predicate of that name or class (known: ${registry.predicates.map((p) => p.name).join(', ')})`);
      continue;
    }
    const created = create(plugin.configSpec, subConfig(config, prefix), prefix, (raw) => plugin.create(raw));
    if ('errors' in created) merge(created.errors);
    else predicates.set(alias, created.value);
  }

  const steps: Step[] = [];
  const listedTransforms = listedAliases(config, 'transforms');
  for (const alias of listedTransforms.duplicates) add('transforms', `Duplicate alias provided: "${alias}"`);
  for (const alias of listedTransforms.aliases) {
    const prefix = `transforms.${alias}.`;
    let ok = true;
    const predicateAlias = config[`${prefix}predicate`]?.trim() ?? '';
    if (predicateAlias !== '' && !listedPredicates.aliases.includes(predicateAlias)) {
      add(`${prefix}predicate`, `Predicate "${predicateAlias}" is referenced but not defined: list it in "predicates" and set predicates.${predicateAlias}.type`);
      ok = false;
    }
    const negateText = config[`${prefix}negate`]?.trim().toLowerCase() ?? '';
    if (negateText !== '' && negateText !== 'true' && negateText !== 'false') {
      add(`${prefix}negate`, `Invalid value "${config[`${prefix}negate`]}" for configuration ${prefix}negate: must be true or false`);
      ok = false;
    }
    const type = config[`${prefix}type`]?.trim();
    if (!type) {
      add(`${prefix}type`, `Missing required configuration "${prefix}type" which has no default value.`);
      continue;
    }
    const plugin = registry.findTransform(type);
    if (plugin === undefined) {
      add(`${prefix}type`, `Invalid value "${type}" for configuration ${prefix}type: no transformation of that name or class (known: ${registry.transforms.map((p) => p.name).join(', ')})`);
      continue;
    }
    const created = create(plugin.configSpec, subConfig(config, prefix, RESERVED_TRANSFORM_KEYS), prefix, (raw) => plugin.create(raw));
    if ('errors' in created) merge(created.errors);
    else if (ok) {
      const predicate = predicateAlias === '' ? null : (predicates.get(predicateAlias) ?? null);
      // A predicate that failed to build has its own errors; the step is left out rather than run unguarded.
      if (predicateAlias !== '' && predicate === null) continue;
      steps.push({ alias, plugin: plugin.name, transform: created.value, predicate, negate: negateText === 'true' });
    }
  }
  return { chain: steps.length === 0 ? TransformChain.empty : new TransformChain(steps), errors };
}

function create<T>(
  spec: Parameters<typeof parseConfig>[0],
  raw: RawConfig,
  prefix: string,
  build: (raw: RawConfig) => T,
): { value: T } | { errors: Record<string, string[]> } {
  const parsed = parseConfig(spec, raw);
  if (!parsed.ok) return { errors: prefixErrors(parsed.errors, prefix) };
  try {
    return { value: build(raw) };
  } catch (error) {
    return { errors: { [`${prefix}type`]: [`Could not create it: ${error instanceof Error ? error.message : String(error)}`] } };
  }
}
