import type { Queryable } from '../../connectors/source/postgres/pg-connection.js';
import { quoteIdent } from '../../connectors/source/postgres/pg-connection.js';

/** One user table as publishing it concerns: its key, replica identity and the user's rights on it. */
export interface InspectedTable {
  readonly schema: string;
  readonly table: string;
  readonly hasPrimaryKey: boolean;
  /** pg_class.relreplident: d(efault: the primary key), f(ull), i(ndex), n(othing) */
  readonly identity: 'd' | 'f' | 'i' | 'n';
  readonly owner: string;
  /** the user owns it (or is a member of its owner): only an owner may add a table to a publication */
  readonly owned: boolean;
  /** the user may SELECT it (the snapshot reads it) */
  readonly readable: boolean;
}

/** What the connecting user may do on the server. */
export interface UserRights {
  readonly user: string;
  readonly database: string;
  readonly superuser: boolean;
  readonly replication: boolean;
  /** CREATE on the database: needed to create a publication */
  readonly canCreate: boolean;
}

export interface PublicationState {
  readonly allTables: boolean;
  readonly owner: string;
  readonly owned: boolean;
  /** the tables it publishes (qualified, quoted) */
  readonly tables: readonly string[];
}

/** The tables a logical replication source can capture: plain tables and leaf partitions, as the postgres source lists them. */
export async function inspectTables(client: Queryable): Promise<InspectedTable[]> {
  const { rows } = await client.query<{ schema: string; table: string; has_pk: boolean; identity: InspectedTable['identity']; owner: string; owned: boolean; readable: boolean }>(
    `SELECT n.nspname AS schema, c.relname AS table, c.relreplident AS identity,
            EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary) AS has_pk,
            pg_get_userbyid(c.relowner) AS owner, pg_has_role(c.relowner, 'USAGE') AS owned,
            has_table_privilege(c.oid, 'SELECT') AS readable
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
      ORDER BY n.nspname, c.relname`,
  );
  return rows.map((r) => ({ schema: r.schema, table: r.table, hasPrimaryKey: r.has_pk, identity: r.identity, owner: r.owner, owned: r.owned, readable: r.readable }));
}

export async function userRights(client: Queryable): Promise<UserRights> {
  const { rows } = await client.query<{ user: string; database: string; superuser: boolean; replication: boolean; can_create: boolean }>(
    `SELECT current_user AS user, current_database() AS database, r.rolsuper AS superuser, r.rolreplication AS replication,
            has_database_privilege(current_database(), 'CREATE') AS can_create
       FROM pg_roles r WHERE r.rolname = current_user`,
  );
  const r = rows[0];
  return { user: r.user, database: r.database, superuser: r.superuser, replication: r.replication || r.superuser, canCreate: r.can_create || r.superuser };
}

export async function publicationState(client: Queryable, name: string): Promise<PublicationState | null> {
  const { rows } = await client.query<{ puballtables: boolean; owner: string; owned: boolean }>(
    "SELECT puballtables, pg_get_userbyid(pubowner) AS owner, pg_has_role(pubowner, 'USAGE') AS owned FROM pg_publication WHERE pubname = $1",
    [name],
  );
  if (rows.length === 0) return null;
  const tables = await client.query<{ schemaname: string; tablename: string }>('SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = $1 ORDER BY 1, 2', [name]);
  return { allTables: rows[0].puballtables, owner: rows[0].owner, owned: rows[0].owned, tables: tables.rows.map((t) => qualifiedName(t.schemaname, t.tablename)) };
}

/**
 * Whether UPDATE and DELETE keep working once the table is published: PostgreSQL refuses them
 * on a published table whose replica identity gives no old key (DEFAULT without a primary key,
 * or NOTHING).
 */
export function keepsWritesWhenPublished(t: InspectedTable): boolean {
  return t.identity === 'f' || t.identity === 'i' || (t.identity === 'd' && t.hasPrimaryKey);
}

/** `"schema"."table"`, quoted, as every statement the quickstart prints names a table. */
export function qualifiedName(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}

/**
 * A `table.include.list` entry that matches exactly this table: the list holds regular
 * expressions (Debezium's), so every character but letters, digits and `_` is escaped, commas
 * and spaces included (the list is split on commas and trimmed).
 */
export function exactTablePattern(schema: string, table: string): string {
  const escape = (text: string) => Array.from(text, (c) => (/[A-Za-z0-9_]/.test(c) ? c : c.split('').map((u) => `\\u${u.charCodeAt(0).toString(16).padStart(4, '0')}`).join(''))).join('');
  return `${escape(schema)}\\.${escape(table)}`;
}
