import type { Queryable } from './pg-connection.js';

export interface TypeInfo {
  readonly oid: number;
  readonly name: string;
  readonly schema: string;
  /** pg_type.typtype: b base, d domain, e enum, c composite, r range, p pseudo */
  readonly type: string;
  readonly category: string;
  readonly baseType: number;
  readonly elementType: number;
  readonly typmod: number;
  readonly delimiter: string;
  /** an enum's labels in their sort order, comma-separated (Debezium's `allowed` parameter) */
  readonly labels: string | null;
}

/**
 * The server's types (pg_type), so columns of enum, domain, array and extension types can be
 * mapped. Loaded once and reloaded when a column names a type created since (a new enum).
 */
export class TypeRegistry {
  #types = new Map<number, TypeInfo>();

  get(oid: number): TypeInfo | undefined {
    return this.#types.get(oid);
  }

  has(oid: number): boolean {
    return oid < 10_000 || this.#types.has(oid);
  }

  async load(client: Queryable): Promise<void> {
    const { rows } = await client.query<{ oid: number; typname: string; nspname: string; typtype: string; typcategory: string; typbasetype: number; typelem: number; typtypmod: number; typdelim: string; labels: string | null }>(
      `SELECT t.oid::int AS oid, t.typname, n.nspname, t.typtype, t.typcategory, t.typbasetype::int AS typbasetype,
              t.typelem::int AS typelem, t.typtypmod, t.typdelim,
              (SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid) AS labels
         FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace`,
    );
    const types = new Map<number, TypeInfo>();
    for (const r of rows) {
      types.set(Number(r.oid), {
        oid: Number(r.oid), name: r.typname, schema: r.nspname, type: r.typtype, category: r.typcategory,
        baseType: Number(r.typbasetype), elementType: Number(r.typelem), typmod: Number(r.typtypmod), delimiter: r.typdelim, labels: r.labels,
      });
    }
    this.#types = types;
  }

  /** Reloads when any of the oids is unknown; returns whether a reload happened. */
  async ensure(client: Queryable, oids: Iterable<number>): Promise<boolean> {
    for (const oid of oids) {
      if (!this.#types.has(oid)) {
        await this.load(client);
        return true;
      }
    }
    return false;
  }
}
