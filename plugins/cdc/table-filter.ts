/**
 * The include/exclude lists of a CDC source, each for one level of the identifier: the
 * container (a PostgreSQL schema, a MySQL database), the table (`container.table`) and the
 * column (`container.table.column`). Debezium's property names differ per connector
 * (`schema.include.list` / `database.include.list`), so the source passes the lists in.
 */
export interface FilterLists {
  readonly containerInclude?: readonly string[];
  readonly containerExclude?: readonly string[];
  readonly tableInclude?: readonly string[];
  readonly tableExclude?: readonly string[];
  readonly columnInclude?: readonly string[];
  readonly columnExclude?: readonly string[];
  /** containers holding the server's own catalogs: never captured, whatever the lists say */
  readonly isSystemContainer?: (container: string) => boolean;
}

/**
 * Debezium's include/exclude semantics: each list entry is a regular expression that must match
 * the whole identifier (`container`, `container.table`, `container.table.column`),
 * case-insensitively. An include list admits only what matches; an exclude list removes what matches.
 */
export class TableFilter {
  readonly #containerInclude: RegExp[] | null;
  readonly #containerExclude: RegExp[];
  readonly #tableInclude: RegExp[] | null;
  readonly #tableExclude: RegExp[];
  readonly #columnInclude: RegExp[] | null;
  readonly #columnExclude: RegExp[];
  readonly #isSystem: (container: string) => boolean;

  constructor(lists: FilterLists) {
    this.#containerInclude = compileAll(lists.containerInclude);
    this.#containerExclude = compileAll(lists.containerExclude) ?? [];
    this.#tableInclude = compileAll(lists.tableInclude);
    this.#tableExclude = compileAll(lists.tableExclude) ?? [];
    this.#columnInclude = compileAll(lists.columnInclude);
    this.#columnExclude = compileAll(lists.columnExclude) ?? [];
    this.#isSystem = lists.isSystemContainer ?? (() => false);
  }

  includesContainer(container: string): boolean {
    if (this.#isSystem(container)) return false;
    return admits(this.#containerInclude, this.#containerExclude, container);
  }

  includesTable(container: string, table: string): boolean {
    if (!this.includesContainer(container)) return false;
    return admits(this.#tableInclude, this.#tableExclude, `${container}.${table}`);
  }

  includesColumn(container: string, table: string, column: string): boolean {
    return admits(this.#columnInclude, this.#columnExclude, `${container}.${table}.${column}`);
  }

  /** true when the lists select a subset of tables */
  get isFiltering(): boolean {
    return this.#containerInclude !== null || this.#containerExclude.length > 0 || this.#tableInclude !== null || this.#tableExclude.length > 0;
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
