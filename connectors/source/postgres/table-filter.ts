import type { PostgresConfig } from './postgres-config-spec.js';

/** Schemas that hold the server's own catalogs; never captured, whatever the lists say. */
const SYSTEM_SCHEMAS = new Set(['pg_catalog', 'information_schema', 'pg_toast']);

/**
 * Debezium's include/exclude semantics: each list entry is a regular expression that must match
 * the whole identifier (`schema`, `schema.table`, `schema.table.column`), case-insensitively.
 * An include list admits only what matches; an exclude list removes what matches.
 */
export class TableFilter {
  readonly #schemaInclude: RegExp[] | null;
  readonly #schemaExclude: RegExp[];
  readonly #tableInclude: RegExp[] | null;
  readonly #tableExclude: RegExp[];
  readonly #columnInclude: RegExp[] | null;
  readonly #columnExclude: RegExp[];

  constructor(config: Pick<PostgresConfig, 'schema.include.list' | 'schema.exclude.list' | 'table.include.list' | 'table.exclude.list' | 'column.include.list' | 'column.exclude.list'>) {
    this.#schemaInclude = compileAll(config['schema.include.list']);
    this.#schemaExclude = compileAll(config['schema.exclude.list']) ?? [];
    this.#tableInclude = compileAll(config['table.include.list']);
    this.#tableExclude = compileAll(config['table.exclude.list']) ?? [];
    this.#columnInclude = compileAll(config['column.include.list']);
    this.#columnExclude = compileAll(config['column.exclude.list']) ?? [];
  }

  includesTable(schema: string, table: string): boolean {
    if (SYSTEM_SCHEMAS.has(schema) || schema.startsWith('pg_temp')) return false;
    if (!admits(this.#schemaInclude, this.#schemaExclude, schema)) return false;
    return admits(this.#tableInclude, this.#tableExclude, `${schema}.${table}`);
  }

  includesColumn(schema: string, table: string, column: string): boolean {
    return admits(this.#columnInclude, this.#columnExclude, `${schema}.${table}.${column}`);
  }

  /** true when the lists select a subset of tables (a `filtered` publication must name them) */
  get isFiltering(): boolean {
    return this.#schemaInclude !== null || this.#schemaExclude.length > 0 || this.#tableInclude !== null || this.#tableExclude.length > 0;
  }
}

function admits(include: RegExp[] | null, exclude: RegExp[], identifier: string): boolean {
  if (include && !include.some((r) => r.test(identifier))) return false;
  return !exclude.some((r) => r.test(identifier));
}

function compileAll(patterns: readonly string[] | undefined): RegExp[] | null {
  if (!patterns || patterns.length === 0) return null;
  return patterns.map((p) => new RegExp(`^(?:${p})$`, 'i'));
}

/** The patterns that do not compile, for `validate` to report against their property. */
export function invalidPatterns(patterns: readonly string[] | undefined): string[] {
  const bad: string[] = [];
  for (const p of patterns ?? []) {
    try {
      new RegExp(p);
    } catch (error) {
      bad.push(`"${p}" is not a valid regular expression: ${(error as Error).message}`);
    }
  }
  return bad;
}
